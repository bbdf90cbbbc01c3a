#include "model/timeline.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "base/progress.h"
#include "base/util.h"
#include "base/varint.h"

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

/* Whether item I of ITEMS (SIZE bytes each, sorted by (tid, time) with those fields at TID_AT and
 * NS_AT) has a key below (TID, NS). */
static bool key_below(const char *items, size_t i, size_t size, size_t tid_at, size_t ns_at, uint32_t tid,
		      uint64_t ns)
{
	uint32_t item_tid;
	uint64_t item_ns;

	memcpy(&item_tid, items + i * size + tid_at, sizeof(item_tid));
	memcpy(&item_ns, items + i * size + ns_at, sizeof(item_ns));
	return item_tid < tid || (item_tid == tid && item_ns < ns);
}

/* Steps a walk may take from its hint before it searches. */
#define HINT_STEPS 8

/* First of the N items whose key is not below (TID, NS): one binary search for every array of the
 * timeline. HINT, when not NULL, is where the last search of the walk ended (SIZE_MAX: none) and
 * is updated: a walk that moves a few items at a time finds the next within HINT_STEPS of it. */
static size_t lower_bound(const void *items, size_t n, size_t size, size_t tid_at, size_t ns_at,
			  uint32_t tid, uint64_t ns, size_t *hint)
{
	const char *base = items;
	size_t lo = 0, hi = n;

	if (hint && *hint <= n) {
		size_t h = *hint;

		for (int k = 0; k < HINT_STEPS && h < n && key_below(base, h, size, tid_at, ns_at, tid, ns); k++)
			h++;
		for (int k = 0; k < HINT_STEPS && h > 0 && !key_below(base, h - 1, size, tid_at, ns_at, tid, ns); k++)
			h--;
		if ((h == n || !key_below(base, h, size, tid_at, ns_at, tid, ns)) &&
		    (h == 0 || key_below(base, h - 1, size, tid_at, ns_at, tid, ns)))
			return *hint = h;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_below(base, mid, size, tid_at, ns_at, tid, ns))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (hint)
		*hint = lo;
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

/* The transitions of one thread id while tracing: each a zigzag varint of its time since the one
 * before (the ring buffer's order is nearly, not quite, time order), a byte of type and class, a
 * byte of flags when there are any, and for a wakeup the waker's tid as a zigzag varint relative
 * to the wakee's: 4-7 bytes instead of the 24 of a struct timeline_event. KEY is the tid + 1 (0: an
 * empty slot of the table). */
struct tid_stream {
	uint32_t key, n_events;
	uint64_t last_ts;
	uint8_t *bytes;
	size_t len, cap;
};

struct timeline_recorder {
	struct tid_stream *slots;  /* open addressing on the tid */
	size_t mask, used;
	uint64_t n_events, n_wakeups;
	struct tid_stream *last;   /* the stream of the last event: events of one thread come in runs */
};

_Static_assert(WC_COUNT <= 16, "a transition packs its class in four bits");
#define HAS_FLAGS 0x40  /* in the type byte: a byte of the event's flags follows */

struct timeline_recorder *timeline_recorder_new(void)
{
	struct timeline_recorder *r = xcalloc(1, sizeof(*r));

	r->mask = 255;
	r->slots = xcalloc(r->mask + 1, sizeof(*r->slots));
	return r;
}

void timeline_recorder_free(struct timeline_recorder *r)
{
	if (!r)
		return;
	for (size_t i = 0; i <= r->mask; i++)
		free(r->slots[i].bytes);
	free(r->slots);
	free(r);
}

static size_t tid_slot(uint32_t tid, size_t mask)
{
	return (tid * 0x9e3779b1u) & mask;
}

static struct tid_stream *find_stream(const struct timeline_recorder *r, uint32_t tid)
{
	for (size_t i = tid_slot(tid, r->mask); r->slots[i].key; i = (i + 1) & r->mask)
		if (r->slots[i].key == tid + 1)
			return &r->slots[i];
	return NULL;
}

/* The stream of TID, added when new; the table doubles to stay at most half full. */
static struct tid_stream *stream_of(struct timeline_recorder *r, uint32_t tid)
{
	struct tid_stream *s = find_stream(r, tid);
	size_t i;

	if (s)
		return s;
	if (++r->used * 2 > r->mask) {
		struct tid_stream *old = r->slots;
		size_t old_n = r->mask + 1;

		r->mask = old_n * 2 - 1;
		r->slots = xcalloc(old_n * 2, sizeof(*r->slots));
		for (size_t k = 0; k < old_n; k++) {
			for (i = tid_slot(old[k].key - 1, r->mask); old[k].key && r->slots[i].key; i = (i + 1) & r->mask)
				;
			if (old[k].key)
				r->slots[i] = old[k];
		}
		free(old);
	}
	for (i = tid_slot(tid, r->mask); r->slots[i].key; i = (i + 1) & r->mask)
		;
	r->slots[i].key = tid + 1;
	return &r->slots[i];
}

void timeline_recorder_add(struct timeline_recorder *r, const struct timeline_event *e)
{
	uint8_t flags = e->flags & ((1u << TL_FLAG_BITS) - 1), *p;
	struct tid_stream *s;

	if (e->type < TL_SWITCH_IN || e->type > TL_WAKEUP || e->wait_class >= WC_COUNT || e->tid == UINT32_MAX)
		return;  /* not a transition the builder knows */
	/* LAST, not looked up: a grown table moves every stream, and LAST is set again below */
	s = r->last && r->last->key == e->tid + 1 ? r->last : stream_of(r, e->tid);
	if (s->cap - s->len < 3 * VARINT_MAX) {
		/* by a quarter, not double: a long stream's unused room stays an eighth on average
		 * (large blocks are remapped by realloc, not copied) */
		s->cap = s->cap < 4096 ? (s->cap ? s->cap * 2 : 64) : s->cap + s->cap / 4;
		s->bytes = realloc(s->bytes, s->cap);
		if (!s->bytes) {
			errmsg("out of memory");
			exit(1);
		}
	}
	p = varint_put(s->bytes + s->len, zigzag((int64_t)(e->ts_ns - s->last_ts)));
	*p++ = (flags ? HAS_FLAGS : 0) | e->type << 4 | e->wait_class;
	if (flags)
		*p++ = flags;
	if (e->type == TL_WAKEUP) {
		p = varint_put(p, zigzag((int64_t)e->waker_tid - (int64_t)e->tid));
		r->n_wakeups++;
	}
	s->len = p - s->bytes;
	s->last_ts = e->ts_ns;
	s->n_events++;
	r->n_events++;
	r->last = s;
}

uint64_t timeline_recorder_events(const struct timeline_recorder *r)
{
	return r->n_events;
}

size_t timeline_recorder_bytes(const struct timeline_recorder *r)
{
	size_t n = (r->mask + 1) * sizeof(*r->slots);

	for (size_t i = 0; i <= r->mask; i++)
		n += r->slots[i].cap;
	return n;
}

/* Decodes S's events into EV (room for S->n_events) in time order; returns how many. */
static size_t decode_stream(const struct tid_stream *s, struct timeline_event *ev)
{
	const uint8_t *p = s->bytes, *end = s->bytes + s->len;
	uint64_t ts = 0, v;
	bool sorted = true;
	size_t n = 0;

	while (p < end && n < s->n_events && varint_get(&p, end, &v) && p < end) {
		struct timeline_event *e = &ev[n];

		ts += (uint64_t)unzigzag(v);
		*e = (struct timeline_event){ .ts_ns = ts, .tid = s->key - 1, .type = *p >> 4 & 3,
					      .wait_class = *p & 15, .flags = (uint32_t)n << TL_ORDER_SHIFT };
		if (*p++ & HAS_FLAGS && p < end)
			e->flags |= *p++;
		if (e->type == TL_WAKEUP) {
			if (!varint_get(&p, end, &v))
				break;
			e->waker_tid = (uint32_t)((int64_t)e->tid + unzigzag(v));
		}
		sorted = sorted && (!n || ev[n - 1].ts_ns <= ts);
		n++;
	}
	if (!sorted)
		vec_sort(ev, n, sizeof(*ev), cmp_event);
	return n;
}

void timeline_recorder_build(struct timeline_recorder *r, struct run_model *m)
{
	struct model_timeline *tl = &m->timeline;
	struct thread_index by_tid;
	size_t *order, cap_ev = 0;
	struct timeline_event *ev = NULL;

	thread_index_build(&by_tid, m);  /* the order of the timeline's arrays */
	order = by_tid.order;
	/* each transition ends at most one interval, and each thread has one more */
	tl->recorded = true;
	tl->cap_intervals = r->n_events + m->n_threads;
	tl->intervals = xcalloc(tl->cap_intervals, sizeof(*tl->intervals));
	tl->cap_wakes = r->n_wakeups;
	tl->wakes = xcalloc(tl->cap_wakes, sizeof(*tl->wakes));
	for (size_t k = 0; k < m->n_threads; k++) {
		const struct thread_acct *a = &m->threads[order[k]].acct;
		struct tid_stream *s = find_stream(r, a->tid);
		size_t n = 0;

		if (s && s->n_events > cap_ev) {
			cap_ev = s->n_events;
			free(ev);
			ev = xcalloc(cap_ev, sizeof(*ev));
		}
		if (s)
			n = decode_stream(s, ev);
		build_thread(tl, a, ev, n);
		progress_update("building the timeline", tl->n_intervals, tl->cap_intervals);
		/* a tid used again by a later thread keeps its stream until that thread is built */
		if (s && (k + 1 == m->n_threads || m->threads[order[k + 1]].acct.tid != a->tid)) {
			free(s->bytes);
			*s = (struct tid_stream){ .key = s->key };
		}
	}
	free(ev);
	thread_index_free(&by_tid);
	model_sort(m);
}

void timeline_build(struct run_model *m, struct timeline_event *ev, size_t n)
{
	struct timeline_recorder *r = timeline_recorder_new();

	for (size_t i = 0; i < n; i++)
		timeline_recorder_add(r, &ev[i]);
	timeline_recorder_build(r, m);
	timeline_recorder_free(r);
}

const struct model_interval *timeline_interval_at(const struct model_timeline *tl, uint32_t tid, uint64_t t,
						 size_t *hint)
{
	/* a thread's intervals do not overlap: sorted by start, they are sorted by end too */
	size_t i = lower_bound(tl->intervals, tl->n_intervals, sizeof(*tl->intervals),
			       offsetof(struct model_interval, tid), offsetof(struct model_interval, end_ns), tid, t, hint);

	if (i < tl->n_intervals && tl->intervals[i].tid == tid && tl->intervals[i].start_ns < t)
		return &tl->intervals[i];
	return NULL;
}

const struct model_interval *timeline_thread(const struct model_timeline *tl, uint32_t tid, size_t *n)
{
	size_t from = lower_bound(tl->intervals, tl->n_intervals, sizeof(*tl->intervals),
				  offsetof(struct model_interval, tid), offsetof(struct model_interval, start_ns),
				  tid, 0, NULL), to = from;

	while (to < tl->n_intervals && tl->intervals[to].tid == tid)
		to++;
	*n = to - from;
	return tl->intervals + from;
}

uint64_t timeline_last_oncpu(const struct model_timeline *tl, uint32_t tid, uint64_t t, size_t *hint)
{
	/* back from the interval holding T, else from the last one that ends before T */
	size_t i = lower_bound(tl->intervals, tl->n_intervals, sizeof(*tl->intervals),
			       offsetof(struct model_interval, tid), offsetof(struct model_interval, end_ns), tid, t, hint);

	if (i < tl->n_intervals && tl->intervals[i].tid == tid && tl->intervals[i].start_ns < t)
		i++;
	while (i-- > 0 && tl->intervals[i].tid == tid)
		if (tl->intervals[i].wait_class == WC_ONCPU)
			return tl->intervals[i].end_ns < t ? tl->intervals[i].end_ns : t;
	return 0;
}

const struct model_wake_edge *timeline_wake_at(const struct model_timeline *tl, uint32_t tid, uint64_t ts,
					       size_t *hint)
{
	size_t i = lower_bound(tl->wakes, tl->n_wakes, sizeof(*tl->wakes),
			       offsetof(struct model_wake_edge, wakee_tid), offsetof(struct model_wake_edge, ts_ns),
			       tid, ts, hint);

	if (i < tl->n_wakes && tl->wakes[i].wakee_tid == tid && tl->wakes[i].ts_ns == ts)
		return &tl->wakes[i];
	return NULL;
}

size_t timeline_intervals_from(const struct model_timeline *tl, uint32_t tid, uint64_t from_ns)
{
	return lower_bound(tl->intervals, tl->n_intervals, sizeof(*tl->intervals),
			   offsetof(struct model_interval, tid), offsetof(struct model_interval, start_ns), tid, from_ns,
			   NULL);
}

size_t timeline_wakes_from(const struct model_timeline *tl, uint32_t tid, uint64_t from_ns)
{
	return lower_bound(tl->wakes, tl->n_wakes, sizeof(*tl->wakes), offsetof(struct model_wake_edge, wakee_tid),
			   offsetof(struct model_wake_edge, ts_ns), tid, from_ns, NULL);
}
