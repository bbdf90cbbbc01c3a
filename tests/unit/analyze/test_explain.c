/* The explanation's parts on hand-built models: path time by scope, roles, knots of the wait-for
 * graph, the JSON form, comparisons and claim verdicts (findings: test_findings.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/findings.h"
#include "matrix/compare.h"
#include "model/timeline.h"
#include "base/util.h"
#include "hand_model.h"


/* A thread living the whole run; its time in CLASS_A and CLASS_B (ms), the rest nowhere. */
static void add_thread(struct run_model *m, uint32_t tid, uint32_t tgid, int class_a, uint64_t a_ms,
		       int class_b, uint64_t b_ms)
{
	struct thread_acct t = { .tid = tid, .tgid = tgid, .end_ns = WALL };
	const struct model_process *p = model_process(m, m->meta.root_pid);

	/* a process takes its comm from its main thread */
	memcpy(t.comm, p->comm, sizeof(t.comm));
	t.ns[class_a] += a_ms * MS;
	t.ns[class_b] += b_ms * MS;
	t.blocks[class_a] = t.blocks[class_b] = 1;
	model_add_thread(m, &t);
}

static void add_wakeup(struct run_model *m, uint32_t waker, uint32_t waker_tgid, const char *comm,
		       uint32_t wakee, int class, uint64_t count, uint64_t waited_ms)
{
	struct model_wakeup *w = VEC_PUSH(m->wakeups, m->n_wakeups, m->cap_wakeups);

	w->k = (struct wakeup_key){ .waker_tid = waker, .wakee_tid = wakee, .wakee_class = class };
	w->s.count = count;
	w->s.waited_ns = waited_ms * MS;
	w->s.waker_tgid = waker_tgid;
	snprintf(w->s.waker_comm, sizeof(w->s.waker_comm), "%s", comm);
}

static struct explanation *explain(const struct run_model *m)
{
	struct explanation *e = xcalloc(1, sizeof(*e));

	explain_run(m, e);
	return e;
}

/* M's finding NAME, which must be there; *E is its explanation, to free. */
/* Four threads of process 100 take turns: each runs 250 ms and waits 750 ms in CLASS for a
 * sibling; the main thread waits for them to finish. */
static void serialised_threads(struct run_model *m, const char *comm, int class)
{
	new_model(m, 100, comm);
	add_thread(m, 100, 100, class, 1000, WC_ONCPU, 0);
	for (uint32_t tid = 101; tid <= 104; tid++) {
		add_thread(m, tid, 100, WC_ONCPU, 250, class, 750);
		add_wakeup(m, tid == 104 ? 101 : tid + 1, 100, comm, tid, class, 300, 700);
	}
	add_wakeup(m, 101, 100, comm, 100, class, 1, 1000);
}

/* Four threads of process 100 each run 500 ms, wait 100 ms for a lock a sibling holds and 400 ms
 * runnable; LATENCY_MS of those 400 followed the sibling's release (measured per wakeup edge). */
/* Waiting for a CPU once a release woke them is waiting for each other too (the hand-over's
 * latency); the same runqueue time for other reasons (preempted) is not. */
/* The main thread hands work to two pool threads and waits: 1000 wakeups each way, 150 ms waited
 * and 20 ms of wakeup latency on each of the four edges. */
/* A hand-off's latency is the woken thread's measured wait for a CPU; a report without wakeup
 * latencies says so rather than claiming none. */
/* Process 300's main thread waits for WORKERS pool threads that each spend A_MS in CLASS_A and
 * B_MS in CLASS_B. */
/* An asyncio loop whose callbacks call time.sleep: it polls its selector but never idles in it. */
/* The same blocked loop with a timeline: 0-10 on a CPU, 10-90 asleep until the timer, 90-100 on a
 * CPU. Findings explain path time, and the path's summary is not one of them. */
/* Path segments: main runs, waits on the timer (a pseudo node's segment), then an executor runs. */
Test(explain, path_time_counts_a_thread_s_own_waits)
{
	struct path_segment segs[] = {
		{ 0, 10, 1, GN_MAIN, WC_ONCPU, 1 }, { 10, 50, 0, GN_TIMER, WC_TIMER, 1 },
		{ 50, 80, 2, GN_EXECUTOR, WC_ONCPU, 1 }, { 80, 100, 0, GN_DISK, WC_DISK, 2 },
	};
	struct critical_path p = { .start_ns = 0, .end_ns = 100, .segments = segs,
				   .n_segments = ARRAY_LEN(segs) };
	struct run_model m;
	struct path_scope main_all = { .tid = 1, .classes = ALL_CLASSES };
	struct path_scope oncpu = { .classes = CLASS_BIT(WC_ONCPU) };
	struct path_scope disk = { .nodes = 1u << GN_DISK, .classes = ALL_CLASSES };
	struct path_scope executors = { .tgid = 1, .nodes = 1u << GN_EXECUTOR, .classes = ALL_CLASSES };

	new_model(&m, 1, "prog");
	add_thread(&m, 1, 1, WC_ONCPU, 10, WC_TIMER, 40);
	add_thread(&m, 2, 1, WC_ONCPU, 30, WC_DISK, 20);
	cr_assert_eq(path_time(&m, &p, &main_all), 50);
	cr_assert_eq(path_time(&m, &p, &oncpu), 40);
	cr_assert_eq(path_time(&m, &p, &disk), 20);
	cr_assert_float_eq(path_sum(&m, &p, &disk).count, 2, 1e-9);
	cr_assert_eq(path_time(&m, &p, &executors), 50);
	model_free(&m);
}

Test(explain, roles_of_threads)
{
	struct run_model m;
	struct model_process *worker;

	new_model(&m, 10, "python3");
	add_thread(&m, 10, 10, WC_ONCPU, 10, WC_LOOP_IDLE, 10);
	add_thread(&m, 11, 10, WC_ONCPU, 10, WC_LOCK, 10);
	add_thread(&m, 12, 12, WC_ONCPU, 10, WC_PIPE, 10);
	add_thread(&m, 20, 20, WC_ONCPU, 10, WC_CHILD, 10);
	worker = model_add_process(&m, 12);
	worker->ppid = 10;
	cr_assert_eq(thread_role(&m, &m.threads[0].acct), ROLE_LOOP);
	cr_assert_eq(thread_role(&m, &m.threads[1].acct), ROLE_EXECUTOR);
	cr_assert_eq(thread_role(&m, &m.threads[2].acct), ROLE_WORKER);
	m.meta.root_pid = 20;
	cr_assert_eq(thread_role(&m, &m.threads[3].acct), ROLE_MAIN);
	model_free(&m);
}

/* The model's graph has exactly one knot, called NAME. */
static struct explanation *assert_one_knot(const struct run_model *m, const char *name)
{
	struct explanation *e = explain(m);
	char knot[64];

	cr_assert_eq(e->g.n_knots, 1);
	knot_name(&e->g, 0, knot, sizeof(knot));
	cr_assert_str_eq(knot, name);
	return e;
}

Test(knots, a_waits_b_waits_disk_knots_at_the_disk)
{
	struct run_model m;
	struct explanation *e;

	new_model(&m, 700, "prog");
	add_thread(&m, 700, 700, WC_ONCPU, 200, WC_LOCK, 800);
	add_thread(&m, 701, 700, WC_ONCPU, 300, WC_DISK, 700);
	add_wakeup(&m, 701, 700, "prog", 700, WC_LOCK, 10, 800);
	add_wakeup(&m, 0, 0, "swapper/1", 701, WC_DISK, 10, 700);
	/* below the 1 % threshold: no knot "outside" */
	add_wakeup(&m, 9999, 9999, "other", 701, WC_OTHER_SLEEP, 1, 1);
	e = assert_one_knot(&m, "disk");
	cr_assert_eq(e->g.waited_ns[GN_MAIN][GN_EXECUTOR], 800 * MS);
	cr_assert_eq(e->g.waited_ns[GN_EXECUTOR][GN_DISK], 700 * MS);
	free(e);
	model_free(&m);
}

Test(knots, a_cycle_with_no_way_out_is_one_knot)
{
	struct run_model m;

	new_model(&m, 800, "prog");
	add_thread(&m, 800, 800, WC_ONCPU, 500, WC_LOCK, 500);
	add_thread(&m, 801, 800, WC_ONCPU, 500, WC_LOCK, 500);
	add_wakeup(&m, 801, 800, "prog", 800, WC_LOCK, 100, 500);
	add_wakeup(&m, 800, 800, "prog", 801, WC_LOCK, 100, 500);
	free(assert_one_knot(&m, "main+executor"));
	model_free(&m);
}

Test(explain, json_carries_method_graph_and_findings)
{
	struct run_model m;
	json_t *j;

	serialised_threads(&m, "prog", WC_LOCK);
	j = explain_to_json(&m);
	cr_assert_str_eq(json_string_value(json_object_get(j, "method")), EXPLAIN_METHOD_ESTIMATE);
	cr_assert_gt(json_array_size(json_object_get(j, "findings")), 0);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(
		json_object_get(j, "wait_graph"), "knots"), 0), "name")), "executor");
	cr_assert(json_object_get(json_object_get(j, "decomposition"), "cpus_busy"));
	json_decref(j);
	model_free(&m);
}

/* A matrix cell that finished ok in WALL_S seconds, explained from an empty model. */
static void ok_cell(struct cell *c, enum workload w, enum conc_model model, double wall_s)
{
	struct run_model m;

	memset(c, 0, sizeof(*c));
	c->workload = w;
	c->runtime = RT_PYTHON;
	c->model = model;
	c->status = CELL_OK;
	c->has_stats = true;
	c->stats.wall_s = wall_s;
	new_model(&m, 1, "python3");
	c->explanation = explain(&m);
	model_free(&m);
}

static void free_cells(struct cell *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cells[i].explanation);
}

Test(verdicts, disk_claim_supported_contradicted_or_untold)
{
	struct cell cells[3];
	struct claim_verdict v[CLAIM_COUNT];

	ok_cell(&cells[0], WL_DISK, CM_SYNC, 10);
	ok_cell(&cells[1], WL_DISK, CM_ASYNCIO, 20);
	ok_cell(&cells[2], WL_DISK, CM_PROCESSES, 2);
	claim_verdicts(cells, 3, v);
	cr_assert_eq(v[CLAIM_C1].verdict, VERDICT_SUPPORTS, "%s", v[CLAIM_C1].why);
	cr_assert(strstr(v[CLAIM_C1].why, "asyncio 20.00 s vs sync 10.00 s"), "%s", v[CLAIM_C1].why);
	cells[1].stats.wall_s = 5;
	claim_verdicts(cells, 3, v);
	cr_assert_eq(v[CLAIM_C1].verdict, VERDICT_CONTRADICTS);
	claim_verdicts(cells, 2, v);
	cr_assert_eq(v[CLAIM_C1].verdict, VERDICT_CANNOT_TELL);
	cr_assert(strstr(v[CLAIM_C1].why, "not run or not ok: processes"), "%s", v[CLAIM_C1].why);
	cr_assert_eq(v[CLAIM_C3].verdict, VERDICT_CANNOT_TELL);
	cr_assert(strstr(v[CLAIM_C3].why, "not run or not ok: threads and sync"), "%s", v[CLAIM_C3].why);
	free_cells(cells, 3);
}

Test(verdicts, cpu_and_net_claims)
{
	struct cell cells[5];
	struct claim_verdict v[CLAIM_COUNT];

	ok_cell(&cells[0], WL_CPU, CM_SYNC, 10);
	ok_cell(&cells[1], WL_CPU, CM_THREADS, 10.5);
	ok_cell(&cells[2], WL_CPU, CM_PROCESSES, 5.5);
	ok_cell(&cells[3], WL_NET, CM_SYNC, 10);
	ok_cell(&cells[4], WL_NET, CM_ASYNCIO, 9.5);
	claim_verdicts(cells, 5, v);
	cr_assert_eq(v[CLAIM_C2].verdict, VERDICT_SUPPORTS, "%s", v[CLAIM_C2].why);
	cr_assert_eq(v[CLAIM_C3].verdict, VERDICT_SUPPORTS, "%s", v[CLAIM_C3].why);
	cr_assert_eq(v[CLAIM_C4].verdict, VERDICT_CONTRADICTS, "%s", v[CLAIM_C4].why);
	cells[1].stats.wall_s = 5.2;   /* threads 5 % faster than processes: a tie, not a contradiction */
	claim_verdicts(cells, 5, v);
	cr_assert_eq(v[CLAIM_C2].verdict, VERDICT_SUPPORTS, "%s", v[CLAIM_C2].why);
	cells[1].stats.wall_s = 4.5;   /* threads now faster than processes and than sync */
	claim_verdicts(cells, 5, v);
	cr_assert_eq(v[CLAIM_C2].verdict, VERDICT_CONTRADICTS, "%s", v[CLAIM_C2].why);
	cr_assert(strstr(v[CLAIM_C2].why, "slower than threads beyond the noise"), "%s", v[CLAIM_C2].why);
	cr_assert_eq(v[CLAIM_C3].verdict, VERDICT_CONTRADICTS, "%s", v[CLAIM_C3].why);
	free_cells(cells, 5);
}

/* asyncio+processes is multiprocessing too: it being faster than processes does not contradict C2. */
Test(verdicts, asyncio_and_processes_is_multiprocessing)
{
	struct cell cells[3];
	struct claim_verdict v[CLAIM_COUNT];

	ok_cell(&cells[0], WL_CPU, CM_SYNC, 10);
	ok_cell(&cells[1], WL_CPU, CM_PROCESSES, 5.5);
	ok_cell(&cells[2], WL_CPU, CM_ASYNCIO_PROCESSES, 4);
	claim_verdicts(cells, 3, v);
	cr_assert_eq(v[CLAIM_C2].verdict, VERDICT_SUPPORTS, "%s", v[CLAIM_C2].why);
	cr_assert(strstr(v[CLAIM_C2].why, "multiprocessing (asyncio+processes) 4.00 s"), "%s", v[CLAIM_C2].why);
	free_cells(cells, 3);
}

/* Cells of a fraction of a second are mostly start-up: no verdict is drawn from them. */
Test(verdicts, cells_too_short_are_not_judged)
{
	struct cell cells[3];
	struct claim_verdict v[CLAIM_COUNT];

	ok_cell(&cells[0], WL_DISK, CM_SYNC, 0.2);
	ok_cell(&cells[1], WL_DISK, CM_ASYNCIO, 0.4);
	ok_cell(&cells[2], WL_DISK, CM_PROCESSES, 0.1);
	claim_verdicts(cells, 3, v);
	cr_assert_eq(v[CLAIM_C1].verdict, VERDICT_CANNOT_TELL, "%s", v[CLAIM_C1].why);
	cr_assert(strstr(v[CLAIM_C1].why, "too short to judge"), "%s", v[CLAIM_C1].why);
	free_cells(cells, 3);
}

Test(compare, names_both_models_with_their_numbers)
{
	struct run_model ma, mb;
	struct cell a, b;
	struct comparison c;

	serialised_threads(&ma, "python3", WC_LOCK);
	new_model(&mb, 200, "python3");
	add_thread(&mb, 200, 200, WC_ONCPU, 1000, WC_LOCK, 0);
	ok_cell(&a, WL_DISK, CM_ASYNCIO, 4);
	ok_cell(&b, WL_DISK, CM_SYNC, 1);
	explain_run(&ma, a.explanation);
	explain_run(&mb, b.explanation);
	compare_cells(&a, 4, &b, 1, &c);
	cr_assert(strstr(c.text, "asyncio took 4.00 s vs 1.00 s for sync (4.00x)."), "%s", c.text);
	cr_assert(strstr(c.text, "waiting on locks (futex)"), "%s", c.text);
	cr_assert_gt(c.class_delta_s[WC_LOCK], 0);
	cr_assert_lt(c.class_delta_s[WC_ONCPU], 0);
	free(a.explanation);
	free(b.explanation);
	model_free(&ma);
	model_free(&mb);
}
