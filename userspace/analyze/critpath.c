/* The critical path of the root process over the timeline (critpath.h; docs/explain.md). */
#include <stdlib.h>
#include <string.h>
#include "analyze/critpath.h"
#include "model/timeline.h"
#include "base/util.h"

/* Hand-offs in a row without moving back in time: more means the data loops (clock skew between
 * CPUs, lost transitions), and the time is charged where the path stands. */
#define HOPS_MAX 16

/* What the walk learnt of a thread it met: its node, whether it is traced, and where its lookups in
 * the timeline's arrays ended (timeline.h's hints). A path moves among a few threads at a time, so
 * a handful of these, the oldest replaced first, spare a scan of the threads and a search of the
 * timeline at nearly every step (a ping-pong's path changes thread at every interval). */
#define MEMO_THREADS 8
struct thread_memo {
	uint32_t tid;
	bool used, traced;
	enum graph_node node;
	size_t interval, wake;
};

/* The node that ended waits of one kind (waker, wakee, class, how it woke), memoised the same way. */
#define MEMO_ENDERS 64
struct ender_memo {
	uint32_t waker, wakee, class, flags;
	bool used;
	enum graph_node node;
};

/* Where the walk stands: thread TID at instant T, walking towards START. WAITER is the thread
 * whose wait, begun at WAITED_FROM, the path last left for its waker (0 once the path is earlier). */
struct walk {
	const struct run_model *m;
	struct critical_path *p;
	uint32_t tid, waiter;
	uint64_t t, waited_from;
	int hops;
	struct thread_memo threads[MEMO_THREADS];
	size_t next_memo;
	struct ender_memo enders[MEMO_ENDERS];
};

/* Charges [FROM, w->t) to NODE (thread TID, or pseudo when 0) in CLASS, and moves back to FROM. */
static void charge(struct walk *w, uint64_t from, uint32_t tid, enum graph_node node, uint32_t class)
{
	struct critical_path *p = w->p;
	struct path_segment *last = p->n_segments ? &p->segments[p->n_segments - 1] : NULL;

	p->class_ns[class] += w->t - from;
	p->node_ns[node] += w->t - from;
	/* walking backwards: a segment like the one just charged only grows towards the start */
	if (last && last->tid == tid && last->node == node && last->wait_class == class && last->start_ns == w->t) {
		last->start_ns = from;
		last->count++;
	} else {
		*VEC_PUSH(p->segments, p->n_segments, p->cap_segments) = (struct path_segment){
			.start_ns = from, .end_ns = w->t, .tid = tid, .node = node, .wait_class = class,
			.count = 1 };
	}
	w->t = from;
	w->hops = 0;
	if (from < w->waited_from)
		w->waiter = 0;
}

/* What the walk knows of thread TID, learnt now when new. */
static struct thread_memo *memo_of(struct walk *w, uint32_t tid)
{
	struct thread_memo *t;
	const struct thread_acct *a;

	for (size_t i = 0; i < MEMO_THREADS; i++)
		if (w->threads[i].used && w->threads[i].tid == tid)
			return &w->threads[i];
	t = &w->threads[w->next_memo++ % MEMO_THREADS];
	a = model_find_thread(w->m, tid);
	*t = (struct thread_memo){ .tid = tid, .used = true, .traced = a, .node = a ? (enum graph_node)thread_role(w->m, a) : GN_OUTSIDE,
				   .interval = SIZE_MAX, .wake = SIZE_MAX };
	return t;
}

static enum graph_node role_node(struct walk *w, uint32_t tid)
{
	return memo_of(w, tid)->node;
}

/* Who made thread TID: the thread that cloned it; in reports before that was recorded, its
 * process's main thread, or for a main thread its parent process's. */
static uint32_t creator_of(const struct run_model *m, uint32_t tid)
{
	const struct thread_acct *a = model_find_thread(m, tid);
	const struct model_process *p;

	if (!a)
		return 0;
	if (a->creator_tid && model_find_thread(m, a->creator_tid))
		return a->creator_tid;   /* the very thread that cloned it (reports before it: below) */
	if (a->tid != a->tgid)
		return a->tgid;
	p = model_find_process(m, a->tgid);
	return p && model_find_thread(m, p->ppid) ? p->ppid : 0;
}

/* The node that ended TID's wait of CLASS at E (its waker's aggregate gives the waker's process;
 * the wakeup itself how it woke). */
static enum graph_node ender_of(struct walk *w, const struct model_wake_edge *e)
{
	const struct run_model *m = w->m;
	struct model_wakeup key = { .k = { .waker_tid = e->waker_tid, .wakee_tid = e->wakee_tid,
					   .wakee_class = e->wait_class, .waker_nr = SYSCALL_NONE,
					   .flags = e->flags } };
	struct ender_memo *memo = &w->enders[(e->waker_tid * 31 + e->wakee_tid * 7 + e->wait_class * 3 + e->flags) %
					     MEMO_ENDERS];
	const struct thread_acct *waker;

	if (memo->used && memo->waker == e->waker_tid && memo->wakee == e->wakee_tid && memo->class == e->wait_class &&
	    memo->flags == e->flags)
		return memo->node;
	waker = model_find_thread(m, e->waker_tid);
	for (size_t i = 0; i < m->n_wakeups; i++) {
		const struct wakeup_key *k = &m->wakeups[i].k;

		if (k->waker_tid == e->waker_tid && k->wakee_tid == e->wakee_tid && k->wakee_class == e->wait_class)
			key.s = m->wakeups[i].s;
	}
	if (waker)
		key.s.waker_tgid = waker->tgid;
	*memo = (struct ender_memo){ e->waker_tid, e->wakee_tid, e->wait_class, e->flags, true, waker_node(m, &key) };
	return memo->node;
}

/* The path cannot say who made it reach W->t in W->tid: the time back to the start of the wait it
 * last followed a waker from (or to START) is charged to outside, and the walk goes on in that
 * waiting thread. */
static void charge_unknown(struct walk *w, uint64_t start)
{
	uint32_t waiter = w->waiter;

	charge(w, waiter && w->waited_from > start ? w->waited_from : start, 0, GN_OUTSIDE, WC_OTHER_SLEEP);
	if (waiter)
		w->tid = waiter;
	w->waiter = 0;
}

/* Thread W->tid's wait of CLASS, begun at FROM, ended at W->t by traced WAKER. The waker was on a
 * CPU when it called try_to_wake_up; the wakeup is stamped later on the wakee's CPU, and by then the
 * waker may have gone to sleep or died (a dying thread wakes its parent's wait4, its joiners and the
 * readers of its pipes before its final switch). So the path goes to the end of the waker's last
 * on-CPU interval, the gap staying the waiting thread's wait; a waker not on a CPU since the wait
 * began did not hold it up. */
static void hand_off(struct walk *w, uint32_t waker, uint64_t from, uint32_t class)
{
	uint64_t ran = timeline_last_oncpu(&w->m->timeline, waker, w->t, &memo_of(w, waker)->interval);
	enum graph_node waiting = role_node(w, w->tid);

	if (ran <= from || w->hops++ >= HOPS_MAX) {
		charge(w, from, w->tid, waiting, class);
		return;
	}
	if (ran < w->t)
		charge(w, ran, w->tid, waiting, class);
	w->waiter = w->tid;
	w->waited_from = from;
	w->tid = waker;
}

/* One step back from W->t in thread W->tid's state at that instant. */
static void step(struct walk *w, uint64_t start)
{
	struct thread_memo *memo = memo_of(w, w->tid);
	const struct model_interval *iv = timeline_interval_at(&w->m->timeline, w->tid, w->t, &memo->interval);
	const struct model_wake_edge *e;
	uint64_t from;
	enum graph_node node;

	if (!iv) {  /* not born yet: its creator carried the path */
		uint32_t creator = creator_of(w->m, w->tid);

		if (creator && w->hops++ < HOPS_MAX)
			w->tid = creator;
		else
			charge_unknown(w, start);
		return;
	}
	from = iv->start_ns > start ? iv->start_ns : start;
	e = iv->wait_class == WC_ONCPU || iv->wait_class == WC_RUNQUEUE ? NULL :
	    timeline_wake_at(&w->m->timeline, w->tid, iv->end_ns, &memo->wake);
	node = e ? ender_of(w, e) : memo->node;
	/* running, or no other traced thread ended it (a timed-out lock wait is the waiter's own) */
	if (!e || (node < (enum graph_node)ROLE_COUNT &&
		   (e->waker_tid == w->tid || !memo_of(w, e->waker_tid)->traced)))
		charge(w, from, w->tid, node, iv->wait_class);
	else if (node >= (enum graph_node)ROLE_COUNT)
		charge(w, from, 0, node, iv->wait_class);
	else if (w->t == iv->end_ns)
		hand_off(w, e->waker_tid, from, iv->wait_class);
	else if (w->hops++ < HOPS_MAX)  /* the middle of the wait: the waker, whatever it does now */
		w->tid = e->waker_tid;
	else
		charge(w, from, w->tid, role_node(w, w->tid), iv->wait_class);
}

static void reverse_segments(struct critical_path *p)
{
	for (size_t i = 0, j = p->n_segments; i + 1 < j; i++, j--) {
		struct path_segment s = p->segments[i];

		p->segments[i] = p->segments[j - 1];
		p->segments[j - 1] = s;
	}
}

/* The thread of process PID that ended last (its main thread on a tie): the process ends with it.
 * exit_group ends the main thread first; the others die when next scheduled, after it. */
static uint32_t last_to_end(const struct run_model *m, uint32_t pid)
{
	const struct thread_acct *main = model_find_thread(m, pid), *last = main;

	for (size_t i = 0; i < m->n_threads; i++) {
		const struct thread_acct *a = &m->threads[i].acct;

		if (a->tgid == pid && (!last || a->end_ns > last->end_ns))
			last = a;
	}
	return last ? last->tid : pid;
}

bool critical_path_build(const struct run_model *m, struct critical_path *p)
{
	const struct model_process *root = model_find_process(m, m->meta.root_pid);
	struct walk w = { .m = m, .p = p, .tid = last_to_end(m, m->meta.root_pid) };

	memset(p, 0, sizeof(*p));
	if (!m->timeline.recorded || !root || root->end_ns <= root->start_ns)
		return false;
	/* room for a segment per interval and wakeup, which the path hardly exceeds: calloc's fresh
	 * pages cost only as they are used, where a growing array would clear every doubling */
	p->cap_segments = m->timeline.n_intervals + m->timeline.n_wakes + 64;
	p->segments = xcalloc(p->cap_segments, sizeof(*p->segments));
	p->start_ns = root->start_ns;
	p->end_ns = w.t = root->end_ns;
	while (w.t > p->start_ns)
		step(&w, p->start_ns);
	reverse_segments(p);
	critical_path_cells(p, &p->cells, &p->n_cells);
	p->cap_cells = p->n_cells;
	return true;
}

void critical_path_cells(const struct critical_path *p, struct path_cell **cells, size_t *n)
{
	size_t cap = 0;
	uint32_t thread = 0;
	enum graph_node thread_node = GN_OUTSIDE;

	*cells = NULL;
	*n = 0;
	for (size_t i = 0; i < p->n_segments; i++) {
		const struct path_segment *seg = &p->segments[i];
		struct path_cell *c = NULL;

		if (seg->tid) {
			thread = seg->tid;
			thread_node = (enum graph_node)seg->node;
		}
		/* few cells, and consecutive segments mostly share one: a scan from the last is short */
		for (size_t k = *n; k-- > 0 && !c;)
			if ((*cells)[k].tid == thread && (*cells)[k].node == seg->node &&
			    (*cells)[k].thread_node == thread_node && (*cells)[k].wait_class == seg->wait_class)
				c = &(*cells)[k];
		if (!c) {
			c = VEC_PUSH(*cells, *n, cap);
			*c = (struct path_cell){ .tid = thread, .node = seg->node, .thread_node = thread_node,
						 .wait_class = seg->wait_class };
		}
		c->ns += seg->end_ns - seg->start_ns;
		c->count += seg->count;
	}
}

void critical_path_free(struct critical_path *p)
{
	free(p->segments);
	free(p->cells);
	memset(p, 0, sizeof(*p));
}

/* Path time per thread, heaviest first. */
static json_t *threads_json(const struct run_model *m, const struct critical_path *p)
{
	json_t *threads = json_array();
	uint64_t *ns = xcalloc(m->n_threads, sizeof(*ns));
	size_t *order = xcalloc(m->n_threads, sizeof(*order)), n = 0;

	for (size_t s = 0; s < p->n_segments; s++)
		for (size_t i = 0; i < m->n_threads && p->segments[s].tid; i++)
			if (m->threads[i].acct.tid == p->segments[s].tid)
				ns[i] += p->segments[s].end_ns - p->segments[s].start_ns;
	for (size_t i = 0; i < m->n_threads; i++) {
		size_t at = n++;

		for (; at > 0 && ns[order[at - 1]] < ns[i]; at--)  /* insertion: heaviest first */
			order[at] = order[at - 1];
		order[at] = i;
	}
	for (size_t k = 0; k < n && ns[order[k]]; k++) {
		const struct thread_acct *a = &m->threads[order[k]].acct;

		json_array_append_new(threads, json_pack("{sI ss ss sI}", "tid", (json_int_t)a->tid,
			"comm", a->comm, "role", graph_node_names[thread_role(m, a)], "ns", (json_int_t)ns[order[k]]));
	}
	free(ns);
	free(order);
	return threads;
}

/* The path's extent and who carried it (its split by class and node is in the decomposition). Its
 * segments, as many as the timeline has intervals in a busy run, are not written: trace.perfetto
 * shows them as a track, and any reader rebuilds them from the timeline. */
json_t *critical_path_json(const struct run_model *m, const struct critical_path *p)
{
	return json_pack("{sI sI so sI}", "start_ns", (json_int_t)p->start_ns, "end_ns", (json_int_t)p->end_ns,
			 "threads", threads_json(m, p), "segments", (json_int_t)p->n_segments);
}
