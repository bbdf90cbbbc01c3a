#include "render/export_trace.h"

#include <inttypes.h>
#include <jansson.h>
#include "model/classify.h"
#include "render/trace_counts.h"
#include "base/util.h"

/* Starts an event of the traceEvents array: the separator before all but the first. */
static void event(FILE *out, size_t *n)
{
	fputs((*n)++ ? ",\n{" : "{", out);
}

/* Microseconds since the run started, as "123.456": exact, where a double prints 17 digits. */
static void put_us(FILE *out, const struct run_model *m, uint64_t ns)
{
	ns = ns > m->meta.start_ns ? ns - m->meta.start_ns : 0;
	fprintf(out, "%" PRIu64 ".%03u", ns / 1000, (unsigned)(ns % 1000));
}

/* S as a JSON string. */
static void put_string(FILE *out, const char *s)
{
	json_t *j = json_string(s);

	json_dumpf(j, out, JSON_ENCODE_ANY);
	json_decref(j);
}

static void name_events(FILE *out, size_t *n, const struct run_model *m)
{
	for (size_t i = 0; i < m->n_procs; i++) {
		const struct model_process *p = &m->procs[i];
		char name[COMM_LEN + 32];

		snprintf(name, sizeof(name), "%s (pid %u)", p->comm, p->pid);
		event(out, n);
		fprintf(out, "\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,\"tid\":%u,\"args\":{\"name\":",
			p->pid, p->pid);
		put_string(out, name);
		fputs("}}", out);
	}
	for (size_t i = 0; i < m->n_threads; i++) {
		const struct thread_acct *a = &m->threads[i].acct;

		event(out, n);
		fprintf(out, "\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,\"tid\":%u,\"args\":{\"name\":",
			a->tgid, a->tid);
		put_string(out, a->comm);
		fputs("}}", out);
	}
}

/* One slice per state interval, on its thread's track. */
static void interval_slices(FILE *out, size_t *n, const struct run_model *m, const struct thread_index *by_tid)
{
	for (size_t i = 0; i < m->timeline.n_intervals; i++) {
		const struct model_interval *iv = &m->timeline.intervals[i];
		ssize_t t = thread_index_at(by_tid, iv->tid, iv->start_ns);

		event(out, n);
		fprintf(out, "\"ph\":\"X\",\"name\":\"%s\",\"cat\":\"state\",\"pid\":%u,\"tid\":%u,\"ts\":",
			wait_classes[iv->wait_class].name, t >= 0 ? m->threads[t].acct.tgid : iv->tid, iv->tid);
		put_us(out, m, iv->start_ns);
		fprintf(out, ",\"dur\":%" PRIu64 ".%03u}", (iv->end_ns - iv->start_ns) / 1000,
			(unsigned)((iv->end_ns - iv->start_ns) % 1000));
	}
}

/* A flow arrow per wakeup from a traced waker: start on the waker's track, end on the wakee's. */
static void wakeup_flows(FILE *out, size_t *n, const struct run_model *m, const struct thread_index *by_tid)
{
	for (size_t i = 0; i < m->timeline.n_wakes; i++) {
		const struct model_wake_edge *w = &m->timeline.wakes[i];
		ssize_t waker = w->waker_tid ? thread_index_at(by_tid, w->waker_tid, w->ts_ns) : -1;
		ssize_t wakee = thread_index_at(by_tid, w->wakee_tid, w->ts_ns);
		const char *cat = wait_classes[w->wait_class].name;

		if (waker < 0 || wakee < 0)
			continue;
		event(out, n);
		fprintf(out, "\"ph\":\"s\",\"name\":\"wakeup\",\"cat\":\"%s\",\"id\":%zu,\"pid\":%u,\"tid\":%u,\"ts\":",
			cat, i, m->threads[waker].acct.tgid, w->waker_tid);
		put_us(out, m, w->ts_ns);
		fputs("}", out);
		event(out, n);
		fprintf(out, "\"ph\":\"f\",\"bp\":\"e\",\"name\":\"wakeup\",\"cat\":\"%s\",\"id\":%zu,\"pid\":%u,"
			"\"tid\":%u,\"ts\":", cat, i, m->threads[wakee].acct.tgid, w->wakee_tid);
		put_us(out, m, w->ts_ns);
		fputs("}", out);
	}
}

/* The traced threads' CPUs busy and runnable threads, a value per bucket where it changes. */
static void counters(FILE *out, size_t *n, const struct run_model *m)
{
	struct trace_counts c;
	double cpus = -1, runnable = -1;

	trace_counts_build(m, m->meta.start_ns, m->meta.end_ns, &c);
	for (size_t i = 0; i <= c.n; i++) {
		double x = i < c.n ? c.cpus[i] : 0, y = i < c.n ? c.runnable[i] : 0;

		if (x == cpus && y == runnable)
			continue;
		event(out, n);
		fprintf(out, "\"ph\":\"C\",\"name\":\"threads\",\"pid\":%u,\"ts\":", m->meta.root_pid);
		put_us(out, m, c.start_ns + i * c.bucket_ns);
		fprintf(out, ",\"args\":{\"CPUs busy\":%.3f,\"runnable\":%.3f}}", x, y);
		cpus = x;
		runnable = y;
	}
	trace_counts_free(&c);
}

int trace_json_write(const struct run_model *m, FILE *out)
{
	struct thread_index by_tid;
	size_t n = 0;

	if (!m->timeline.recorded) {
		errmsg("no timeline in this report: record with --timeline for a trace");
		return -1;
	}
	thread_index_build(&by_tid, m);
	fputs("{\"traceEvents\":[\n", out);
	name_events(out, &n, m);
	interval_slices(out, &n, m, &by_tid);
	wakeup_flows(out, &n, m, &by_tid);
	counters(out, &n, m);
	thread_index_free(&by_tid);
	fputs("\n],\n", out);
	fprintf(out, "\"displayTimeUnit\":\"ms\",\"metadata\":{\"source\":\"conctrace " CONCTRACE_VERSION
		"\",\"command\":");
	put_string(out, m->meta.command ? m->meta.command : "");
	fprintf(out, ",\"layout\":\"" TRACE_TIMELINE_NOTE "\",\"start_epoch\":%.6f}}\n", m->meta.start_epoch);
	if (ferror(out)) {
		errmsg("cannot write the trace");
		return -1;
	}
	return 0;
}
