/* `conctrace record --timeline` on programs with known behaviour (tests/progs) and on the disk
 * workloads (env WORKLOADS, PYTHON): every thread's intervals tile its life, the critical path tiles
 * the command's wall time, and the threads that did the work carry it. Needs root. */
#include <criterion/criterion.h>
#include "model/account.h"
#include "analyze/findings.h"
#include "harness.h"
#include "base/util.h"
#include "perfetto_decode.h"

#define ARGS_MAX 24
/* Files the disk workloads write: enough that the workers' part outweighs the start-up. */
#define DISK_FILES "400"
/* "Most of the path": the observed shares are 0.7 to 0.99, so a half leaves room for a loaded machine. */
#define MOST 0.5
/* What may stay unexplained (outside the tree) on a path the tree's own threads carry. */
#define OUTSIDE_MAX 0.1
#define IO_WORKER_COMM "iou-wrk"  /* io_uring's worker threads: iou-wrk-TGID */

/* DIR/trace.perfetto decodes (tests/perfetto_decode.h), with a track per thread holding a slice per
 * interval of the report's timeline, and every flow ending where one began. */
static void assert_trace_has_the_timeline(const char *dir, const struct run_model *m)
{
	char path[512];
	size_t len, slices = 0, ends = 0;
	uint8_t *buf;
	struct pd_trace t;

	snprintf(path, sizeof(path), "%s/trace.perfetto", dir);
	buf = (uint8_t *)read_file(path, &len);
	cr_assert_not_null(buf, "%s", path);
	cr_assert(pd_decode(&t, buf, len), "%s: %s", path, t.error);
	for (size_t i = 0; i < m->n_threads; i++)
		cr_assert_not_null(pd_thread_track(&t, m->threads[i].acct.tid), "tid %u", m->threads[i].acct.tid);
	for (size_t k = 0; k < t.n_slices; k++)
		slices += t.slices[k].depth == 0 && pd_track(&t, t.slices[k].track)->tid >= 0;
	cr_assert_eq(slices, m->timeline.n_intervals);
	for (size_t k = 0; k < t.n_flows; k++) {
		bool begun = false;

		for (size_t j = 0; j < t.n_flows && t.flows[k].terminating && !begun; j++)
			begun = !t.flows[j].terminating && t.flows[j].id == t.flows[k].id &&
				t.flows[j].ts_ns <= t.flows[k].ts_ns;
		ends += t.flows[k].terminating;
		cr_assert(begun || !t.flows[k].terminating, "flow %llu ends before it begins",
			  (unsigned long long)t.flows[k].id);
	}
	cr_assert_gt(ends, 0);
	pd_free(&t);
	free(buf);
}

/* Records COMMAND (NULL-terminated) with --timeline into a fresh directory named after TAG. */
static void record_timeline(const char *tag, char *const command[], struct run_model *m)
{
	const char *dir = fresh_dir(tag);
	char *argv[ARGS_MAX] = { (char *)conctrace_bin(), "record", "-q", "--timeline", "-o", (char *)dir, "--" };
	size_t n = 7;
	int rc;

	for (; *command; command++) {
		cr_assert_lt(n + 1, ARGS_MAX);
		argv[n++] = *command;
	}
	argv[n] = NULL;
	rc = run_argv(argv, NULL, 0);
	cr_assert_eq(rc, 0, "conctrace record exited %d", rc);
	load_report(dir, m);
	cr_assert(m->timeline.recorded);
	cr_assert_eq(m->counters[DROP_TIMELINE_FULL], 0);
	assert_trace_has_the_timeline(dir, m);
}

/* The intervals of each thread (sorted by tid, then start) follow each other from its start to its end. */
static void assert_intervals_tile_lives(const struct run_model *m)
{
	const struct model_timeline *tl = &m->timeline;

	cr_assert_gt(tl->n_intervals, m->n_threads);
	for (size_t t = 0; t < m->n_threads; t++) {
		const struct thread_acct *a = &m->threads[t].acct;
		uint64_t at = a->start_ns;

		for (size_t i = 0; i < tl->n_intervals; i++) {
			if (tl->intervals[i].tid != a->tid)
				continue;
			cr_assert_eq(tl->intervals[i].start_ns, at, "tid %u: gap or overlap at %zu", a->tid, i);
			at = tl->intervals[i].end_ns;
		}
		cr_assert_eq(at, a->end_ns, "tid %u: intervals end before the thread", a->tid);
	}
}

/* The path's segments tile the command's wall time, and its split sums to it within 1 %. */
static void assert_path_is_wall_time(const struct run_model *m)
{
	struct critical_path p;
	struct decomposition d;
	uint64_t sum = 0, wall = command_wall_ns(m);

	cr_assert(critical_path_build(m, &p));
	for (size_t i = 0; i < p.n_segments; i++) {
		cr_assert_eq(p.segments[i].start_ns, i ? p.segments[i - 1].end_ns : p.start_ns);
		sum += p.segments[i].end_ns - p.segments[i].start_ns;
	}
	cr_assert_lt(rel_diff(sum, wall), 0.01, "path %.4fs vs wall %.4fs", sum / 1e9, wall / 1e9);
	decompose(m, &d);
	cr_assert_str_eq(d.method, EXPLAIN_METHOD_PATH);
	cr_assert_eq(d.path_ns, sum);
	critical_path_free(&p);
}

/* Share of the path carried by threads of processes other than the root one (tree processes). */
static double path_share_of_workers(const struct run_model *m, const struct critical_path *p)
{
	uint64_t ns = 0;

	for (size_t i = 0; i < p->n_segments; i++) {
		const struct thread_acct *a = model_find_thread(m, p->segments[i].tid);

		if (a && a->tgid != m->meta.root_pid)
			ns += p->segments[i].end_ns - p->segments[i].start_ns;
	}
	return (double)ns / (p->end_ns - p->start_ns);
}

/* Records tests/progs/NAME and decomposes its run, checking both tilings on the way. */
static void record_prog(const char *name, struct run_model *m, struct decomposition *d)
{
	record_timeline(name, (char *const[]){ (char *)prog(name), NULL }, m);
	assert_intervals_tile_lives(m);
	assert_path_is_wall_time(m);
	decompose(m, d);
}

static void assert_node_carries_most(const struct decomposition *d, enum graph_node node)
{
	cr_assert_gt(d->path_node_ns[node], MOST * d->path_ns, "%s carries %.3f of the path",
		     graph_node_names[node], (double)d->path_node_ns[node] / d->path_ns);
}

Test(timeline, mutex_contention_threads_hand_the_path_over)
{
	struct run_model m;
	struct decomposition d;

	record_prog("mutexer", &m, &d);
	assert_node_carries_most(&d, GN_EXECUTOR);
	model_free(&m);
}

Test(timeline, forked_children_carry_the_parents_wait)
{
	struct run_model m;
	struct decomposition d;

	record_prog("forker", &m, &d);
	assert_node_carries_most(&d, GN_WORKER);
	cr_assert_lt(d.path_class_ns[WC_CHILD], (1 - MOST) * d.path_ns, "the children's work replaces the wait");
	model_free(&m);
}

/* io_uring's worker threads (made without the fork tracepoint) are threads of the process, and the
 * path goes through them rather than outside. */
Test(timeline, io_uring_workers_are_traced_threads_on_the_path)
{
	const char *scratch = fresh_dir("timeline-cwork-files");
	struct run_model m;
	struct decomposition d;
	size_t io_workers = 0;

	record_timeline("cwork-asyncio", (char *const[]){
		(char *)env_path("WORKLOADS", "../build/workloads/cwork"), "--workload", "disk",
		"--model", "asyncio", "--files", DISK_FILES, "--dir", (char *)scratch, NULL }, &m);
	remove_dir(scratch);
	for (size_t i = 0; i < m.n_threads; i++)
		io_workers += !strncmp(m.threads[i].acct.comm, IO_WORKER_COMM, strlen(IO_WORKER_COMM)) &&
			      m.threads[i].acct.tgid == m.meta.root_pid;
	cr_assert_gt(io_workers, 0, "no io_uring worker among the process's threads");
	assert_intervals_tile_lives(&m);
	assert_path_is_wall_time(&m);
	decompose(&m, &d);
	cr_assert_lt(d.path_node_ns[GN_OUTSIDE], OUTSIDE_MAX * d.path_ns, "outside: %.3f",
		     (double)d.path_node_ns[GN_OUTSIDE] / d.path_ns);
	cr_assert_gt(d.path_node_ns[GN_EXECUTOR] + d.path_node_ns[GN_LOOP] + d.path_node_ns[GN_MAIN],
		     MOST * d.path_ns, "the process's own threads carry the path");
	model_free(&m);
}

/* asyncio+processes: the event loop hands the files to a process pool; the path, through the pool's
 * manager thread and the workers' exit wakeups, is carried by the worker processes. */
Test(timeline, python_pool_workers_carry_the_path)
{
	const char *scratch = fresh_dir("timeline-python-files");
	const char *python = getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
	struct run_model m;
	struct critical_path p;
	struct decomposition d;

	record_timeline("python-asyncio-processes", (char *const[]){ (char *)python,
		(char *)env_path("WORKLOADS", "python/conc_work.py"), "--workload", "disk",
		"--model", "asyncio+processes", "--files", DISK_FILES, "--dir", (char *)scratch, NULL }, &m);
	remove_dir(scratch);
	assert_intervals_tile_lives(&m);
	assert_path_is_wall_time(&m);
	cr_assert(critical_path_build(&m, &p));
	cr_assert_gt(path_share_of_workers(&m, &p), MOST, "workers' share %.3f", path_share_of_workers(&m, &p));
	decompose(&m, &d);
	cr_assert_lt(d.path_node_ns[GN_OUTSIDE], OUTSIDE_MAX * d.path_ns);
	critical_path_free(&p);
	model_free(&m);
}

Test(timeline, off_by_default)
{
	const char *dir = fresh_dir("no-timeline");
	struct run_model m;
	int rc = run_argv((char *const[]){ (char *)conctrace_bin(), "record", "-q", "-o", (char *)dir,
					   "--", (char *)prog("busy"), NULL }, NULL, 0);

	cr_assert_eq(rc, 0);
	load_report(dir, &m);
	cr_assert_not(m.timeline.recorded);
	/* nor a trace that could be taken for one */
	for (const char *const *name = (const char *const[]){ "timeline.bin", "trace.perfetto", "trace.json", NULL };
	     *name; name++) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", dir, *name);
		cr_assert(access(path, F_OK), "%s", path);
	}
	model_free(&m);
}
