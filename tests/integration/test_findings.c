/* Traced programs with one bottleneck each (tests/progs: C programs built into PROGS, Python ones
 * run from PYPROGS), recorded three times: with a timeline (the critical path), without (the path
 * estimated from aggregates), and with one again, to catch a finding that holds only sometimes. The
 * first finding must name the bottleneck with its count; for the programs that also have a knot to
 * check, the heaviest knot of the wait-for graph must hold the node that carries it. */
#include <criterion/criterion.h>
#include <string.h>
#include "analyze/findings.h"
#include "harness.h"
#include "base/util.h"

#define ARGS_MAX 16
#define RUNS 3

static const char *python(void)
{
	return getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
}

/* The first finding but cpu-contention, which names processes outside the run: a shared test
 * machine has them, CI's quiet one does not. */
static const struct finding *first_own_finding(const struct explanation *e)
{
	for (size_t i = 0; i < e->n_findings; i++)
		if (strcmp(e->findings[i].name, "cpu-contention"))
			return &e->findings[i];
	return NULL;
}

static double evidence_of(const struct finding *f, const char *name)
{
	double v = 0;

	cr_assert(finding_evidence(f, name, &v), "%s has no evidence %s", f->name, name);
	return v;
}

/* What a recording must show: the first finding, a figure of its evidence within [MIN, MAX]
 * (none when EVIDENCE is NULL), and a node of the heaviest knot (none when NULL). */
struct expect {
	const char *finding, *evidence;
	double min, max;
	const char *knot_node;
	const char *estimated_finding;   /* without a timeline, when it differs (NULL: the same) */
};

/* Records CMD (NULL-terminated) into a fresh directory, with a timeline when asked, and checks X. */
static void record_and_check(const char *const cmd[], bool timeline, const struct expect *x)
{
	const char *dir = fresh_dir(timeline ? "find-tl" : "find");
	char *argv[ARGS_MAX] = { (char *)conctrace_bin(), "record", "-q", "-o", (char *)dir };
	struct explanation *e = xcalloc(1, sizeof(*e));
	const char *how = timeline ? "with a timeline" : "without a timeline";
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
	cr_assert_str_eq(e->d.method, timeline ? EXPLAIN_METHOD_PATH : EXPLAIN_METHOD_ESTIMATE);
	top = first_own_finding(e);
	cr_assert_not_null(top, "%s: no finding about the program: %s", how, e->path_summary);
	if (!timeline && x->estimated_finding) {
		cr_assert_str_eq(top->name, x->estimated_finding, "%s: first finding %s (%.3f s): %s", how,
				 top->name, top->explained_s, top->text);
		goto done;
	}
	cr_assert_str_eq(top->name, x->finding, "%s: first finding %s (%.3f s): %s", how, top->name,
			 top->explained_s, top->text);
	cr_assert_gt(top->explained_s, 0.1 * ns_to_s(e->d.path_ns), "%s: %s explains %.3f s", how,
		     top->name, top->explained_s);
	if (x->evidence) {
		double v = evidence_of(top, x->evidence);

		cr_assert(v >= x->min && v <= x->max, "%s: %s %s = %g, expected %g..%g: %s", how, top->name,
			  x->evidence, v, x->min, x->max, top->text);
	}
	if (x->knot_node) {
		cr_assert_gt(e->g.n_knots, 0, "no knot");
		knot_name(&e->g, 0, knot, sizeof(knot));
		snprintf(nodes, sizeof(nodes), "+%s+", knot);
		cr_assert(strstr(nodes, x->knot_node), "%s: heaviest knot %s, expected one with %s", how,
			  knot, x->knot_node);
	}
done:
	free(e);
	model_free(&m);
}

/* RUNS recordings of the command, alternating with and without a timeline. */
#define CHECK_X(x, ...) do { \
	const char *const cmd_[] = { __VA_ARGS__, NULL }; \
	for (int run_ = 0; run_ < RUNS; run_++) \
		record_and_check(cmd_, run_ % 2 == 0, x); \
} while (0)
#define CHECK(finding, evidence, min, max, knot_node, ...) \
	CHECK_X((&(const struct expect){ finding, evidence, min, max, knot_node, NULL }), __VA_ARGS__)

static const char *pyprog(const char *name)
{
	return env_path("PYPROGS", name);
}

Test(findings, fsync_loop_is_disk_bound)
{
	CHECK("disk-bound", "syncs", 64, 65, "+disk+", prog("fsyncer"), "/tmp");
}

Test(findings, more_busy_threads_than_cpus_saturate_the_runqueue)
{
	CHECK("runqueue-saturation", "threads_wanting_cpu", 3, 5.5, "+executor+", prog("busythreads"));
}

Test(findings, cpu_bound_python_threads_are_gil_bound)
{
	CHECK("gil-bound", "threads", 5, 5, "+executor+", python(), "-c",
	      "import threading\n"
	      "def spin():\n    n = 0\n    for i in range(3_000_000): n += i\n"
	      "ts = [threading.Thread(target=spin) for _ in range(4)]\n"
	      "[t.start() for t in ts]; [t.join() for t in ts]\n");
}

Test(findings, threads_serialised_on_one_mutex_contend_for_it)
{
	CHECK("lock-contention", "handovers", 20, 1e9, "+executor+", prog("mutexer"));
}

/* Most of the CPU time spinning in pthread_spin_lock: contention though nobody sleeps. */
Test(findings, a_spin_lock_is_contended_on_a_cpu)
{
	CHECK("lock-contention", "spin_share", 0.2, 1, NULL, prog("spinner"));
}

/* The parent only waits: the child's one busy thread carried the run. */
Test(findings, waiting_for_a_busy_child_is_cpu_bound_in_the_child)
{
	CHECK("cpu-bound-single-thread", "thread_oncpu_s", 0.55, 0.8, NULL, prog("childspin"));
}

/* 150 items through a queue of 4 to one consumer taking 4 ms each: the consumer's waits, one at a
 * time; the producer blocked on a full queue is waiting for it, not contending. */
Test(findings, one_consumer_of_a_bounded_queue_has_no_concurrency)
{
	CHECK("no-concurrency", "waits", 120, 160, NULL, python(), pyprog("one_consumer.py"));
}

Test(findings, a_thread_pool_of_one_over_waits_has_no_concurrency)
{
	CHECK("no-concurrency", "waits", 7, 9, NULL, python(), pyprog("executor_of_one.py"));
}

/* Three sleeping threads joined by the main thread: timers, and the joins are no lock. */
Test(findings, joined_sleepers_are_timer_bound)
{
	CHECK("timer-bound", "waits", 2, 4, NULL, python(), pyprog("sleepers_joined.py"));
}

/* With a timeline, the stretches that held the loop; without, its thread computing the program's
 * own code most of the path. */
Test(findings, a_coroutine_that_never_awaits_blocks_the_loop)
{
	CHECK("loop-blocked", "held_s", 0.15, 10, NULL, python(), pyprog("loop_starved.py"));
}

/* 25 new interpreters, one per item. */
Test(findings, a_program_per_item_is_process_start_up)
{
	CHECK("process-startup", "processes", 25, 25, NULL, python(), pyprog("program_per_item.py"));
}

/* 40 tasks of 8 MB each through a process pool: 320 MB pickled through pipes. */
Test(findings, big_arguments_to_a_process_pool_are_ipc_bound)
{
	CHECK("ipc-bound", "pipe_mb", 320, 360, NULL, python(), pyprog("pool_big_args.py"));
}

/* 30,000 tasks of one multiplication through a process pool: the messages' round trips are the
 * run, not the parent's threads that pass them. */
Test(findings, tiny_tasks_through_a_process_pool_are_round_trips)
{
	CHECK("ipc-bound", "round_trips", 30000, 30100, NULL, python(), pyprog("pool_tiny_tasks.py"));
}

/* 15,000 appends to a Manager's list from three processes: a request and a reply each. */
Test(findings, a_manager_list_is_round_trips_to_the_manager)
{
	CHECK("ipc-bound", "round_trips", 15000, 15300, NULL, python(), pyprog("manager_list.py"));
}

/* aiofiles, 60 files of 40 lines: one executor round trip per write, open and close; the job count
 * is within 10% of the 2,400 writes. */
Test(findings, aiofiles_line_writes_are_thread_pool_round_trips)
{
	const char *dir = fresh_dir("aio-files");

	CHECK("thread-pool-handoff", "jobs", 2400 * 0.9, 2400 * 1.1, NULL, python(), pyprog("aio_files.py"),
	      dir, "60", "40");
	remove_dir(dir);
}

/* 15 GETs one after another against the latency server (60 ms each). */
Test(findings, sequential_requests_are_network_bound, .timeout = 60)
{
	struct test_server server;

	test_server_start(&server, 60, 512);
	CHECK("network-bound", "waits", 14, 16, NULL, python(), pyprog("http_one_by_one.py"), server.url);
	test_server_stop(&server);
}
