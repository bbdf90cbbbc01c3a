/* The timeline recorder (model/timeline.h): transitions kept compact while tracing, and the same
 * timeline whatever order the ring buffer delivered them in. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "base/util.h"
#include "model/timeline.h"

#define T0 7000000000000ULL

/* N transitions of 8 threads: switch-outs to a lock wait, wakeups by the next thread, switch-ins,
 * 1 to 100 us apart. */
static struct timeline_event *transitions(size_t n)
{
	struct timeline_event *ev = xcalloc(n, sizeof(*ev));
	uint64_t seed = 3, ts = T0;

	for (size_t i = 0; i < n; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		ts += 1000 + (seed >> 40) % 100000;
		ev[i] = (struct timeline_event){ .ts_ns = ts, .tid = 1000 + (i / 3) % 8,
						 .type = i % 3 == 0 ? TL_SWITCH_OUT : i % 3 == 1 ? TL_WAKEUP : TL_SWITCH_IN,
						 .wait_class = i % 3 == 2 ? 0 : WC_LOCK, .waker_tid = 1000 + (i / 3 + 1) % 8 };
	}
	return ev;
}

/* The transitions kept while tracing take under 8 bytes each (a struct timeline_event is 24). */
Test(timeline_recorder, keeps_transitions_in_under_8_bytes)
{
	struct timeline_recorder *r = timeline_recorder_new();
	size_t n = 1000000;
	struct timeline_event *ev = transitions(n);

	for (size_t i = 0; i < n; i++)
		timeline_recorder_add(r, &ev[i]);
	cr_assert_eq(timeline_recorder_events(r), n);
	cr_assert_lt((double)timeline_recorder_bytes(r) / n, 8.0, "%.2f bytes a transition",
		     (double)timeline_recorder_bytes(r) / n);
	timeline_recorder_free(r);
	free(ev);
}

static void build(struct timeline_event *ev, size_t n, struct run_model *m)
{
	model_init(m);
	for (uint32_t k = 0; k < 8; k++) {
		struct thread_acct a = { .tid = 1000 + k, .tgid = 1000, .start_ns = T0, .end_ns = UINT64_MAX / 2 };

		a.ns[WC_ONCPU] = 1;
		model_add_thread(m, &a);
	}
	timeline_build(m, ev, n);
}

/* Threads' transitions interleaved differently, and one thread's swapped in time: the same
 * intervals and wakeups. */
Test(timeline_recorder, arrival_order_does_not_change_the_timeline)
{
	size_t n = 30000;
	struct timeline_event *ev = transitions(n), *shuffled = xcalloc(n, sizeof(*shuffled));
	struct run_model a, b;

	for (size_t i = 0, at = 0; i < 8; i++)  /* thread by thread, newest thread first */
		for (size_t k = 0; k < n; k++)
			if (ev[k].tid == 1007 - i)
				shuffled[at++] = ev[k];
	for (size_t k = 0; k + 1 < n; k++)  /* and two of one thread's transitions out of time order */
		if (shuffled[k].tid == shuffled[k + 1].tid) {
			struct timeline_event t = shuffled[k];

			shuffled[k] = shuffled[k + 1];
			shuffled[k + 1] = t;
			break;
		}
	build(ev, n, &a);
	build(shuffled, n, &b);
	cr_assert_gt(a.timeline.n_intervals, n / 2);
	cr_assert_eq(a.timeline.n_intervals, b.timeline.n_intervals);
	cr_assert_eq(memcmp(a.timeline.intervals, b.timeline.intervals, a.timeline.n_intervals *
			    sizeof(*a.timeline.intervals)), 0);
	cr_assert_eq(a.timeline.n_wakes, n / 3);
	cr_assert_eq(a.timeline.n_wakes, b.timeline.n_wakes);
	for (size_t i = 0; i < a.timeline.n_wakes; i++) {
		cr_assert_eq(a.timeline.wakes[i].ts_ns, b.timeline.wakes[i].ts_ns);
		cr_assert_eq(a.timeline.wakes[i].waker_tid, b.timeline.wakes[i].waker_tid);
	}
	model_free(&a);
	model_free(&b);
	free(ev);
	free(shuffled);
}

/* Flags ride along compact: a wakeup's how (the same futex address) and a switch-in from an idle
 * CPU, which makes the wait since the wakeup the wake-up's own latency. */
Test(timeline_recorder, keeps_each_transition_s_flags)
{
	struct timeline_event ev[] = {
		{ .ts_ns = T0 + 100, .tid = 1000, .type = TL_SWITCH_OUT, .wait_class = WC_LOCK },
		{ .ts_ns = T0 + 300, .tid = 1000, .type = TL_WAKEUP, .wait_class = WC_LOCK, .waker_tid = 1001,
		  .flags = tl_wake_flags(WK_SAME_ADDR) },
		{ .ts_ns = T0 + 350, .tid = 1000, .type = TL_SWITCH_IN, .flags = TLF_FROM_IDLE },
	};
	struct run_model m;

	build(ev, 3, &m);
	cr_assert_eq(m.timeline.intervals[2].wait_class, WC_WAKEUP, "woken onto an idle CPU");
	cr_assert_eq(m.timeline.intervals[2].start_ns, T0 + 300);
	cr_assert_eq(m.timeline.intervals[3].wait_class, WC_ONCPU);
	cr_assert_eq(m.timeline.n_wakes, 1);
	cr_assert_eq(m.timeline.wakes[0].flags, WK_SAME_ADDR);
	cr_assert_eq(m.timeline.wakes[0].waker_tid, 1001);
	model_free(&m);
}
