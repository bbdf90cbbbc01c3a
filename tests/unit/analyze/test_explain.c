/* The explanation on hand-built models, each with one injected bottleneck: the top finding and the
 * heaviest knot must name it. Then knots on hand-built graphs, comparisons and claim verdicts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/findings.h"
#include "matrix/compare.h"
#include "model/timeline.h"
#include "base/util.h"

#define MS 1000000ULL
#define WALL (1000 * MS)

static void new_model(struct run_model *m, uint32_t root, const char *comm)
{
	struct model_process *p;

	model_init(m);
	m->meta.ncpus = 2;
	m->meta.root_pid = root;
	m->meta.end_ns = WALL;
	p = model_add_process(m, root);
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->end_ns = WALL;
}

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

static void assert_top(const struct run_model *m, const char *finding, const char *knot)
{
	struct explanation *e = explain(m);
	char name[128];

	cr_assert_gt(e->n_findings, 0, "no finding, expected %s", finding);
	cr_assert_str_eq(e->findings[0].name, finding, "top finding %s: %s", e->findings[0].name,
			 e->findings[0].text);
	cr_assert_gt(e->g.n_knots, 0);
	knot_name(&e->g, 0, name, sizeof(name));
	cr_assert_str_eq(name, knot);
	free(e);
}

/* M's finding NAME, which must be there; *E is its explanation, to free. */
static const struct finding *finding_in(const struct run_model *m, const char *name, struct explanation **e)
{
	const struct finding *f;

	*e = explain(m);
	f = explanation_finding(*e, name);
	cr_assert_not_null(f, "no %s finding", name);
	return f;
}

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

Test(explain, threads_serialised_on_one_mutex)
{
	struct run_model m;

	serialised_threads(&m, "prog", WC_LOCK);
	assert_top(&m, "lock-contention", "executor");
	model_free(&m);
}

Test(explain, a_few_sibling_hand_offs_are_no_lock_contention)
{
	struct run_model m;
	struct explanation *e;

	serialised_threads(&m, "prog", WC_LOCK);
	for (size_t i = 0; i < m.n_wakeups; i++)
		m.wakeups[i].s.count = 1;   /* 5 hand-overs in 1 s: threads met, did not take turns */
	e = explain(&m);
	cr_assert_null(explanation_finding(e, "lock-contention"));
	free(e);
	model_free(&m);
}

/* Four threads of process 100 each run 500 ms, wait 100 ms for a lock a sibling holds and 400 ms
 * runnable; LATENCY_MS of those 400 followed the sibling's release (measured per wakeup edge). */
static void threads_woken_by_releases(struct run_model *m, uint64_t latency_ms)
{
	new_model(m, 100, "prog");
	m->meta.wakeup_latency = true;
	add_thread(m, 100, 100, WC_LOCK, 1000, WC_ONCPU, 0);
	for (uint32_t tid = 101; tid <= 104; tid++) {
		add_thread(m, tid, 100, WC_ONCPU, 500, WC_RUNQUEUE, 400);
		m->threads[m->n_threads - 1].acct.ns[WC_LOCK] = 100 * MS;
		add_wakeup(m, tid == 104 ? 101 : tid + 1, 100, "prog", tid, WC_LOCK, 3000, 100);
		m->wakeups[m->n_wakeups - 1].s.latency_ns = latency_ms * MS;
	}
}

/* Waiting for a CPU once a release woke them is waiting for each other too (the hand-over's
 * latency); the same runqueue time for other reasons (preempted) is not. */
Test(explain, waiting_for_a_cpu_after_a_release_is_part_of_the_hand_over)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;

	threads_woken_by_releases(&m, 350);
	f = finding_in(&m, "lock-contention", &e);
	cr_assert_float_eq(f->evidence[0].value, 0.45 / 0.95, 1e-9, "%s %g", f->evidence[0].name,
			   f->evidence[0].value);
	cr_assert(strstr(f->text, "(0.400 s for the lock, then 1.400 s for a CPU once released;"), "%s", f->text);
	free(e);
	model_free(&m);
	threads_woken_by_releases(&m, 0);
	e = explain(&m);
	cr_assert_null(explanation_finding(e, "lock-contention"), "preemptions counted as hand-overs");
	free(e);
	model_free(&m);
}

/* The main thread hands work to two pool threads and waits: 1000 wakeups each way, 150 ms waited
 * and 20 ms of wakeup latency on each of the four edges. */
static void main_thread_hands_off_to_a_pool(struct run_model *m, bool latency_measured)
{
	new_model(m, 100, "prog");
	m->meta.wakeup_latency = latency_measured;
	add_thread(m, 100, 100, WC_ONCPU, 400, WC_LOCK, 600);
	for (uint32_t tid = 101; tid <= 102; tid++) {
		add_thread(m, tid, 100, WC_ONCPU, 300, WC_LOCK, 700);
		add_wakeup(m, 100, 100, "prog", tid, WC_LOCK, 1000, 150);
		add_wakeup(m, tid, 100, "prog", 100, WC_LOCK, 1000, 150);
	}
	for (size_t i = 0; i < m->n_wakeups; i++)
		m->wakeups[i].s.latency_ns = latency_measured ? 20 * MS : 0;
}

/* A hand-off's latency is the woken thread's measured wait for a CPU; a report without wakeup
 * latencies says so rather than claiming none. */
Test(explain, hand_off_latency_is_measured_or_said_to_be_missing)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;

	main_thread_hands_off_to_a_pool(&m, true);
	f = finding_in(&m, "thread-pool-handoff", &e);
	cr_assert(strstr(f->text, "(4000 wakeups): each hand-off kept its waiter 150 us (0.60 s in all"), "%s", f->text);
	cr_assert(strstr(f->text, "then waited 20 us for a CPU (0.080 s in all)."), "%s", f->text);
	free(e);
	model_free(&m);
	main_thread_hands_off_to_a_pool(&m, false);
	f = finding_in(&m, "thread-pool-handoff", &e);
	cr_assert(strstr(f->text, "(this report has no wakeup latencies)."), "%s", f->text);
	for (int i = 0; i < f->n_evidence; i++)
		cr_assert(strcmp(f->evidence[i].name, "wakeup_latency_us"), "a latency nobody measured");
	free(e);
	model_free(&m);
}

Test(explain, cpu_bound_python_threads_with_lock_waits_are_likely_gil)
{
	struct run_model m;
	struct explanation *e;

	serialised_threads(&m, "python3", WC_LOCK);
	e = explain(&m);
	cr_assert_str_eq(e->findings[0].name, "gil-bound");
	cr_assert(strstr(e->findings[0].text, "Likely GIL"), "%s", e->findings[0].text);
	free(e);
	model_free(&m);
}

Test(explain, gil_class_data_names_the_gil)
{
	struct run_model m;
	struct explanation *e;

	serialised_threads(&m, "python3", WC_GIL);
	assert_top(&m, "gil-bound", "executor");
	e = explain(&m);
	cr_assert_float_eq(e->findings[0].evidence[0].value, 1, 1e-9, "gil_data");
	free(e);
	model_free(&m);
}

Test(explain, write_fsync_loop_is_disk_bound)
{
	struct run_model m;
	struct model_disk *d;
	struct model_syscall *s;

	new_model(&m, 200, "prog");
	add_thread(&m, 200, 200, WC_ONCPU, 100, WC_DISK, 900);
	add_wakeup(&m, 0, 0, "swapper/0", 200, WC_DISK, 500, 900);
	d = VEC_PUSH(m.disks, m.n_disks, m.cap_disks);
	d->io_ticks_ms = 950;
	d->sectors_written = 20000;
	s = VEC_PUSH(m.syscalls, m.n_syscalls, m.cap_syscalls);
	*s = (struct model_syscall){ .tgid = 200, .nr = (uint32_t)syscall_nr("write"),
				     .s = { .count = 500, .bytes = 10000000 } };
	assert_top(&m, "disk-bound", "disk");
	model_free(&m);
}

/* Process 300's main thread waits for WORKERS pool threads that each spend A_MS in CLASS_A and
 * B_MS in CLASS_B. */
static void pool(struct run_model *m, uint32_t workers, int class_a, uint64_t a_ms, int class_b,
		 uint64_t b_ms)
{
	new_model(m, 300, "prog");
	add_thread(m, 300, 300, WC_LOCK, 1000, WC_ONCPU, 0);
	for (uint32_t tid = 301; tid <= 300 + workers; tid++)
		add_thread(m, tid, 300, class_a, a_ms, class_b, b_ms);
	add_wakeup(m, 301, 300, "prog", 300, WC_LOCK, 1, 1000);
}

Test(explain, more_busy_threads_than_cpus_saturate_the_runqueue)
{
	struct run_model m;

	pool(&m, 4, WC_ONCPU, 500, WC_RUNQUEUE, 500);
	assert_top(&m, "runqueue-saturation", "executor");
	model_free(&m);
}

Test(explain, pool_of_one_worker_has_no_concurrency)
{
	struct run_model m;

	pool(&m, 1, WC_ONCPU, 950, WC_RUNQUEUE, 50);
	assert_top(&m, "no-concurrency", "executor");
	model_free(&m);
}

Test(explain, cpus_taken_by_other_processes_are_contention)
{
	struct run_model m;

	new_model(&m, 900, "prog");
	add_thread(&m, 900, 900, WC_ONCPU, 300, WC_RUNQUEUE, 700);
	assert_top(&m, "cpu-contention", "main");
	model_free(&m);
}

Test(explain, coroutine_that_never_awaits_blocks_the_loop)
{
	struct run_model m;

	new_model(&m, 600, "python3");
	add_thread(&m, 600, 600, WC_ONCPU, 950, WC_LOOP_IDLE, 20);
	add_thread(&m, 601, 600, WC_LOCK, 1000, WC_ONCPU, 0);
	add_thread(&m, 602, 600, WC_LOCK, 1000, WC_ONCPU, 0);
	assert_top(&m, "loop-blocked", "event-loop");
	model_free(&m);
}

static void add_syscall(struct run_model *m, uint32_t tgid, const char *name, uint64_t count)
{
	*VEC_PUSH(m->syscalls, m->n_syscalls, m->cap_syscalls) = (struct model_syscall){
		.tgid = tgid, .nr = (uint32_t)syscall_nr(name), .s = { .count = count } };
}

/* An asyncio loop whose callbacks call time.sleep: it polls its selector but never idles in it. */
static void loop_in_blocking_sleeps(struct run_model *m)
{
	new_model(m, 610, "python3");
	add_thread(m, 610, 610, WC_ONCPU, 100, WC_TIMER, 880);
	add_wakeup(m, 0, 0, "swapper/0", 610, WC_TIMER, 40, 880);
	add_syscall(m, 610, "epoll_wait", 40);
}

Test(explain, blocking_sleep_in_callbacks_blocks_the_loop)
{
	struct run_model m;

	loop_in_blocking_sleeps(&m);
	cr_assert_eq(thread_role(&m, &m.threads[0].acct), ROLE_LOOP);
	assert_top(&m, "loop-blocked", "timers");
	model_free(&m);
}

Test(explain, a_loop_idle_in_its_selector_is_not_blocked)
{
	struct run_model m;
	struct explanation *e;

	new_model(&m, 620, "python3");
	add_thread(&m, 620, 620, WC_ONCPU, 100, WC_LOOP_IDLE, 880);
	e = explain(&m);
	cr_assert_null(explanation_finding(e, "loop-blocked"));
	free(e);
	model_free(&m);
}

Test(explain, a_busy_main_thread_is_cpu_bound_not_a_pool_of_one)
{
	struct run_model m;

	new_model(&m, 310, "prog");
	add_thread(&m, 310, 310, WC_ONCPU, 950, WC_RUNQUEUE, 50);
	add_thread(&m, 311, 310, WC_ONCPU, 10, WC_LOCK, 990);
	add_wakeup(&m, 310, 310, "prog", 311, WC_LOCK, 1, 990);
	assert_top(&m, "cpu-bound-single-thread", "main");
	model_free(&m);
}

/* The same blocked loop with a timeline: 0-10 on a CPU, 10-90 asleep until the timer, 90-100 on a
 * CPU. Findings explain path time, and the path's summary is not one of them. */
Test(explain, with_a_timeline_findings_explain_path_time)
{
	struct timeline_event ev[] = {
		{ .ts_ns = 10, .tid = 610, .type = TL_SWITCH_OUT, .wait_class = WC_TIMER },
		{ .ts_ns = 90, .tid = 610, .type = TL_WAKEUP, .wait_class = WC_TIMER },
		{ .ts_ns = 90, .tid = 610, .type = TL_SWITCH_IN, .wait_class = WC_ONCPU },
	};
	struct run_model m;
	struct explanation *e;

	loop_in_blocking_sleeps(&m);
	m.meta.start_ns = m.threads[0].acct.start_ns = model_process(&m, 610)->start_ns = 1;
	m.meta.end_ns = m.threads[0].acct.end_ns = model_process(&m, 610)->end_ns = 100;
	timeline_build(&m, ev, ARRAY_LEN(ev));
	e = explain(&m);
	cr_assert_str_eq(e->d.method, EXPLAIN_METHOD_PATH);
	cr_assert(strstr(e->path_summary, "timer"), "%s", e->path_summary);
	cr_assert_null(explanation_finding(e, "critical-path"));
	cr_assert_str_eq(e->findings[0].name, "loop-blocked");
	cr_assert_float_eq(e->findings[0].explained_s, 99e-9, 1e-12);
	free(e);
	model_free(&m);
}

/* Path segments: main runs, waits on the timer (a pseudo node's segment), then an executor runs. */
Test(explain, path_time_counts_a_thread_s_own_waits)
{
	struct path_segment segs[] = {
		{ 0, 10, 1, GN_MAIN, WC_ONCPU }, { 10, 50, 0, GN_TIMER, WC_TIMER },
		{ 50, 80, 2, GN_EXECUTOR, WC_ONCPU }, { 80, 100, 0, GN_DISK, WC_DISK },
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
	cr_assert_str_eq(json_string_value(json_object_get(j, "method")), "aggregate shares");
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
	cells[1].stats.wall_s = 5;     /* threads now faster than processes and than sync */
	claim_verdicts(cells, 5, v);
	cr_assert_eq(v[CLAIM_C2].verdict, VERDICT_CONTRADICTS, "%s", v[CLAIM_C2].why);
	cr_assert_eq(v[CLAIM_C3].verdict, VERDICT_CONTRADICTS, "%s", v[CLAIM_C3].why);
	free_cells(cells, 5);
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
