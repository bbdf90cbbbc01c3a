#include "render/export_trace.h"

#include <stdio.h>
#include <stdlib.h>
#include "model/account.h"
#include "model/classify.h"
#include "base/util.h"

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

/* One slice per state interval, on its thread's track. */
static void interval_slices(json_t *events, const struct run_model *m)
{
	for (size_t i = 0; i < m->timeline.n_intervals; i++) {
		const struct model_interval *iv = &m->timeline.intervals[i];
		const struct thread_acct *a = model_find_thread(m, iv->tid);

		json_array_append_new(events, json_pack("{ss ss ss sI sI sf sf}", "ph", "X",
			"name", wait_classes[iv->wait_class].name, "cat", "state",
			"pid", (json_int_t)(a ? a->tgid : iv->tid), "tid", (json_int_t)iv->tid,
			"ts", trace_us(m, iv->start_ns), "dur", (iv->end_ns - iv->start_ns) / 1e3));
	}
}

/* A flow arrow per wakeup from a traced waker: start on the waker's track, end on the wakee's. */
static void wakeup_flows(json_t *events, const struct run_model *m)
{
	for (size_t i = 0; i < m->timeline.n_wakes; i++) {
		const struct model_wake_edge *w = &m->timeline.wakes[i];
		const struct thread_acct *waker = model_find_thread(m, w->waker_tid);
		const struct thread_acct *wakee = model_find_thread(m, w->wakee_tid);
		double ts = trace_us(m, w->ts_ns);

		if (!waker || !wakee)
			continue;
		json_array_append_new(events, json_pack("{ss ss ss sI sI sI sf}", "ph", "s", "name", "wakeup",
			"cat", wait_classes[w->wait_class].name, "id", (json_int_t)i,
			"pid", (json_int_t)waker->tgid, "tid", (json_int_t)waker->tid, "ts", ts));
		json_array_append_new(events, json_pack("{ss ss ss ss sI sI sI sf}", "ph", "f", "bp", "e",
			"name", "wakeup", "cat", wait_classes[w->wait_class].name, "id", (json_int_t)i,
			"pid", (json_int_t)wakee->tgid, "tid", (json_int_t)wakee->tid, "ts", ts));
	}
}

/* A change of the tree's running and runnable thread counts at TS_NS. */
struct count_step {
	uint64_t ts_ns;
	int oncpu, runnable;
};

static int cmp_step(const void *a, const void *b)
{
	const struct count_step *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

/* Counters of the whole tree over time: CPUs busy and threads runnable, from every interval. */
static void timeline_counters(json_t *events, const struct run_model *m, uint32_t pid)
{
	struct count_step *steps = xcalloc(2 * m->timeline.n_intervals + 1, sizeof(*steps));
	size_t n = 0;
	int oncpu = 0, runnable = 0;

	for (size_t i = 0; i < m->timeline.n_intervals; i++) {
		const struct model_interval *iv = &m->timeline.intervals[i];
		int cpu = iv->wait_class == WC_ONCPU, rq = iv->wait_class == WC_RUNQUEUE;

		if (!cpu && !rq)
			continue;
		steps[n++] = (struct count_step){ iv->start_ns, cpu, rq };
		steps[n++] = (struct count_step){ iv->end_ns, -cpu, -rq };
	}
	qsort(steps, n, sizeof(*steps), cmp_step);
	for (size_t i = 0; i < n; i++) {
		oncpu += steps[i].oncpu;
		runnable += steps[i].runnable;
		if (i + 1 < n && steps[i + 1].ts_ns == steps[i].ts_ns)
			continue;  /* one counter value per instant */
		json_array_append_new(events, json_pack("{ss ss sI sf s{si si}}", "ph", "C", "name", "threads",
			"pid", (json_int_t)pid, "ts", trace_us(m, steps[i].ts_ns),
			"args", "CPUs busy", oncpu, "runnable", runnable));
	}
	free(steps);
}

json_t *trace_json(const struct run_model *m)
{
	json_t *events = json_array();
	bool timeline = m->timeline.recorded;

	name_events(events, m);
	if (timeline) {
		interval_slices(events, m);
		wakeup_flows(events, m);
		timeline_counters(events, m, m->meta.root_pid);
	} else {
		for (size_t i = 0; i < m->n_threads; i++)
			aggregate_states(events, m, &m->threads[i].acct);
		cpu_counters(events, m);
	}
	return json_pack("{so ss s{ss ss ss sf}}", "traceEvents", events, "displayTimeUnit", "ms",
			 "metadata", "source", "conctrace " CONCTRACE_VERSION,
			 "command", m->meta.command ? m->meta.command : "",
			 "layout", timeline ? TRACE_TIMELINE_NOTE :
			 TRACE_AGGREGATE_NOTE ": each thread's states are its totals laid end to end",
			 "start_epoch", m->meta.start_epoch);
}
