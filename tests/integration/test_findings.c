/* Traced programs with one injected bottleneck each, recorded without and with a timeline (the
 * second ranks findings by the critical path, as every `conctrace run` cell does): the top finding
 * must name the bottleneck and the heaviest knot of the wait-for graph must hold the node that
 * carries it (docs/explain.md, "What each finding's knot is"). */
#include <criterion/criterion.h>
#include <string.h>
#include "analyze/findings.h"
#include "harness.h"
#include "base/util.h"

#define ARGS_MAX 16

static const char *python(void)
{
	return getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
}

/* The top finding but cpu-contention, which names processes outside the run: a shared test machine
 * has them, CI's quiet one does not. */
static const struct finding *top_own_finding(const struct explanation *e)
{
	for (size_t i = 0; i < e->n_findings; i++)
		if (strcmp(e->findings[i].name, "cpu-contention"))
			return &e->findings[i];
	return NULL;
}

/* Records CMD (NULL-terminated) into a fresh directory, with a timeline when asked, and checks the
 * top finding and that the heaviest knot holds KNOT_NODE. */
static void record_and_check(const char *const cmd[], bool timeline, const char *finding,
			     const char *knot_node)
{
	const char *dir = fresh_dir(timeline ? "find-tl" : "find");
	char *argv[ARGS_MAX] = { (char *)conctrace_bin(), "record", "-q", "-o", (char *)dir };
	struct explanation *e = xcalloc(1, sizeof(*e));
	const struct finding *top;
	char knot[128], nodes[132];
	struct run_model m;
	int n = 5;

	if (timeline)
		argv[n++] = "--timeline";
	argv[n++] = "--";
	for (int i = 0; cmd[i]; i++) {
		cr_assert_lt(n, ARGS_MAX - 1);
		argv[n++] = (char *)cmd[i];
	}
	argv[n] = NULL;
	cr_assert_eq(run_argv(argv, NULL, 0), 0);
	load_report(dir, &m);
	explain_run(&m, e);
	cr_assert_eq(e->d.path_ns != 0, timeline, "method %s", e->d.method);
	top = top_own_finding(e);
	cr_assert_not_null(top, "no finding about the program");
	cr_assert_str_eq(top->name, finding, "%s: top finding %s (%.3f s): %s", timeline ? "timeline" :
			 "no timeline", top->name, top->explained_s, top->text);
	cr_assert_gt(top->explained_s, 0, "%s: %s explains nothing", timeline ? "timeline" : "no timeline",
		     top->name);
	cr_assert_gt(e->g.n_knots, 0, "no knot");
	knot_name(&e->g, 0, knot, sizeof(knot));
	snprintf(nodes, sizeof(nodes), "+%s+", knot);
	cr_assert(strstr(nodes, knot_node), "%s: heaviest knot %s, expected one with %s",
		  timeline ? "timeline" : "no timeline", knot, knot_node);
	free(e);
	model_free(&m);
}

/* Both recordings of CMD name FINDING, the heaviest knot holding KNOT_NODE. */
#define CHECK_BOTH(finding, knot_node, ...) do { \
	const char *const cmd_[] = { __VA_ARGS__, NULL }; \
	record_and_check(cmd_, false, finding, "+" knot_node "+"); \
	record_and_check(cmd_, true, finding, "+" knot_node "+"); \
} while (0)
#define CHECK_TIMELINE(finding, knot_node, ...) do { \
	const char *const cmd_[] = { __VA_ARGS__, NULL }; \
	record_and_check(cmd_, true, finding, "+" knot_node "+"); \
} while (0)

Test(findings, fsync_loop_is_disk_bound)
{
	CHECK_BOTH("disk-bound", "disk", prog("fsyncer"), "/tmp");
}

Test(findings, more_busy_threads_than_cpus_saturate_the_runqueue)
{
	CHECK_BOTH("runqueue-saturation", "executor", prog("busythreads"));
}

Test(findings, cpu_bound_python_threads_are_gil_bound)
{
	CHECK_BOTH("gil-bound", "executor", python(), "-c",
		"import threading\n"
		"def spin():\n    n = 0\n    for i in range(3_000_000): n += i\n"
		"ts = [threading.Thread(target=spin) for _ in range(4)]\n"
		"[t.start() for t in ts]; [t.join() for t in ts]\n");
}

Test(findings, threads_serialised_on_one_mutex_contend_for_it)
{
	CHECK_TIMELINE("lock-contention", "executor", prog("mutexer"));
}

/* The main thread hands CPU work to a pool of one thread and waits for each result. */
Test(findings, pool_of_one_worker_has_no_concurrency)
{
	CHECK_BOTH("no-concurrency", "executor", python(), "-c",
		"from concurrent.futures import ThreadPoolExecutor\n"
		"def crunch(n):\n    t = 0\n    for i in range(n): t += i * i\n    return t\n"
		"with ThreadPoolExecutor(max_workers=1) as pool:\n"
		"    fs = [pool.submit(crunch, 1_000_000) for _ in range(3)]\n"
		"    sum(f.result() for f in fs)\n");
}

/* Every coroutine sleeps with time.sleep: the loop blocks in timer waits, never in its selector. */
Test(findings, blocking_sleep_in_coroutines_blocks_the_loop)
{
	CHECK_BOTH("loop-blocked", "timers", python(), "-c",
		"import asyncio, time\n"
		"async def job():\n    await asyncio.sleep(0)\n    time.sleep(0.02)\n"
		"async def main():\n    await asyncio.gather(*(job() for _ in range(20)))\n"
		"asyncio.run(main())\n");
}
