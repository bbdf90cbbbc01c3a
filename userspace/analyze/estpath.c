/* The critical path estimated from aggregates (estpath.h). The root's main thread carries the
 * path for its life, split as its own accounting splits it; a share spent in waits that another
 * traced thread ended is split in turn as that thread's time is, leaving out its waits that the
 * thread waiting on it ended (then it was idle for that thread: waiting for work, not working for
 * it). Waits ended outside the tree go to their pseudo node, as on a real path. Segments are laid
 * end to end: their lengths and counts mean what a real path's do, their times do not. */
#include "analyze/estpath.h"

#include <stdlib.h>
#include <string.h>
#include "analyze/roles.h"
#include "base/util.h"

#define EST_DEPTH 6           /* hand-offs followed from the root */
#define EST_MIN_SHARE 0.0005  /* shares of the root's life below this are not followed further */

struct estimate {
	const struct run_model *m;
	struct critical_path *p;
	const struct model_wakeup **edges;   /* by wakee tid */
	size_t n_edges;
	double at, min_ns;                   /* where the next segment starts; smallest part followed */
	uint32_t chain[EST_DEPTH + 1];       /* the threads being followed, root first */
};

static int cmp_wakee(const void *a, const void *b)
{
	const struct model_wakeup *x = *(const struct model_wakeup *const *)a;
	const struct model_wakeup *y = *(const struct model_wakeup *const *)b;

	return (x->k.wakee_tid > y->k.wakee_tid) - (x->k.wakee_tid < y->k.wakee_tid);
}

/* The first of E's edges whose wakee is TID. */
static size_t first_edge(const struct estimate *e, uint32_t tid)
{
	size_t lo = 0, hi = e->n_edges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->edges[mid]->k.wakee_tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void lay(struct estimate *e, uint32_t tid, enum graph_node node, uint32_t class, double ns,
		double count)
{
	uint64_t start = (uint64_t)(e->at + 0.5), end = (uint64_t)(e->at + ns + 0.5);

	e->at += ns;
	if (end <= start)
		return;
	*VEC_PUSH(e->p->segments, e->p->n_segments, e->p->cap_segments) = (struct path_segment){
		.start_ns = e->p->start_ns + start, .end_ns = e->p->start_ns + end, .tid = tid,
		.node = node, .wait_class = class, .count = count };
	e->p->class_ns[class] += end - start;
	e->p->node_ns[node] += end - start;
}

static bool in_chain(const struct estimate *e, uint32_t tid, int depth)
{
	for (int i = 0; i <= depth; i++)
		if (e->chain[i] == tid)
			return true;
	return false;
}

/* Of thread A's waits of CLASS, the share the wakeup edges account for (more edge time than class
 * time, from rounding at the ends, is scaled down). */
static double edge_fraction(const struct estimate *e, const struct thread_acct *a, uint32_t class)
{
	uint64_t ended = 0;

	for (size_t i = first_edge(e, a->tid); i < e->n_edges && e->edges[i]->k.wakee_tid == a->tid; i++)
		if (e->edges[i]->k.wakee_class == class)
			ended += e->edges[i]->s.waited_ns;
	return ended > a->ns[class] ? (double)a->ns[class] / ended : 1.0;
}

/* A's time the path may go through: all but its waits that CALLER ended. */
static double kept_ns(const struct estimate *e, const struct thread_acct *a, uint32_t caller)
{
	double ns = 0;

	for (int c = 0; c < WC_COUNT; c++)
		ns += a->ns[c];
	for (size_t i = first_edge(e, a->tid); i < e->n_edges && e->edges[i]->k.wakee_tid == a->tid; i++)
		if (caller && e->edges[i]->k.waker_tid == caller)
			ns -= e->edges[i]->s.waited_ns * edge_fraction(e, a, e->edges[i]->k.wakee_class);
	return ns > 0 ? ns : 0;
}

static void follow(struct estimate *e, const struct thread_acct *a, double budget, int depth);

/* The share SCALE of A's waits that edge W ended: to the waker when the path can follow it. */
static void lay_edge(struct estimate *e, const struct thread_acct *a, const struct model_wakeup *w,
		     double ns, int depth)
{
	enum graph_node node = waker_node(e->m, w);
	const struct thread_acct *waker = model_find_thread(e->m, w->k.waker_tid);
	double count = w->s.waited_ns ? w->s.count * ns / w->s.waited_ns : 0;

	if (node >= (enum graph_node)ROLE_COUNT)
		lay(e, 0, node, w->k.wakee_class, ns, count);
	else if (waker && waker != a && depth < EST_DEPTH && ns >= e->min_ns && !in_chain(e, waker->tid, depth))
		follow(e, waker, ns, depth + 1);
	else   /* a timed-out wait, or one the estimate does not follow: the waiter's own */
		lay(e, a->tid, (enum graph_node)thread_role(e->m, a), w->k.wakee_class, ns, count);
}

/* Lays BUDGET ns of thread A's time, split as its own accounting is, on the path. */
static void follow(struct estimate *e, const struct thread_acct *a, double budget, int depth)
{
	uint32_t caller = depth ? e->chain[depth - 1] : 0;
	double kept = kept_ns(e, a, caller), scale;
	enum graph_node role = (enum graph_node)thread_role(e->m, a);

	e->chain[depth] = a->tid;
	if (kept <= 0) {   /* nothing but waiting for its caller: the time is the caller's wait */
		lay(e, a->tid, role, WC_OTHER_SLEEP, budget, 0);
		return;
	}
	scale = budget / kept;
	for (int c = 0; c < WC_COUNT; c++) {
		double ended = 0, f = c <= WC_WAKEUP ? 0 : edge_fraction(e, a, c);

		for (size_t i = first_edge(e, a->tid); f && i < e->n_edges && e->edges[i]->k.wakee_tid == a->tid; i++) {
			const struct model_wakeup *w = e->edges[i];

			if (w->k.wakee_class != (uint32_t)c)
				continue;
			ended += w->s.waited_ns * f;
			if (!caller || w->k.waker_tid != caller)
				lay_edge(e, a, w, w->s.waited_ns * f * scale, depth);
		}
		if (a->ns[c] > ended)   /* running, or waits no wakeup ended (still waiting at the end) */
			lay(e, a->tid, role, c, (a->ns[c] - ended) * scale,
			    c == WC_ONCPU ? 0 : a->blocks[c] * (a->ns[c] - ended) / a->ns[c] * scale);
	}
}

bool critical_path_estimate(const struct run_model *m, struct critical_path *p)
{
	const struct model_process *root = model_find_process(m, m->meta.root_pid);
	const struct thread_acct *main = model_find_thread(m, m->meta.root_pid);
	struct estimate e = { .m = m, .p = p };

	memset(p, 0, sizeof(*p));
	if (!root || !main || root->end_ns <= root->start_ns)
		return false;
	p->estimated = true;
	p->start_ns = root->start_ns;
	p->end_ns = root->end_ns;
	e.min_ns = EST_MIN_SHARE * (p->end_ns - p->start_ns);
	e.edges = xcalloc(m->n_wakeups ? m->n_wakeups : 1, sizeof(*e.edges));
	for (size_t i = 0; i < m->n_wakeups; i++)
		if (m->wakeups[i].s.waited_ns)
			e.edges[e.n_edges++] = &m->wakeups[i];
	qsort(e.edges, e.n_edges, sizeof(*e.edges), cmp_wakee);
	follow(&e, main, (double)(p->end_ns - p->start_ns), 0);
	free(e.edges);
	if (p->n_segments)   /* rounding: the segments tile the root's life exactly */
		p->segments[p->n_segments - 1].end_ns = p->end_ns;
	return true;
}

bool critical_path_of(const struct run_model *m, struct critical_path *p)
{
	return critical_path_build(m, p) || critical_path_estimate(m, p);
}
