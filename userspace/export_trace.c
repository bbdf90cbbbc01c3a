#include "export_trace.h"

#include <stdio.h>
#include "account.h"
#include "classify.h"
#include "util.h"

/* Microseconds since the run started, as the format wants them. */
static double trace_us(const struct run_model *m, uint64_t ns)
{
	return ns > m->meta.start_ns ? (ns - m->meta.start_ns) / 1e3 : 0;
}

static void name_events(json_t *events, const struct run_model *m)
{
	for (size_t i = 0; i < m->n_procs; i++) {
		const struct model_process *p = &m->procs[i];
		char name[COMM_LEN + 32];

		snprintf(name, sizeof(name), "%s (pid %u)", p->comm, p->pid);
		json_array_append_new(events, json_pack("{ss ss sI sI s{ss}}", "ph", "M",
			"name", "process_name", "pid", (json_int_t)p->pid, "tid", (json_int_t)p->pid,
			"args", "name", name));
	}
	for (size_t i = 0; i < m->n_threads; i++) {
		const struct thread_acct *a = &m->threads[i].acct;

		json_array_append_new(events, json_pack("{ss ss sI sI s{ss}}", "ph", "M",
			"name", "thread_name", "pid", (json_int_t)a->tgid, "tid", (json_int_t)a->tid,
			"args", "name", a->comm));
	}
}

/* Lays a thread's class totals end to end from its start: what the aggregates can show. */
static void aggregate_states(json_t *events, const struct run_model *m, const struct thread_acct *a)
{
	uint64_t at = a->start_ns, life = thread_lifetime(a);

	for (int c = 0; c < WC_COUNT; c++) {
		if (!a->ns[c])
			continue;
		json_array_append_new(events, json_pack("{ss ss ss sI sI sf sf s{ss ss sI sf si}}",
			"ph", "X", "name", wait_classes[c].name, "cat", "state",
			"pid", (json_int_t)a->tgid, "tid", (json_int_t)a->tid,
			"ts", trace_us(m, at), "dur", a->ns[c] / 1e3,
			"args", "note", TRACE_AGGREGATE_NOTE, "class", wait_classes[c].name,
			"total_ns", (json_int_t)a->ns[c], "share_of_lifetime", share(a->ns[c], life),
			"times_entered", (int)a->blocks[c]));
		at += a->ns[c];
	}
}

typedef void (*states_fn)(json_t *events, const struct run_model *m, const struct thread_acct *a);

/* How the model can show each thread's states; a model with a timeline of state intervals
 * returns a writer of those intervals (and of its wakeup edges as flow events) here. */
static states_fn states_writer(const struct run_model *m)
{
	(void)m;
	return aggregate_states;
}

static void cpu_counter(json_t *events, uint32_t pid, double ts_us, double cpus)
{
	json_array_append_new(events, json_pack("{ss ss sI sf s{sf}}", "ph", "C", "name", "CPUs used",
						"pid", (json_int_t)pid, "ts", ts_us, "args", "cpus", cpus));
}

/* Per process, the CPUs its threads kept busy on average over its life: from its start to its end. */
static void cpu_counters(json_t *events, const struct run_model *m)
{
	for (size_t i = 0; i < m->n_procs; i++) {
		const struct model_process *p = &m->procs[i];
		uint64_t end = p->end_ns > p->start_ns ? p->end_ns : p->start_ns;
		struct acct_totals t;

		totals_of(m, p->pid, &t);
		cpu_counter(events, p->pid, trace_us(m, p->start_ns),
			    end > p->start_ns ? (double)t.ns[WC_ONCPU] / (end - p->start_ns) : 0);
		cpu_counter(events, p->pid, trace_us(m, end), 0);
	}
}

json_t *trace_json(const struct run_model *m)
{
	json_t *events = json_array();
	states_fn states = states_writer(m);

	name_events(events, m);
	for (size_t i = 0; i < m->n_threads; i++)
		states(events, m, &m->threads[i].acct);
	cpu_counters(events, m);
	return json_pack("{so ss s{ss ss ss sf}}", "traceEvents", events, "displayTimeUnit", "ms",
			 "metadata", "source", "conctrace " CONCTRACE_VERSION,
			 "command", m->meta.command ? m->meta.command : "",
			 "layout", TRACE_AGGREGATE_NOTE ": each thread's states are its totals laid end to end",
			 "start_epoch", m->meta.start_epoch);
}
