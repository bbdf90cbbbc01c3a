/* The timeline built from hand-made transition sequences, and the critical path over it: who is
 * charged, and that the path's segments tile the root process's life exactly. */
#include <criterion/criterion.h>
#include <string.h>

#include "analyze/findings.h"
#include "model/timeline.h"
#include "base/util.h"

#define EVENTS_MAX 16
#define T0 1000  /* times in the tests count from here: 0 means "unknown" in the model */

struct sequence {
	struct run_model m;
	struct timeline_event ev[EVENTS_MAX];
	size_t n;
};

static void thread(struct sequence *s, uint32_t tid, uint32_t tgid, uint64_t start, uint64_t end)
{
	struct thread_acct a = { .tid = tid, .tgid = tgid,
				 .start_ns = T0 + start, .end_ns = T0 + end, .comm = "t" };

	model_add_thread(&s->m, &a);
}

static void event(struct sequence *s, uint64_t ts, uint32_t tid, enum timeline_type type,
		  uint32_t class, uint32_t waker)
{
	cr_assert_lt(s->n, EVENTS_MAX);
	s->ev[s->n++] = (struct timeline_event){ .ts_ns = T0 + ts, .tid = tid, .type = type,
						 .wait_class = class, .waker_tid = waker };
}

static void out(struct sequence *s, uint64_t ts, uint32_t tid, uint32_t class)
{
	event(s, ts, tid, TL_SWITCH_OUT, class, 0);
}

static void in(struct sequence *s, uint64_t ts, uint32_t tid)
{
	event(s, ts, tid, TL_SWITCH_IN, WC_ONCPU, 0);
}

static void wake(struct sequence *s, uint64_t ts, uint32_t tid, uint32_t class, uint32_t waker)
{
	event(s, ts, tid, TL_WAKEUP, class, waker);
}

/* Each test's sequence and path, set up and freed by the suite's fixtures. */
static struct sequence s;
static struct critical_path p;

static void start(void)
{
	memset(&s, 0, sizeof(s));
	model_init(&s.m);
}

static void finish(void)
{
	critical_path_free(&p);
	model_free(&s.m);
}

TestSuite(timeline, .init = start, .fini = finish);
TestSuite(critical_path, .init = start, .fini = finish);

/* Builds the timeline and the path; checks the tiling identity on the way. */
static void walk(void)
{
	uint64_t sum = 0;

	s.m.meta.root_pid = 1;
	timeline_build(&s.m, s.ev, s.n);
	cr_assert(critical_path_build(&s.m, &p));
	cr_assert_gt(p.n_segments, 0);
	cr_assert_eq(p.segments[0].start_ns, p.start_ns);
	cr_assert_eq(p.segments[p.n_segments - 1].end_ns, p.end_ns);
	for (size_t i = 0; i < p.n_segments; i++) {
		cr_assert_lt(p.segments[i].start_ns, p.segments[i].end_ns);
		if (i)
			cr_assert_eq(p.segments[i].start_ns, p.segments[i - 1].end_ns, "gap at %zu", i);
		sum += p.segments[i].end_ns - p.segments[i].start_ns;
	}
	cr_assert_eq(sum, p.end_ns - p.start_ns);
}

static uint64_t class_sum(void)
{
	uint64_t sum = 0;

	for (int c = 0; c < WC_COUNT; c++)
		sum += p.class_ns[c];
	return sum;
}

Test(timeline, intervals_tile_each_thread_life)
{
	thread(&s, 1, 1, 0, 100);
	out(&s, 10, 1, WC_LOCK);
	wake(&s, 60, 1, WC_LOCK, 2);
	in(&s, 70, 1);
	s.m.meta.root_pid = 1;
	timeline_build(&s.m, s.ev, s.n);
	cr_assert_eq(s.m.timeline.n_intervals, 4);
	cr_assert_eq(s.m.timeline.intervals[0].wait_class, WC_ONCPU);
	cr_assert_eq(s.m.timeline.intervals[1].wait_class, WC_LOCK);
	cr_assert_eq(s.m.timeline.intervals[2].wait_class, WC_RUNQUEUE);
	cr_assert_eq(s.m.timeline.intervals[3].end_ns, T0 + 100);
	cr_assert_eq(s.m.timeline.n_wakes, 1);
	cr_assert_eq(s.m.timeline.wakes[0].waker_tid, 2);
}

Test(critical_path, single_running_thread_is_all_oncpu)
{
	thread(&s, 1, 1, 0, 100);
	walk();
	cr_assert_eq(p.class_ns[WC_ONCPU], 100);
	cr_assert_eq(p.node_ns[GN_MAIN], 100);
}

/* exit_group: the main thread dies first, a sibling it killed dies after it and ends the process.
 * The path starts in that sibling and goes back to main through the wakeup that ended its wait. */
Test(critical_path, starts_in_the_thread_that_ended_the_process)
{
	thread(&s, 1, 1, 0, 90);
	thread(&s, 2, 1, 0, 100);
	out(&s, 10, 2, WC_GIL);
	wake(&s, 92, 2, WC_GIL, 1);
	in(&s, 95, 2);
	walk();
	cr_assert_eq(p.node_ns[GN_OUTSIDE], 0);
	cr_assert_eq(p.node_ns[GN_MAIN], 90);
	cr_assert_eq(p.node_ns[GN_EXECUTOR], 10);   /* running 5, runnable 3, and the 2 after main died */
	cr_assert_eq(p.class_ns[WC_ONCPU], 90 + 5);
}

/* A GIL wait the kernel ended (CPython's 5 ms timeout) is the waiter's own, not the kernel's. */
Test(critical_path, a_timed_out_gil_wait_stays_the_waiters)
{
	thread(&s, 1, 1, 0, 100);
	thread(&s, 2, 1, 0, 50);
	out(&s, 10, 1, WC_GIL);
	wake(&s, 15, 1, WC_GIL, 999);   /* not a thread of the tree, no process: an interrupt */
	in(&s, 15, 1);
	walk();
	cr_assert_eq(p.node_ns[GN_KERNEL], 0);
	cr_assert_eq(p.class_ns[WC_GIL], 5);
	cr_assert_eq(p.node_ns[GN_MAIN], 100);
}

/* A waits on a lock until B, which runs, wakes it: B's running is on the path, A's wait is not. */
Test(critical_path, a_waiting_on_b_charges_b)
{
	thread(&s, 1, 1, 0, 100);
	thread(&s, 2, 1, 0, 100);
	out(&s, 10, 1, WC_LOCK);
	wake(&s, 60, 1, WC_LOCK, 2);
	in(&s, 70, 1);
	in(&s, 5, 2);
	out(&s, 80, 2, WC_TIMER);
	walk();
	cr_assert_eq(p.class_ns[WC_ONCPU], 30 + 55);
	cr_assert_eq(p.class_ns[WC_RUNQUEUE], 10 + 5);
	cr_assert_eq(p.class_ns[WC_LOCK], 0);
	cr_assert_eq(p.node_ns[GN_MAIN], 40);
	cr_assert_eq(p.node_ns[GN_EXECUTOR], 60);
}

/* A waits on B, which waits on the disk: the disk is a pseudo node on the path. */
Test(critical_path, a_waits_b_waits_disk)
{
	thread(&s, 1, 1, 0, 100);
	thread(&s, 2, 1, 0, 90);
	out(&s, 10, 1, WC_LOCK);
	wake(&s, 80, 1, WC_LOCK, 2);
	in(&s, 80, 1);
	out(&s, 20, 2, WC_DISK);
	wake(&s, 50, 2, WC_DISK, 0);
	in(&s, 55, 2);
	walk();
	cr_assert_eq(p.class_ns[WC_DISK], 30);
	cr_assert_eq(p.node_ns[GN_DISK], 30);
	cr_assert_eq(p.class_ns[WC_ONCPU], 20 + 25 + 20);
	cr_assert_eq(p.class_ns[WC_RUNQUEUE], 5);
	cr_assert_eq(class_sum(), 100);
}

/* A sleeping thread woken by its timer: the timer carries the path through the sleep. */
Test(critical_path, timer_wait_is_charged_to_the_timer)
{
	thread(&s, 1, 1, 0, 100);
	out(&s, 40, 1, WC_TIMER);
	wake(&s, 90, 1, WC_TIMER, 4242);
	in(&s, 92, 1);
	walk();
	cr_assert_eq(p.class_ns[WC_TIMER], 50);
	cr_assert_eq(p.node_ns[GN_TIMER], 50);
	cr_assert_eq(p.class_ns[WC_ONCPU], 48);
	cr_assert_eq(p.class_ns[WC_RUNQUEUE], 2);
	cr_assert_eq(p.n_segments, 4);
}

/* A thread that waits for one born later: the path follows back to its creator. */
Test(critical_path, a_waits_on_a_child_thread)
{
	thread(&s, 1, 1, 0, 100);
	thread(&s, 2, 1, 30, 70);
	out(&s, 30, 1, WC_LOCK);
	wake(&s, 70, 1, WC_LOCK, 2);
	in(&s, 70, 1);
	in(&s, 35, 2);
	walk();
	cr_assert_eq(p.node_ns[GN_EXECUTOR], 40);
	cr_assert_eq(p.node_ns[GN_MAIN], 60);
}

/* Process PID, child of PPID (0: of no process in the tree). */
static void process(struct sequence *seq, uint32_t pid, uint32_t ppid)
{
	model_add_process(&seq->m, pid)->ppid = ppid;
}

/* A child process wakes its parent's wait4 as it dies; the wakeup is stamped on the parent's CPU
 * after the child's final switch. The path still goes into the child, from its end. */
Test(critical_path, a_waker_that_died_before_the_wakeup_is_followed)
{
	thread(&s, 1, 1, 0, 100);
	thread(&s, 2, 2, 10, 80);
	process(&s, 2, 1);
	out(&s, 10, 1, WC_CHILD);
	wake(&s, 85, 1, WC_CHILD, 2);
	in(&s, 90, 1);
	in(&s, 12, 2);
	walk();
	cr_assert_eq(p.node_ns[GN_WORKER], 70, "the child's life");
	cr_assert_eq(p.class_ns[WC_CHILD], 5, "only the wakeup's delay stays the parent's wait");
	cr_assert_eq(p.node_ns[GN_MAIN], 10 + 5 + 15);
	cr_assert_eq(p.node_ns[GN_OUTSIDE], 0);
}

/* The waker went to sleep between waking the wait and the wakeup's stamp: the path goes to it
 * where it last ran, not to whoever ends its own later sleep. */
Test(critical_path, a_waker_asleep_at_the_wakeup_is_followed_from_its_last_run)
{
	thread(&s, 1, 1, 0, 100);
	thread(&s, 2, 1, 0, 100);
	out(&s, 20, 1, WC_LOCK);
	wake(&s, 62, 1, WC_LOCK, 2);
	in(&s, 62, 1);
	in(&s, 5, 2);
	out(&s, 60, 2, WC_TIMER);
	wake(&s, 95, 2, WC_TIMER, 4242);
	walk();
	cr_assert_eq(p.node_ns[GN_EXECUTOR], 60, "thread 2 from its birth to its sleep");
	cr_assert_eq(p.node_ns[GN_TIMER], 0, "its later sleep is not on the path");
	cr_assert_eq(p.class_ns[WC_LOCK], 2);
	cr_assert_eq(p.node_ns[GN_MAIN], 2 + 38);
}

/* A traced waker that was not on a CPU while the wait lasted (it woke it before the wait began):
 * the wait is the waiting thread's own. */
Test(critical_path, a_waker_idle_during_the_wait_is_not_followed)
{
	thread(&s, 1, 1, 0, 100);
	thread(&s, 2, 1, 0, 100);
	out(&s, 40, 1, WC_LOCK);
	wake(&s, 45, 1, WC_LOCK, 2);
	in(&s, 45, 1);
	in(&s, 5, 2);
	out(&s, 30, 2, WC_LOCK);
	walk();
	cr_assert_eq(p.class_ns[WC_LOCK], 5);
	cr_assert_eq(p.node_ns[GN_MAIN], 100);
	cr_assert_eq(p.node_ns[GN_EXECUTOR], 0);
}

/* The path follows a waker whose process has no creator in the tree: only the time back to the
 * start of the wait it came from is outside, then the path goes on in the waiting thread. */
Test(critical_path, an_unknown_start_is_outside_only_back_to_the_wait)
{
	thread(&s, 1, 1, 0, 100);
	thread(&s, 5, 5, 50, 90);
	process(&s, 5, 0);
	out(&s, 30, 1, WC_PIPE);
	wake(&s, 70, 1, WC_PIPE, 5);
	in(&s, 70, 1);
	in(&s, 55, 5);
	walk();
	cr_assert_eq(p.node_ns[GN_OUTSIDE], 50 - 30);
	cr_assert_eq(p.node_ns[GN_WORKER], 70 - 50);
	cr_assert_eq(p.node_ns[GN_MAIN], 30 + 30);
}

Test(critical_path, none_without_a_timeline)
{
	thread(&s, 1, 1, 0, 100);
	s.m.meta.root_pid = 1;
	cr_assert_not(critical_path_build(&s.m, &p));
	cr_assert_eq(p.n_segments, 0);
}
