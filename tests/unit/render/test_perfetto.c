/* trace.perfetto (render/export_perfetto.h), read back with a decoder of our own
 * (tests/perfetto_decode.h): tracks, every interval as a slice, flows, counters, the critical path;
 * its size per interval; and the memory its writing and timeline.bin's take for 1 M intervals. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "base/util.h"
#include "model/classify.h"
#include "model/timeline_file.h"
#include "perfetto_decode.h"
#include "render/export_perfetto.h"

#define MS 1000000ULL
#define T0 (1000 * MS)

static void add_thread(struct run_model *m, uint32_t tid, uint32_t tgid, const char *comm, uint64_t from_ms,
		       uint64_t to_ms)
{
	struct thread_acct a = { .tid = tid, .tgid = tgid, .start_ns = T0 + from_ms * MS, .end_ns = T0 + to_ms * MS };

	snprintf(a.comm, sizeof(a.comm), "%s", comm);
	a.ns[WC_ONCPU] = a.end_ns - a.start_ns;
	model_add_thread(m, &a);
}

static void add_interval(struct run_model *m, uint32_t tid, uint32_t class, uint64_t from_ms, uint64_t to_ms)
{
	*VEC_PUSH(m->timeline.intervals, m->timeline.n_intervals, m->timeline.cap_intervals) =
		(struct model_interval){ .tid = tid, .wait_class = class, .start_ns = T0 + from_ms * MS,
					 .end_ns = T0 + to_ms * MS };
}

static void add_wake(struct run_model *m, uint64_t ts_ms, uint32_t waker, uint32_t wakee, uint32_t class)
{
	*VEC_PUSH(m->timeline.wakes, m->timeline.n_wakes, m->timeline.cap_wakes) = (struct model_wake_edge){
		.ts_ns = T0 + ts_ms * MS, .waker_tid = waker, .wakee_tid = wakee, .wait_class = class };
}

/* main (100) runs, waits for a lock that worker (101) releases at 50 ms, runs again; worker runs,
 * then sleeps until an interrupt (waker 0) wakes it; child (200, another process) runs. */
static void build_model(struct run_model *m)
{
	model_init(m);
	m->meta = (struct model_meta){ .command = xstrdup("demo"), .ncpus = 2, .root_pid = 100,
				       .start_ns = T0, .end_ns = T0 + 100 * MS };
	add_thread(m, 100, 100, "demo", 0, 100);
	add_thread(m, 101, 100, "worker", 10, 90);
	add_thread(m, 200, 200, "child", 20, 30);
	model_process(m, 100)->start_ns = T0;
	model_process(m, 100)->end_ns = T0 + 100 * MS;
	model_process(m, 200)->ppid = 100;
	m->timeline.recorded = true;
	add_interval(m, 100, WC_ONCPU, 0, 20);
	add_interval(m, 100, WC_LOCK, 20, 50);
	add_interval(m, 100, WC_RUNQUEUE, 50, 52);
	add_interval(m, 100, WC_ONCPU, 52, 100);
	add_interval(m, 101, WC_ONCPU, 10, 60);
	add_interval(m, 101, WC_OTHER_SLEEP, 60, 70);
	add_interval(m, 101, WC_ONCPU, 70, 90);
	add_interval(m, 200, WC_ONCPU, 20, 30);
	add_wake(m, 50, 101, 100, WC_LOCK);
	add_wake(m, 70, 0, 101, WC_OTHER_SLEEP);
	model_sort(m);
}

/* M's trace, written and decoded into T; returns its size. */
static size_t write_and_decode(const struct run_model *m, struct pd_trace *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(perfetto_write(m, f), 0);
	fclose(f);
	cr_assert(pd_decode(t, (const uint8_t *)buf, len), "decoding: %s", t->error);
	free(buf);
	return len;
}

static const struct pd_track *named_track(const struct pd_trace *t, const char *prefix)
{
	for (size_t i = 0; i < t->n_tracks; i++)
		if (!strncmp(t->tracks[i].name, prefix, strlen(prefix)))
			return &t->tracks[i];
	return NULL;
}

Test(perfetto, every_interval_is_a_slice_on_its_threads_track)
{
	struct run_model m;
	struct pd_trace t;
	size_t seen = 0;

	build_model(&m);
	write_and_decode(&m, &t);
	cr_assert_gt(t.batches, 0, "the packets go in compressed batches");
	for (size_t i = 0; i < m.n_threads; i++) {
		const struct thread_acct *a = &m.threads[i].acct;
		const struct pd_track *tr = pd_thread_track(&t, a->tid);

		cr_assert_not_null(tr, "thread %u has a track", a->tid);
		cr_assert_eq(tr->pid, a->tgid);
		cr_assert_str_eq(tr->name, a->comm);
	}
	cr_assert_not_null(named_track(&t, "demo"), "process tracks are named");
	for (size_t i = 0; i < m.timeline.n_intervals; i++) {
		const struct model_interval *iv = &m.timeline.intervals[i];
		const struct pd_track *tr = pd_thread_track(&t, iv->tid);
		bool found = false;

		for (size_t k = 0; k < t.n_slices && !found; k++) {
			const struct pd_slice *s = &t.slices[k];

			found = s->track == tr->uuid && s->start_ns == iv->start_ns && s->end_ns == iv->end_ns &&
				s->depth == 0 && !strcmp(s->name, wait_classes[iv->wait_class].name);
		}
		cr_assert(found, "interval %zu of %u: %s at %llu", i, iv->tid, wait_classes[iv->wait_class].name,
			  (unsigned long long)iv->start_ns);
	}
	for (size_t k = 0; k < t.n_slices; k++)
		seen += t.slices[k].depth == 0 && pd_thread_track(&t, 100)->uuid == t.slices[k].track;
	cr_assert_eq(seen, 4, "main's four intervals and nothing else at depth 0");
	pd_free(&t);
	model_free(&m);
}

/* The worker's wakeup of main at 50 ms is a flow: from the worker's slice that held it (on a CPU
 * from 10 ms) to main's next on-CPU slice at 52 ms. The interrupt's wakeup of the worker has no
 * waker to start from. */
Test(perfetto, a_wakeup_by_a_traced_thread_is_a_flow)
{
	struct run_model m;
	struct pd_trace t;
	const struct pd_flow *from = NULL, *to = NULL;

	build_model(&m);
	write_and_decode(&m, &t);
	cr_assert_eq(t.n_flows, 2);
	for (size_t i = 0; i < t.n_flows; i++)
		*(t.flows[i].terminating ? &to : &from) = &t.flows[i];
	cr_assert(from && to && from->id == to->id);
	cr_assert_eq(from->track, pd_thread_track(&t, 101)->uuid);
	cr_assert_eq(from->ts_ns, T0 + 10 * MS);
	cr_assert_eq(to->track, pd_thread_track(&t, 100)->uuid);
	cr_assert_eq(to->ts_ns, T0 + 52 * MS);
	pd_free(&t);
	model_free(&m);
}

/* One slice of main's wakes ten threads: more flows than the packed fast path takes. */
Test(perfetto, a_slice_may_begin_many_flows)
{
	struct run_model m;
	struct pd_trace t;
	size_t begun = 0, ended = 0;

	model_init(&m);
	m.meta = (struct model_meta){ .command = xstrdup("fan-out"), .ncpus = 2, .root_pid = 100,
				      .start_ns = T0, .end_ns = T0 + 100 * MS };
	add_thread(&m, 100, 100, "main", 0, 100);
	m.timeline.recorded = true;
	add_interval(&m, 100, WC_ONCPU, 0, 100);
	for (uint32_t k = 0; k < 10; k++) {
		add_thread(&m, 101 + k, 100, "waiter", 0, 100);
		add_interval(&m, 101 + k, WC_LOCK, 0, 10 + k);
		add_interval(&m, 101 + k, WC_RUNQUEUE, 10 + k, 30);
		add_interval(&m, 101 + k, WC_ONCPU, 30, 100);
		add_wake(&m, 10 + k, 100, 101 + k, WC_LOCK);
	}
	model_sort(&m);
	write_and_decode(&m, &t);
	for (size_t i = 0; i < t.n_flows; i++) {
		if (t.flows[i].terminating) {
			ended++;
			cr_assert_eq(t.flows[i].ts_ns, T0 + 30 * MS);
		} else {
			begun++;
			cr_assert_eq(t.flows[i].track, pd_thread_track(&t, 100)->uuid);
			cr_assert_eq(t.flows[i].ts_ns, T0);
		}
	}
	cr_assert_eq(begun, 10);
	cr_assert_eq(ended, 10);
	pd_free(&t);
	model_free(&m);
}

/* CPUs busy per ms bucket: their sum over the run is the on-CPU time of every interval. */
Test(perfetto, counters_add_up_to_the_on_cpu_time)
{
	struct run_model m;
	struct pd_trace t;
	const struct pd_track *cpus, *runnable;
	double busy_ms = 0, runnable_ms = 0;

	build_model(&m);
	write_and_decode(&m, &t);
	cpus = named_track(&t, "CPUs busy");
	runnable = named_track(&t, "runnable threads");
	cr_assert(cpus && cpus->counter && runnable && runnable->counter);
	cr_assert_eq(cpus->parent, named_track(&t, "demo")->uuid, "under the root process");
	/* a counter holds its value until the next one */
	for (size_t i = 0; i < t.n_counters; i++) {
		const struct pd_counter *c = &t.counters[i];
		uint64_t next = T0 + 100 * MS;

		for (size_t k = i + 1; k < t.n_counters; k++)
			if (t.counters[k].track == c->track) {
				next = t.counters[k].ts_ns;
				break;
			}
		*(c->track == cpus->uuid ? &busy_ms : &runnable_ms) += c->value * (next - c->ts_ns) / MS;
	}
	cr_assert_float_eq(busy_ms, 20 + 48 + 50 + 20 + 10, 1e-6);
	cr_assert_float_eq(runnable_ms, 2, 1e-6);
	pd_free(&t);
	model_free(&m);
}

Test(perfetto, the_critical_path_tiles_the_root_process_life)
{
	struct run_model m;
	struct pd_trace t;
	const struct pd_track *path;
	uint64_t at = T0;
	bool worker = false;

	build_model(&m);
	write_and_decode(&m, &t);
	path = named_track(&t, "critical path");
	cr_assert_not_null(path);
	cr_assert_eq(path->parent, named_track(&t, "demo")->uuid);
	for (size_t k = 0; k < t.n_slices; k++) {
		const struct pd_slice *s = &t.slices[k];

		if (s->track != path->uuid)
			continue;
		cr_assert_eq(s->start_ns, at, "segments follow each other");
		cr_assert(strchr(s->name, ':'), "named node: class: %s", s->name);
		worker |= s->tid_arg == 101;
		at = s->end_ns;
	}
	cr_assert_eq(at, T0 + 100 * MS);
	cr_assert(worker, "main's lock wait is handed to the worker that released it");
	pd_free(&t);
	model_free(&m);
}

/* N intervals for each of 16 threads of one process, contiguous, 1 us to 16 ms (log-uniform,
 * harder to compress than a recording), a lock wakeup by the next thread after every third. */
static void synthetic_model(struct run_model *m, size_t n)
{
	uint64_t seed = 7, end = 0;

	model_init(m);
	m->meta = (struct model_meta){ .command = xstrdup("synthetic"), .ncpus = 2, .root_pid = 1000, .start_ns = T0 };
	m->timeline.recorded = true;
	m->timeline.intervals = xcalloc(m->timeline.cap_intervals = n, sizeof(*m->timeline.intervals));
	m->timeline.wakes = xcalloc(m->timeline.cap_wakes = n / 3 + 16, sizeof(*m->timeline.wakes));
	for (uint32_t k = 0; k < 16; k++) {
		struct thread_acct a = { .tid = 1000 + k, .tgid = 1000, .start_ns = T0, .comm = "worker" };
		uint64_t at = T0;

		for (size_t i = 0; i < n / 16; i++) {
			uint64_t dur;

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			dur = 1000ULL << ((seed >> 33) % 14);
			dur += (seed >> 13) % dur;
			m->timeline.intervals[m->timeline.n_intervals++] = (struct model_interval){
				.tid = a.tid, .wait_class = i % 3 == 1 ? WC_LOCK : i % 3 == 2 ? WC_RUNQUEUE : WC_ONCPU,
				.start_ns = at, .end_ns = at + dur };
			if (i % 3 == 1)
				m->timeline.wakes[m->timeline.n_wakes++] = (struct model_wake_edge){
					.ts_ns = at + dur, .waker_tid = 1000 + (k + 1) % 16, .wakee_tid = a.tid,
					.wait_class = WC_LOCK };
			at += dur;
		}
		a.end_ns = at;
		a.ns[WC_ONCPU] = at - T0;
		model_add_thread(m, &a);
		end = at > end ? at : end;
	}
	for (size_t k = 0; k < m->n_threads; k++)  /* all alive until the last ends: every waker is traced */
		m->threads[k].acct.end_ns = end;
	m->meta.end_ns = end;
	model_process(m, 1000)->start_ns = T0;
	model_process(m, 1000)->end_ns = m->meta.end_ns;
}

Test(perfetto, takes_under_12_bytes_an_interval)
{
	struct run_model m;
	struct pd_trace t;
	size_t n = 160000, len, slices = 0, flows = 0;

	synthetic_model(&m, n);
	len = write_and_decode(&m, &t);
	for (size_t k = 0; k < t.n_slices; k++)
		slices += t.slices[k].depth == 0;
	for (size_t k = 0; k < t.n_flows; k++)
		flows += t.flows[k].terminating;
	cr_assert_geq(slices, n, "every interval, and the critical path's segments");
	cr_assert_eq(flows, m.timeline.n_wakes);
	cr_assert_lt((double)len / n, 12.0, "%.2f bytes an interval", (double)len / n);
	pd_free(&t);
	model_free(&m);
}

/* Peak RSS, in a child, of building a model of N intervals (its growth into *MODEL) and of then
 * writing its timeline.bin and trace.perfetto into memory as the exports do (into *WRITING). */
static void export_rss_growth(size_t n, long *model, long *writing)
{
	int fds[2];
	pid_t pid;
	long growth[2];

	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		struct rusage start, built, written;
		struct run_model m;
		char *buf = NULL;
		size_t len = 0;
		FILE *f;

		getrusage(RUSAGE_SELF, &start);
		synthetic_model(&m, n);
		getrusage(RUSAGE_SELF, &built);
		f = open_memstream(&buf, &len);
		if (timeline_file_write(&m.timeline, f) || fclose(f))
			_exit(1);
		free(buf);
		buf = NULL;
		f = open_memstream(&buf, &len);
		if (perfetto_write(&m, f) || fclose(f))
			_exit(1);
		free(buf);
		getrusage(RUSAGE_SELF, &written);
		growth[0] = (built.ru_maxrss - start.ru_maxrss) * 1024;
		growth[1] = (written.ru_maxrss - built.ru_maxrss) * 1024;
		_exit(write(fds[1], growth, sizeof(growth)) == sizeof(growth) ? 0 : 1);
	}
	close(fds[1]);
	cr_assert_eq(read(fds[0], growth, sizeof(growth)), sizeof(growth));
	close(fds[0]);
	waitpid(pid, NULL, 0);
	*model = growth[0];
	*writing = growth[1];
}

/* 1 M intervals (and 330 k wakeups): the model takes 32 bytes an interval; writing both files
 * adds at most 40 more (the files held in memory while they grow, 16 bytes a wakeup to order the
 * flows): 72 in all, under the 150 bytes an event of issue 16. */
Test(perfetto, a_million_intervals_are_written_in_bounded_memory)
{
	size_t n = 1000000;
	long model, writing;

	export_rss_growth(n, &model, &writing);
#ifndef __SANITIZE_ADDRESS__  /* make asan: its shadow memory and quarantine are not the program's */
	cr_assert_lt((double)model / n, 34.0, "model: %.1f bytes an interval", (double)model / n);
	cr_assert_lt((double)writing / n, 40.0, "writing: %.1f bytes an interval", (double)writing / n);
#endif
}
