/* What a run's work is made of (analyze/work.h), measured on hand-built timelines: the CPUs the run
 * could get when other load held it back, and when nothing did; sleeps as units. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/findings.h"
#include "analyze/work.h"
#include "base/util.h"
#include "model/syscall_names.h"
#include "model/timeline.h"

#define MS 1000000ULL
#define T0 MS      /* times count from here: 0 means "unknown" in the model */
#define EVENTS_MAX 1024

static struct run_model m;
static struct timeline_event ev[EVENTS_MAX];
static size_t n_ev;

static void start(void)
{
	struct model_process *p;

	model_init(&m);
	n_ev = 0;
	m.meta.ncpus = 2;
	m.meta.root_pid = 1;
	p = model_add_process(&m, 1);
	snprintf(p->comm, sizeof(p->comm), "prog");
	p->start_ns = T0;
	p->end_ns = T0 + 1000 * MS;
}

static void finish(void)
{
	model_free(&m);
}

TestSuite(work, .init = start, .fini = finish);

/* A thread of process 1 living the process's whole second, with these totals (ms) per class. */
static void thread(uint32_t tid, uint64_t oncpu_ms, uint64_t runqueue_ms, uint64_t timer_ms, uint64_t sleeps)
{
	struct thread_acct a = { .tid = tid, .tgid = 1, .start_ns = T0, .end_ns = T0 + 1000 * MS, .comm = "prog" };

	a.ns[WC_ONCPU] = oncpu_ms * MS;
	a.ns[WC_RUNQUEUE] = runqueue_ms * MS;
	a.ns[WC_TIMER] = timer_ms * MS;
	a.blocks[WC_TIMER] = sleeps;
	model_add_thread(&m, &a);
}

static void event(uint64_t ms, uint32_t tid, enum timeline_type type, uint32_t class)
{
	cr_assert_lt(n_ev, EVENTS_MAX);
	ev[n_ev++] = (struct timeline_event){ .ts_ns = T0 + ms * MS, .tid = tid, .type = type, .wait_class = class };
}

static void explain(struct work *w, struct work_verdict *v)
{
	static struct explanation e;

	timeline_build(&m, ev, n_ev);
	explain_with_work(&m, &e, w, v);
}

Test(work, other_load_gives_a_share_of_the_machine)
{
	struct work w;
	struct work_verdict v;

	/* one thread wanting a CPU the whole time, running 5 ms of every 10: half a CPU to be had */
	thread(1, 500, 500, 0, 0);
	for (uint64_t t = 5; t < 1000; t += 10) {
		event(t, 1, TL_SWITCH_OUT, WC_RUNQUEUE);
		event(t + 5, 1, TL_SWITCH_IN, WC_ONCPU);
	}
	explain(&w, &v);
	cr_assert_float_eq(w.cpu_capacity, 0.5, 0.01, "%.3f CPUs", w.cpu_capacity);
	cr_assert_float_eq(w.cpu_user_s + w.cpu_kernel_s, 0.5, 1e-6);
	cr_assert_not(w.units_known, "CPU work: the units are assumed");
	cr_assert(strstr(v.why, "assumed"), "%s", v.why);
}

Test(work, a_run_never_held_back_had_the_machine)
{
	struct work w;
	struct work_verdict v;

	thread(1, 1000, 0, 0, 0);
	thread(2, 1000, 0, 0, 0);
	explain(&w, &v);
	cr_assert_float_eq(w.cpu_capacity, 2, 1e-9);
	cr_assert_float_eq(w.cpu_user_s + w.cpu_kernel_s, 2.0, 1e-6);
}

Test(work, sleeps_are_the_units_of_a_sleeping_loop)
{
	struct work w;
	struct work_verdict v;

	/* ten sleeps of 90 ms, 10 ms of CPU before each */
	thread(1, 100, 0, 900, 10);
	for (uint64_t t = 10; t < 1000; t += 100) {
		event(t, 1, TL_SWITCH_OUT, WC_TIMER);
		event(t + 90, 1, TL_WAKEUP, WC_TIMER);
		event(t + 90, 1, TL_SWITCH_IN, WC_ONCPU);
	}
	explain(&w, &v);
	cr_assert(w.units_known, "%s", v.why);
	cr_assert_float_eq(w.units, 10, 1e-9);
	cr_assert_float_eq(w.timer_s, 0.9, 1e-6);
	cr_assert_null(v.cannot_tell);
}

Test(work, too_short_to_tell)
{
	struct work w;
	struct work_verdict v;

	thread(1, 50, 0, 0, 0);
	m.threads[0].acct.end_ns = m.procs[0].end_ns = T0 + 50 * MS;  /* a run of 50 ms */
	explain(&w, &v);
	cr_assert_str_eq(v.cannot_tell, "too short", "wall %.3f, start-up %.3f: %s", w.wall_s, w.startup_s, v.why);
}

/* A thread of 24 requests (one write each) that opened CONNECTIONS connections, waiting on the
 * network in the waits [FROM, TO) ms of WAITS; the process lives 1 s. */
static void requests(uint64_t connections, const uint64_t (*waits)[2], size_t n)
{
	struct model_syscall *s = VEC_PUSH(m.syscalls, m.n_syscalls, m.cap_syscalls);

	thread(1, 0, 0, 0, 0);
	m.threads[0].acct.io[FK_NET][1].calls = 24;
	*s = (struct model_syscall){ .tgid = 1, .nr = syscall_nr("connect"), .s.count = connections };
	for (size_t i = 0; i < n; i++) {
		event(waits[i][0], 1, TL_SWITCH_OUT, WC_NET);
		event(waits[i][1], 1, TL_WAKEUP, WC_NET);
		event(waits[i][1], 1, TL_SWITCH_IN, WC_ONCPU);
	}
}

Test(work, requests_one_after_another_wait_each_its_own)
{
	uint64_t waits[24][2];
	struct work w;
	struct work_verdict v;

	for (int i = 0; i < 24; i++) {   /* 24 waits of 40 ms, 1 ms of CPU between them */
		waits[i][0] = 1 + 41 * i;
		waits[i][1] = 41 + 41 * i;
	}
	requests(1, waits, 24);
	explain(&w, &v);
	cr_assert_float_eq(w.requests, 24, 1e-9);
	cr_assert_float_eq(w.net_s, 24 * 0.040, 1e-6, "%.3f s", w.net_s);
	cr_assert_float_eq(w.units, 24, 1e-9, "%s", v.why);
}

Test(work, a_multiplexing_loop_waits_once_for_many)
{
	/* curl's multi interface: 24 requests on 24 connections at once, answered 500 ms later; its
	 * timeouts woke it 25 times meanwhile, one wait of 300 ms */
	uint64_t waits[26][2] = { { 10, 310 } };
	struct work w;
	struct work_verdict v;

	for (int i = 1; i < 26; i++) {
		waits[i][0] = 310 + 8 * i - 7;
		waits[i][1] = 310 + 8 * i;
	}
	requests(26, waits, 26);
	explain(&w, &v);
	cr_assert_float_eq(w.net_s / 24, 0.475, 1e-6, "each request's latency: %.3f s", w.net_s / 24);
}
