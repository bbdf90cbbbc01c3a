/* The what-if model on hand-built decompositions (docs/predict.md): pure CPU work, pure waits,
 * GIL-bound threads, executor hand-offs, a device that serves one request at a time, a machine
 * shared with other load; and the advice drawn from them. Every expected figure is worked out by
 * hand in the comment beside it. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "analyze/advise.h"
#include "analyze/predict.h"
#include "analyze/work.h"

/* A machine whose hand-offs cost round figures: 20 us of CPU per executor round trip, all of it
 * holding the GIL, 50 us of latency; a pool worker 5 ms to start, a task 0.1 ms; io_uring 2 us. */
static const struct costs costs = {
	.handoff_cpu_s = { 20e-6, 20e-6 }, .handoff_gil_s = { 20e-6, 20e-6 }, .handoff_wall_s = 50e-6,
	.uring_cpu_s = 2e-6, .uring_wall_s = 10e-6, .py_fork_s = 5e-3, .py_chunk_s = 0.1e-3,
	.py_pipe_byte_s = 1e-9, .c_fork_s = 0.2e-3, .pipe_byte_s = 0.1e-9,
};

static struct prediction at(const struct work *w, enum pmodel m, int n)
{
	struct prediction p;

	predict(w, &costs, m, n, &p);
	return p;
}

#define NEAR(got, want, tol) cr_assert(fabs((got) - (want)) <= (tol), "%s = %.4f, expected %.4f +- %.4f", \
				       #got, (double)(got), (double)(want), (double)(tol))

/* 40 tasks of 0.1 s of Python on 2 idle CPUs. */
static struct work cpu_python(void)
{
	return (struct work){ .ncpus = 2, .python = true, .units = 40, .units_known = true, .cpu_user_s = 4,
			      .cpu_capacity = 2 };
}

Test(predict, pure_cpu_python)
{
	struct work w = cpu_python();

	NEAR(at(&w, PM_SYNC, 1).wall_s, 4.0, 1e-9);           /* one after another */
	NEAR(at(&w, PM_ASYNCIO, 1).wall_s, 4.0, 1e-9);        /* coroutines that never await: the same */
	/* the GIL: 4 s of Python one thread at a time, plus 40 round trips of 20 us and the last one's
	 * 30 us more of latency */
	NEAR(at(&w, PM_THREADS, 6).wall_s, 40 * (0.1 + 20e-6) + 30e-6, 1e-6);
	cr_assert_eq(at(&w, PM_THREADS, 6).bound, BOUND_GIL);
	/* 2 processes: 20 rounds of 0.1 s, 2 x 5 ms to start, 8 chunks of 5 units, 0.1 ms each over 2 */
	NEAR(at(&w, PM_PROCESSES, 2).wall_s, 2.0 + 2 * 5e-3 + 8 * 0.1e-3 / 2, 1e-6);
	/* 3 processes: 14 rounds of 0.1 s, but the 2 CPUs do 4 s of work in 2 s; chunks of 4 units */
	NEAR(at(&w, PM_PROCESSES, 3).wall_s, 2.0 + 3 * 5e-3 + 10 * 0.1e-3 / 3, 1e-6);
	cr_assert_eq(at(&w, PM_PROCESSES, 3).bound, BOUND_CPU);
}

Test(predict, pure_cpu_native_threads_use_every_cpu)
{
	struct work w = cpu_python();

	w.python = false;
	NEAR(at(&w, PM_THREADS, 2).wall_s, 2.0, 1e-9);        /* no GIL, no per-task round trip */
	NEAR(at(&w, PM_THREADS, 6).wall_s, 2.0, 1e-9);        /* 6 threads on 2 CPUs: CPU-bound */
	NEAR(at(&w, PM_ASYNCIO, 1).wall_s, 4.0, 1e-9);        /* one loop thread */
}

/* 24 requests of 0.5 s each and 10 ms of CPU (held the GIL). */
static struct work waits_only(void)
{
	return (struct work){ .ncpus = 2, .python = true, .units = 24, .units_known = true,
			      .cpu_user_s = 0.24, .net_s = 12, .requests = 24, .cpu_capacity = 2 };
}

Test(predict, pure_waits)
{
	struct work w = waits_only();

	NEAR(at(&w, PM_SYNC, 1).wall_s, 12.24, 1e-9);
	/* 4 rounds of (0.51 s + a 50 us round trip) */
	NEAR(at(&w, PM_THREADS, 6).wall_s, 4 * (0.51 + 50e-6), 1e-9);
	cr_assert_eq(at(&w, PM_THREADS, 6).bound, BOUND_CHAIN);
	/* every request in flight: one wait, and the loop's 0.24 s of CPU around it */
	NEAR(at(&w, PM_ASYNCIO, 1).wall_s, 0.5 + 0.24, 1e-9);
	NEAR(at(&w, PM_PROCESSES, 2).wall_s, 12 * 0.51 + 2 * 5e-3 + 8 * 0.1e-3 / 2, 1e-6);
}

Test(predict, best_pool_size_overlaps_waits_beyond_the_cpus)
{
	struct work w = waits_only();
	struct prediction p;

	predict_best(&w, &costs, PM_THREADS, 64, &p);
	cr_assert_eq(p.workers, 24, "one thread per request: one round (got %d)", p.workers);
	NEAR(p.wall_s, 0.51 + 50e-6 + 23 * (0.01 + 20e-6), 1e-6);  /* then the GIL passes them on */
}

Test(predict, gil_bound_threads_take_turns)
{
	/* 3 s of Python and 1 s in the kernel, 2 CPUs: threads run the kernel part beside the GIL */
	struct work w = { .ncpus = 2, .python = true, .units = 100, .units_known = true, .cpu_user_s = 3,
			  .cpu_kernel_s = 1, .cpu_capacity = 2 };
	struct prediction p = at(&w, PM_THREADS, 4);

	cr_assert_eq(p.bound, BOUND_GIL);
	/* every task's Python and round trip, then the last one's kernel time and latency */
	NEAR(p.wall_s, 100 * (0.03 + 20e-6) + 0.01 + 30e-6, 1e-6);
	cr_assert_lt(p.wall_s, at(&w, PM_SYNC, 1).wall_s * 0.8);
	cr_assert_gt(p.wall_s, at(&w, PM_PROCESSES, 2).wall_s);
}

Test(predict, executor_handoffs_bound_an_event_loop)
{
	/* aiofiles: 1,000 files, 102 calls each, 1 s of Python work: 102,000 round trips of 20 us */
	struct work w = { .ncpus = 2, .python = true, .units = 1000, .units_known = true, .cpu_user_s = 1,
			  .file_ops = 102000, .file_ops_known = true, .cpu_capacity = 2 };
	struct prediction p = at(&w, PM_ASYNCIO, 1);

	cr_assert_eq(p.bound, BOUND_GIL);
	NEAR(p.overhead_s, 102000 * 20e-6, 0.01);
	NEAR(p.wall_s, 1 + 102000 * 20e-6, 0.01);
	/* two processes each hand half the calls over, under their own GIL */
	NEAR(at(&w, PM_ASYNCIO_PROCESSES, 2).wall_s, (1 + 102000 * 20e-6) / 2, 0.02);
	/* the same calls in C go through io_uring: 2 us each, its workers on every CPU */
	w.python = false;
	NEAR(at(&w, PM_ASYNCIO, 1).wall_s, 1 + 102 * 10e-6, 1e-6);  /* the loop's work, the last file's calls */
	cr_assert_lt(at(&w, PM_ASYNCIO, 1).overhead_s, 0.01);
}

Test(predict, a_runs_own_round_trips_price_its_handoffs)
{
	/* an aiofiles run measured 40 us of machinery per round trip, 30 us of it in user mode */
	struct work w = { .ncpus = 2, .python = true, .units = 1000, .units_known = true, .cpu_user_s = 1,
			  .file_ops = 102000, .file_ops_known = true, .cpu_capacity = 2,
			  .handoff_cpu_s = 40e-6, .handoff_user_s = 30e-6 };
	struct prediction p = at(&w, PM_ASYNCIO, 1);

	cr_assert_eq(p.bound, BOUND_GIL);
	NEAR(p.wall_s, 1 + 102000 * 30e-6 + 102 * (50e-6 - 30e-6), 1e-6);
	/* io_uring's workers' CPU was already in a C run's work: no cost added */
	w.python = false;
	w.uring_in_work = true;
	NEAR(at(&w, PM_ASYNCIO, 1).overhead_s, 102 * 10e-6, 1e-6);
}

Test(predict, handoff_cost_grows_with_the_round_trips_in_flight)
{
	struct costs k = costs;
	struct work w = { .ncpus = 2, .python = true, .units = 64, .units_known = true, .cpu_user_s = 0,
			  .file_ops = 64000, .file_ops_known = true, .cpu_capacity = 2 };
	struct prediction narrow, wide;

	k.handoff_cpu_s[1] = k.handoff_gil_s[1] = 40e-6;      /* twice as dear at 2,048 in flight */
	predict(&w, &k, PM_ASYNCIO, 1, &narrow);
	w.units = 2048;
	predict(&w, &k, PM_ASYNCIO, 1, &wide);
	/* and the last file's latency beyond its own round trips' CPU */
	NEAR(narrow.wall_s, 64000 * 20e-6 + 1000 * (50e-6 - 20e-6), 1e-6);
	NEAR(wide.wall_s, 64000 * 40e-6 + 31.25 * (50e-6 - 40e-6), 1e-6);
}

Test(predict, one_device_serves_the_syncs_one_at_a_time)
{
	/* an fsync loop: 100 syncs of 10 ms each, 0.5 ms of CPU around each */
	struct work w = { .ncpus = 2, .python = false, .units = 100, .units_known = true, .cpu_user_s = 0.05,
			  .disk_wait_s = 1, .device_s = 1, .cpu_capacity = 2 };

	NEAR(at(&w, PM_SYNC, 1).wall_s, 1.05, 1e-9);
	for (int m = PM_THREADS; m < PM_COUNT; m++) {
		struct prediction p = at(&w, m, 4);

		cr_assert_geq(p.wall_s, 1.0, "%s: %.3f s, faster than the device", pmodel_names[m], p.wall_s);
		cr_assert_eq(p.bound, BOUND_DEVICE, "%s", pmodel_names[m]);
	}
}

Test(predict, other_load_caps_the_cpus)
{
	/* half a CPU to be had: every model runs the 4 s of Python in 8 s, processes too */
	struct work w = cpu_python();

	w.cpu_capacity = 0.5;
	NEAR(at(&w, PM_SYNC, 1).wall_s, 8.0, 1e-9);
	NEAR(at(&w, PM_PROCESSES, 2).wall_s, 8.0 + 2 * 5e-3 + 8 * 0.1e-3 / 2, 1e-6);
	w.cpu_capacity = 1.5;                                   /* one and a half: processes gain 1.5x */
	NEAR(at(&w, PM_PROCESSES, 2).wall_s, 40 * 0.1 / 1.5 + 2 * 5e-3 + 8 * 0.1e-3 / 2, 1e-6);
}

Test(predict, units_assumed_divisible_are_not_rounded)
{
	struct work w = cpu_python();

	w.units = 3;
	NEAR(at(&w, PM_PROCESSES, 2).wall_s, 2 * 4.0 / 3 + 2 * 5e-3 + 3 * 0.1e-3 / 2, 1e-6);  /* 2 rounds */
	w.units_known = false;
	cr_assert_lt(at(&w, PM_PROCESSES, 2).wall_s, 2 * 4.0 / 3);
}

Test(predict, default_workers)
{
	cr_assert_eq(predict_default_workers(PM_THREADS, 2), 6);
	cr_assert_eq(predict_default_workers(PM_THREADS, 64), 32);
	cr_assert_eq(predict_default_workers(PM_PROCESSES, 2), 2);
	cr_assert_eq(predict_default_workers(PM_ASYNCIO, 8), 1);
}

Test(predict, hint_replaces_what_the_trace_suggested)
{
	struct work w = cpu_python();
	struct work_verdict v = { .cannot_tell = "not divisible" };

	w.units_known = false;
	work_apply_hint(&w, &(struct work_hint){ 12, 306 }, &v);
	cr_assert(w.units_known && w.file_ops_known);
	NEAR(w.units, 12, 0);
	NEAR(w.file_ops, 306, 0);
	cr_assert_null(v.cannot_tell);
}

static struct advice advise_on(const struct work *w)
{
	static struct explanation e;
	struct work_verdict v = { 0 };
	struct advice a;

	advise_run(w, &v, &e, &costs, &a);
	return a;
}

Test(advise, cpu_bound_python_gets_processes)
{
	struct work w = cpu_python();
	struct advice a;

	w.wall_s = 4.0;
	a = advise_on(&w);
	cr_assert_eq(a.recommended, PM_PROCESSES, "%s", a.verdict);
	NEAR(a.models[PM_PROCESSES].alone_speedup, 2.0, 0.1);
	cr_assert_lt(a.models[PM_THREADS].alone_speedup, 1.1);
}

Test(advise, sequential_waits_get_threads_or_asyncio)
{
	struct work w = waits_only();
	struct advice a;

	w.wall_s = 12.24;
	a = advise_on(&w);
	cr_assert(a.recommended == PM_THREADS || a.recommended == PM_ASYNCIO, "%s", a.verdict);
	cr_assert_gt(a.models[a.recommended].alone_speedup, 10);
}

Test(advise, device_bound_gains_little)
{
	struct work w = { .ncpus = 2, .units = 100, .units_known = true, .cpu_user_s = 0.05, .disk_wait_s = 1,
			  .device_s = 1, .cpu_capacity = 2, .wall_s = 1.05 };
	struct advice a = advise_on(&w);

	cr_assert_eq(a.recommended, PM_SYNC, "%s", a.verdict);
	cr_assert(strstr(a.verdict, "gains little"), "%s", a.verdict);
}

Test(advise, says_when_it_cannot_tell)
{
	struct work w = cpu_python();
	struct work_verdict v = { .cannot_tell = "too short" };
	static struct explanation e;
	struct advice a;

	snprintf(v.why, sizeof(v.why), "too short: 0.010 s of work");
	advise_run(&w, &v, &e, &costs, &a);
	cr_assert_eq(a.recommended, -1);
	cr_assert(strstr(a.verdict, "cannot tell"), "%s", a.verdict);
}
