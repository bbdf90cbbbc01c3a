#include "model/timeline.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "base/util.h"

/* Arrival order is kept above the flags of each event, for the sort's tie-break (modulo 2^24). */
#define TL_ORDER_SHIFT TL_FLAG_BITS

/* Per thread, in time order; equal times keep the order the ring buffer delivered. */
static int cmp_event(const void *a, const void *b)
{
	const struct timeline_event *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->flags >> TL_ORDER_SHIFT < y->flags >> TL_ORDER_SHIFT ? -1 :
	       x->flags >> TL_ORDER_SHIFT > y->flags >> TL_ORDER_SHIFT;
}

/* The state a thread is in after transition E. */
static uint32_t state_after(const struct timeline_event *e)
{
	switch (e->type) {
	case TL_SWITCH_IN: return WC_ONCPU;
	case TL_WAKEUP:    return WC_RUNQUEUE;
	default:           return e->wait_class;
	}
}

/* The state a thread was in before its first transition E. */
static uint32_t state_before(const struct timeline_event *e)
{
	switch (e->type) {
	case TL_SWITCH_IN:  return WC_RUNQUEUE;
	case TL_SWITCH_OUT: return WC_ONCPU;
	default:            return e->wait_class;
	}
}

/* A thread that never changed state spent its life in its largest class. */
static uint32_t only_class(const struct thread_acct *a)
{
	uint32_t best = WC_ONCPU;

	for (uint32_t c = 0; c < WC_COUNT; c++)
		if (a->ns[c] > a->ns[best])
			best = c;
	return best;
}

static void add_interval(struct model_timeline *tl, uint32_t tid, uint32_t class, uint64_t from, uint64_t to)
{
	struct model_interval *iv;

	if (to <= from)
		return;
	iv = VEC_PUSH(tl->intervals, tl->n_intervals, tl->cap_intervals);
	*iv = (struct model_interval){ .tid = tid, .wait_class = class, .start_ns = from, .end_ns = to };
}

/* First of the N items of SIZE bytes, sorted by (tid, time) with those fields at TID_AT and NS_AT,
 * whose key is not below (TID, NS): one binary search for every array of the timeline. */
static size_t lower_bound(const void *items, size_t n, size_t size, size_t tid_at, size_t ns_at,
			  uint32_t tid, uint64_t ns)
{
	const char *base = items;
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t mid_tid;
		uint64_t mid_ns;

		memcpy(&mid_tid, base + mid * size + tid_at, sizeof(mid_tid));
		memcpy(&mid_ns, base + mid * size + ns_at, sizeof(mid_ns));
		if (mid_tid < tid || (mid_tid == tid && mid_ns < ns))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The intervals and wakeups of one thread, from its events EV[0..N) (all of its tid). */
static void build_thread(struct model_timeline *tl, const struct thread_acct *a,
			 const struct timeline_event *ev, size_t n)
{
	uint64_t at = a->start_ns;
	uint32_t state = WC_COUNT;
	bool woken = false;

	for (size_t i = 0; i < n; i++) {
		const struct timeline_event *e = &ev[i];

		if (e->ts_ns < a->start_ns || e->ts_ns > a->end_ns)
			continue;  /* another thread that had the same tid */
		if (state == WC_COUNT)
			state = state_before(e);
		/* the wait since a wakeup, on a CPU that was idle: the wake-up's latency */
		if (woken && e->type == TL_SWITCH_IN && (e->flags & TLF_FROM_IDLE))
			state = WC_WAKEUP;
		add_interval(tl, a->tid, state, at, e->ts_ns);
		woken = e->type == TL_WAKEUP;
		if (e->type == TL_WAKEUP) {
			struct model_wake_edge *w = VEC_PUSH(tl->wakes, tl->n_wakes, tl->cap_wakes);

			*w = (struct model_wake_edge){ .ts_ns = e->ts_ns, .waker_tid = e->waker_tid,
						       .wakee_tid = a->tid, .wait_class = e->wait_class,
						       .flags = wk_of_tl_flags(e->flags) };
		}
		state = state_after(e);
		at = e->ts_ns;
	}
	add_interval(tl, a->tid, state == WC_COUNT ? only_class(a) : state, at, a->end_ns);
}

void timeline_build(struct run_model *m, struct timeline_event *ev, size_t n)
{
	struct model_timeline *tl = &m->timeline;

	for (size_t i = 0; i < n; i++)
		ev[i].flags = (ev[i].flags & ((1u << TL_FLAG_BITS) - 1)) | (uint32_t)i << TL_ORDER_SHIFT;
	vec_sort(ev, n, sizeof(*ev), cmp_event);
	tl->recorded = true;
	for (size_t i = 0; i < m->n_threads; i++) {
		const struct thread_acct *a = &m->threads[i].acct;
		size_t from = lower_bound(ev, n, sizeof(*ev), offsetof(struct timeline_event, tid),
					  offsetof(struct timeline_event, ts_ns), a->tid, 0), to = from;

		while (to < n && ev[to].tid == a->tid)
			to++;
		build_thread(tl, a, ev + from, to - from);
	}
	model_sort(m);
}

const struct model_interval *timeline_interval_at(const struct model_timeline *tl, uint32_t tid, uint64_t t)
{
	/* a thread's intervals do not overlap: sorted by start, they are sorted by end too */
	size_t i = lower_bound(tl->intervals, tl->n_intervals, sizeof(*tl->intervals),
			       offsetof(struct model_interval, tid), offsetof(struct model_interval, end_ns), tid, t);

	if (i < tl->n_intervals && tl->intervals[i].tid == tid && tl->intervals[i].start_ns < t)
		return &tl->intervals[i];
	return NULL;
}

const struct model_interval *timeline_thread(const struct model_timeline *tl, uint32_t tid, size_t *n)
{
	size_t from = lower_bound(tl->intervals, tl->n_intervals, sizeof(*tl->intervals),
				  offsetof(struct model_interval, tid), offsetof(struct model_interval, start_ns),
				  tid, 0), to = from;

	while (to < tl->n_intervals && tl->intervals[to].tid == tid)
		to++;
	*n = to - from;
	return tl->intervals + from;
}

uint64_t timeline_last_oncpu(const struct model_timeline *tl, uint32_t tid, uint64_t t)
{
	/* back from the interval holding T, else from the last one that ends before T */
	size_t i = lower_bound(tl->intervals, tl->n_intervals, sizeof(*tl->intervals),
			       offsetof(struct model_interval, tid), offsetof(struct model_interval, end_ns), tid, t);

	if (i < tl->n_intervals && tl->intervals[i].tid == tid && tl->intervals[i].start_ns < t)
		i++;
	while (i-- > 0 && tl->intervals[i].tid == tid)
		if (tl->intervals[i].wait_class == WC_ONCPU)
			return tl->intervals[i].end_ns < t ? tl->intervals[i].end_ns : t;
	return 0;
}

const struct model_wake_edge *timeline_wake_at(const struct model_timeline *tl, uint32_t tid, uint64_t ts)
{
	size_t i = lower_bound(tl->wakes, tl->n_wakes, sizeof(*tl->wakes),
			       offsetof(struct model_wake_edge, wakee_tid), offsetof(struct model_wake_edge, ts_ns),
			       tid, ts);

	if (i < tl->n_wakes && tl->wakes[i].wakee_tid == tid && tl->wakes[i].ts_ns == ts)
		return &tl->wakes[i];
	return NULL;
}
