/* Named findings computed from a run's decomposition, wait-for graph and threads (findings.h), each
 * with its evidence figures, ranked by the wall time it explains. docs/explain.md is the table. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/account.h"
#include "model/classify.h"
#include "analyze/findings.h"
#include "analyze/thresholds.h"
#include "base/util.h"

static void evidence(struct finding *f, const char *name, double value)
{
	if (f->n_evidence < EVIDENCE_MAX)
		f->evidence[f->n_evidence++] = (struct evidence){ name, value };
}

static void say(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

/* Wall time NS of thread time stands for: thread time divided by the mean number of live threads. */
static double wall_share_s(const struct decomposition *d, uint64_t ns)
{
	return ns_to_s(d->wall_ns) * share(ns, d->thread_ns);
}

static double life_share(const struct thread_acct *a, int class)
{
	return share(a->ns[class], thread_lifetime(a));
}

/* The thread with the most on-CPU time (NULL when there is none), optionally of one role only. */
static const struct thread_acct *busiest_thread(const struct run_model *m, int role)
{
	const struct thread_acct *best = NULL;

	for (size_t i = 0; i < m->n_threads; i++) {
		const struct thread_acct *a = &m->threads[i].acct;

		if ((role < 0 || thread_role(m, a) == (enum role)role) &&
		    (!best || a->ns[WC_ONCPU] > best->ns[WC_ONCPU]))
			best = a;
	}
	return best;
}

/* Waits that hold a thread off its work by the thread's own doing: every wait but the loop's idle
 * selector and the futexes of locks and the GIL, where other threads hold it. */
#define BLOCKING_WAITS (ALL_CLASSES & ~(CLASS_BIT(WC_ONCPU) | CLASS_BIT(WC_RUNQUEUE) | \
	CLASS_BIT(WC_LOOP_IDLE) | CLASS_BIT(WC_LOCK) | CLASS_BIT(WC_GIL)))

static uint64_t class_sum(const struct thread_acct *a, uint32_t classes)
{
	uint64_t ns = 0;

	for (int c = 0; c < WC_COUNT; c++)
		if (classes & CLASS_BIT(c))
			ns += a->ns[c];
	return ns;
}

/* The heaviest of CLASSES in A's time, -1 when none has any. */
static int top_class(const struct thread_acct *a, uint32_t classes)
{
	int best = -1;

	for (int c = 0; c < WC_COUNT; c++)
		if ((classes & CLASS_BIT(c)) && a->ns[c] && (best < 0 || a->ns[c] > a->ns[best]))
			best = c;
	return best;
}

/* The loop can run no other callback while one runs on a CPU or blocks outside the selector. */
static bool loop_blocked(const struct run_model *m, const struct explanation *e, struct finding *f)
{
	const struct thread_acct *loop = busiest_thread(m, ROLE_LOOP);
	uint64_t waits_ns, blocked_ns;
	int top;

	(void)e;
	if (!loop)
		return false;
	waits_ns = class_sum(loop, BLOCKING_WAITS);
	blocked_ns = loop->ns[WC_ONCPU] + waits_ns;
	top = top_class(loop, BLOCKING_WAITS);
	if (share(blocked_ns, thread_lifetime(loop)) < explain_th.loop_blocked_share ||
	    life_share(loop, WC_LOOP_IDLE) > explain_th.loop_blocked_idle)
		return false;
	f->explained_s = ns_to_s(blocked_ns);
	f->scope = (struct path_scope){ .tid = loop->tid,
					.classes = CLASS_BIT(WC_ONCPU) | BLOCKING_WAITS };
	evidence(f, "loop_blocked_share", share(blocked_ns, thread_lifetime(loop)));
	evidence(f, "loop_oncpu_s", ns_to_s(loop->ns[WC_ONCPU]));
	evidence(f, "loop_blocking_wait_s", ns_to_s(waits_ns));
	evidence(f, "loop_idle_share", life_share(loop, WC_LOOP_IDLE));
	say(f, "The event loop (thread %u) was held %.0f%% of its life: %.2f s on a CPU and %.2f s in "
	    "blocking waits outside its selector (mostly %s), idle in the loop only %.1f%%: callbacks "
	    "that block or never await kept every other task waiting.", loop->tid,
	    100 * share(blocked_ns, thread_lifetime(loop)), ns_to_s(loop->ns[WC_ONCPU]),
	    ns_to_s(waits_ns), top < 0 ? "none" : wait_classes[top].name,
	    100 * life_share(loop, WC_LOOP_IDLE));
	return true;
}

/* Time other threads waited until thread TID woke them, but for waits on a child's exit: a parent
 * that runs a program and waits for it created no concurrency. */
static uint64_t waited_for(const struct run_model *m, uint32_t tid)
{
	uint64_t ns = 0;

	for (size_t i = 0; i < m->n_wakeups; i++) {
		const struct model_wakeup *w = &m->wakeups[i];

		if (w->k.waker_tid == tid && w->k.wakee_tid != tid && w->k.wakee_class != WC_CHILD &&
		    model_find_thread(m, w->k.wakee_tid))
			ns += w->s.waited_ns;
	}
	return ns;
}

/* The program made a pool (threads or processes) and handed it work, but one member did it all
 * while the others, the root's main thread among them, waited for that member. */
static bool no_concurrency(const struct run_model *m, const struct explanation *e, struct finding *f)
{
	const struct thread_acct *top = busiest_thread(m, -1), *root = model_find_thread(m, m->meta.root_pid);
	uint64_t created_oncpu = e->d.class_ns[WC_ONCPU] - (root ? root->ns[WC_ONCPU] : 0), waited;
	double top_share;

	if (!top || top == root || e->d.cpus_busy > explain_th.no_concurrency_cpus)
		return false;
	top_share = share(top->ns[WC_ONCPU], created_oncpu);
	waited = waited_for(m, top->tid);
	if (top_share < explain_th.no_concurrency_top ||
	    share(waited, thread_lifetime(top)) < explain_th.no_concurrency_waited)
		return false;
	f->explained_s = ns_to_s(top->ns[WC_ONCPU]);
	f->scope = (struct path_scope){ .tid = top->tid, .classes = ALL_CLASSES };
	evidence(f, "top_thread_oncpu_share", top_share);
	evidence(f, "others_waited_s", ns_to_s(waited));
	evidence(f, "cpus_busy", e->d.cpus_busy);
	evidence(f, "threads", (double)m->n_threads);
	say(f, "No concurrency: the run made %zu threads besides its main thread, but thread %u (%s) did "
	    "%.0f%% of their on-CPU time while the others waited %.2f s for it; the run kept %.2f of %d "
	    "CPUs busy.", m->n_threads - (root != NULL), top->tid, graph_node_names[thread_role(m, top)],
	    100 * top_share, ns_to_s(waited), e->d.cpus_busy, e->d.ncpus);
	return true;
}

static bool cpu_bound_single_thread(const struct run_model *m, const struct explanation *e,
				    struct finding *f)
{
	const struct thread_acct *top = busiest_thread(m, -1);

	if (!top || life_share(top, WC_ONCPU) < explain_th.single_thread_oncpu ||
	    e->d.cpus_busy >= explain_th.single_thread_cpus * e->d.ncpus)
		return false;
	f->explained_s = ns_to_s(top->ns[WC_ONCPU]);
	f->scope = (struct path_scope){ .tid = top->tid, .classes = CLASS_BIT(WC_ONCPU) | CLASS_BIT(WC_RUNQUEUE) };
	evidence(f, "thread_oncpu_share", life_share(top, WC_ONCPU));
	evidence(f, "thread_oncpu_s", ns_to_s(top->ns[WC_ONCPU]));
	evidence(f, "cpus_busy", e->d.cpus_busy);
	say(f, "One thread is CPU-bound: thread %u (%s) was on a CPU %.0f%% of its %.2f s life while the "
	    "run kept only %.2f of %d CPUs busy.", top->tid, graph_node_names[thread_role(m, top)],
	    100 * life_share(top, WC_ONCPU), ns_to_s(thread_lifetime(top)), e->d.cpus_busy, e->d.ncpus);
	return true;
}

/* The tree's own threads wanted more CPUs than the machine has, whatever other processes took. */
static bool runqueue_saturation(const struct run_model *m, const struct explanation *e,
				struct finding *f)
{
	const struct decomposition *d = &e->d;
	double wanting = d->cpus_busy + d->runnable;

	(void)m;
	if (wanting < d->ncpus + explain_th.runqueue_excess)
		return false;
	f->explained_s = wall_share_s(d, d->class_ns[WC_ONCPU] + d->class_ns[WC_RUNQUEUE]);
	f->scope.classes = CLASS_BIT(WC_ONCPU) | CLASS_BIT(WC_RUNQUEUE);
	evidence(f, "threads_wanting_cpu", wanting);
	evidence(f, "runnable_threads", d->runnable);
	evidence(f, "cpus_busy", d->cpus_busy);
	evidence(f, "runqueue_share", share(d->class_ns[WC_RUNQUEUE], d->thread_ns));
	say(f, "More threads wanted a CPU than there are: on average %.2f threads were running or runnable "
	    "for %d CPUs (%.2f running, %.2f waiting in the run queue: %.0f%% of thread time).", wanting,
	    d->ncpus, d->cpus_busy, d->runnable, 100 * share(d->class_ns[WC_RUNQUEUE], d->thread_ns));
	return true;
}

/* Threads waited for CPUs the tree itself did not keep busy: other processes held them. */
static bool cpu_contention(const struct run_model *m, const struct explanation *e, struct finding *f)
{
	const struct decomposition *d = &e->d;
	double runqueue = share(d->class_ns[WC_RUNQUEUE], d->thread_ns);

	(void)m;
	if (runqueue < explain_th.contention_runqueue_share ||
	    d->cpus_busy >= explain_th.contention_cpus * d->ncpus)
		return false;
	f->explained_s = wall_share_s(d, d->class_ns[WC_RUNQUEUE]);
	f->scope.classes = CLASS_BIT(WC_RUNQUEUE);
	evidence(f, "runqueue_share", runqueue);
	evidence(f, "runnable_threads", d->runnable);
	evidence(f, "cpus_busy", d->cpus_busy);
	say(f, "CPUs were taken by processes outside the run: its threads were runnable but not running "
	    "%.0f%% of their time (%.2f threads on average) while the run itself kept only %.2f of %d "
	    "CPUs busy.", 100 * runqueue, d->runnable, d->cpus_busy, d->ncpus);
	return true;
}

static bool parallel(const struct run_model *m, const struct explanation *e, struct finding *f)
{
	const struct decomposition *d = &e->d;

	(void)m;
	if (d->ncpus < 2 || d->cpus_busy < explain_th.parallel_cpus * d->ncpus)
		return false;
	f->explained_s = wall_share_s(d, d->class_ns[WC_ONCPU]);
	f->scope.classes = CLASS_BIT(WC_ONCPU);
	evidence(f, "cpus_busy", d->cpus_busy);
	evidence(f, "oncpu_s", ns_to_s(d->class_ns[WC_ONCPU]));
	say(f, "The work ran in parallel: on average %.2f of %d CPUs were busy (%.2f s on a CPU in "
	    "%.2f s of wall time).", d->cpus_busy, d->ncpus, ns_to_s(d->class_ns[WC_ONCPU]),
	    ns_to_s(d->wall_ns));
	return true;
}

static bool is_python(const struct model_process *p)
{
	return strstr(p->comm, "python") != NULL;
}

/* Wakeups of some edges, summed: how many, the waits they ended, the wakees' waits for a CPU after. */
struct edge_sum {
	uint64_t count, waited_ns, latency_ns;
};

static void edge_add(struct edge_sum *sum, const struct model_wakeup *w)
{
	sum->count += w->s.count;
	sum->waited_ns += w->s.waited_ns;
	sum->latency_ns += w->s.latency_ns;
}

/* Waiting in CLASS ended by another thread of the same process, between roles A and B (either way). */
static struct edge_sum edges_between(const struct run_model *m, int class, enum role a, enum role b)
{
	struct edge_sum sum = { 0 };

	for (size_t i = 0; i < m->n_wakeups; i++) {
		const struct model_wakeup *w = &m->wakeups[i];
		const struct thread_acct *wakee = NULL, *waker = NULL;
		enum role wakee_role, waker_role;

		for (size_t t = 0; t < m->n_threads; t++) {
			if (m->threads[t].acct.tid == w->k.wakee_tid)
				wakee = &m->threads[t].acct;
			if (m->threads[t].acct.tid == w->k.waker_tid)
				waker = &m->threads[t].acct;
		}
		if (!wakee || !waker || wakee == waker || wakee->tgid != waker->tgid ||
		    (class >= 0 && w->k.wakee_class != (uint32_t)class))
			continue;
		wakee_role = thread_role(m, wakee);
		waker_role = thread_role(m, waker);
		if ((wakee_role == a && waker_role == b) || (wakee_role == b && waker_role == a))
			edge_add(&sum, w);
	}
	return sum;
}

/* Threads of an interpreter: running, waiting for a CPU, or for the interpreter (the GIL, or a futex
 * without GIL data). */
#define INTERPRETER_CLASSES (CLASS_BIT(WC_ONCPU) | CLASS_BIT(WC_RUNQUEUE) | CLASS_BIT(WC_LOCK) | \
	CLASS_BIT(WC_GIL))

/* The thread that hands work to the executors: the event loop, else the main thread. */
static enum role dispatcher(const struct explanation *e)
{
	return e->d.roles[ROLE_LOOP].threads ? ROLE_LOOP : ROLE_MAIN;
}

/* Without GIL data: many threads of one Python process waiting on futexes while together they
 * use no more than one CPU take turns holding the interpreter. Futex waits of hand-offs between
 * the dispatcher and the executors are thread-pool-handoff's, not the GIL's. */
static bool likely_gil(const struct run_model *m, const struct explanation *e, struct finding *f)
{
	uint64_t handoff_ns = edges_between(m, WC_LOCK, dispatcher(e), ROLE_EXECUTOR).waited_ns;

	for (size_t i = 0; i < m->n_procs; i++) {
		struct acct_totals t;
		double lock, cpus;

		totals_of(m, m->procs[i].pid, &t);
		t.ns[WC_LOCK] -= t.ns[WC_LOCK] < handoff_ns ? t.ns[WC_LOCK] : handoff_ns;
		lock = share(t.ns[WC_LOCK], t.life_ns);
		cpus = share(t.ns[WC_ONCPU], e->d.wall_ns);
		if (!is_python(&m->procs[i]) || t.threads < explain_th.likely_gil_threads ||
		    lock < explain_th.likely_gil_lock_share || cpus < explain_th.likely_gil_cpus_min ||
		    cpus > explain_th.likely_gil_cpus_max)
			continue;
		f->explained_s = wall_share_s(&e->d, t.ns[WC_LOCK]);
		f->scope = (struct path_scope){ .tgid = m->procs[i].pid, .classes = INTERPRETER_CLASSES };
		evidence(f, "gil_data", 0);
		evidence(f, "threads", t.threads);
		evidence(f, "lock_share", lock);
		evidence(f, "cpus_busy", cpus);
		say(f, "Likely GIL: %d threads of Python process %u spent %.0f%% of their time in lock "
		    "(futex) waits other than hand-offs while together they kept only %.2f CPUs busy: "
		    "they take turns holding the interpreter.", t.threads, m->procs[i].pid, 100 * lock, cpus);
		return true;
	}
	return false;
}

static bool gil_bound(const struct run_model *m, const struct explanation *e, struct finding *f)
{
	const struct decomposition *d = &e->d;
	double gil = share(d->class_ns[WC_GIL], d->thread_ns);

	if (!d->class_ns[WC_GIL])
		return likely_gil(m, e, f);
	if (gil < explain_th.gil_share)
		return false;
	f->explained_s = wall_share_s(d, d->class_ns[WC_GIL]);
	f->scope.classes = INTERPRETER_CLASSES;
	evidence(f, "gil_data", 1);
	evidence(f, "gil_share", gil);
	evidence(f, "cpus_busy", d->cpus_busy);
	say(f, "The GIL serialised the threads: they spent %.0f%% of their time waiting for it, and the "
	    "run kept %.2f of %d CPUs busy.", 100 * gil, d->cpus_busy, d->ncpus);
	return true;
}

/* Threads of one process and one role that hand a lock to each other. */
struct lock_group {
	uint32_t tgid;
	enum role role;
	int threads;
	uint64_t oncpu_ns, runqueue_ns;
	struct edge_sum handovers;   /* lock wakeups from one of them to another */
};

/* Lock waits among the threads of G (G's tgid and role), and their on-CPU and runqueue time. */
static void lock_group_measure(const struct run_model *m, struct lock_group *g)
{
	for (size_t i = 0; i < m->n_threads; i++) {
		const struct thread_acct *a = &m->threads[i].acct;

		if (a->tgid == g->tgid && thread_role(m, a) == g->role) {
			g->threads++;
			g->oncpu_ns += a->ns[WC_ONCPU];
			g->runqueue_ns += a->ns[WC_RUNQUEUE];
		}
	}
	for (size_t i = 0; i < m->n_wakeups; i++) {
		const struct model_wakeup *w = &m->wakeups[i];
		const struct thread_acct *wakee = model_find_thread(m, w->k.wakee_tid);
		const struct thread_acct *waker = model_find_thread(m, w->k.waker_tid);

		if (w->k.wakee_class == WC_LOCK && wakee && waker && wakee != waker &&
		    wakee->tgid == g->tgid && waker->tgid == g->tgid &&
		    thread_role(m, wakee) == g->role && thread_role(m, waker) == g->role)
			edge_add(&g->handovers, w);
	}
}

/* How long the group's threads waited for each other: for the lock, then, once a release woke
 * them, for a CPU to take it on (the hand-over's latency). */
static uint64_t lock_group_waited_ns(const struct lock_group *g)
{
	return g->handovers.waited_ns + g->handovers.latency_ns;
}

/* Of the time the group's threads ran or waited for each other, the share they waited. Other
 * runqueue time is left out: waiting for a CPU is another finding's, and a lock holder that waits
 * for one turns its waiters' futex waits into runqueue time. */
static double lock_group_share(const struct lock_group *g)
{
	return share(lock_group_waited_ns(g), g->oncpu_ns + lock_group_waited_ns(g));
}

/* The group of threads that waited longest for each other on futexes, into G; false if none. */
static bool most_contended_group(const struct run_model *m, struct lock_group *g)
{
	memset(g, 0, sizeof(*g));
	for (size_t p = 0; p < m->n_procs; p++)
		for (int r = 0; r < ROLE_COUNT; r++) {
			struct lock_group c = { .tgid = m->procs[p].pid, .role = (enum role)r };

			lock_group_measure(m, &c);
			if (lock_group_waited_ns(&c) > lock_group_waited_ns(g))
				*g = c;
		}
	return lock_group_waited_ns(g) > 0;
}

/* Threads serialised on a lock: several of them want to run at once (idle pool threads waiting for
 * work do not), they hand the lock to each other often, and of the time they ran or waited for each
 * other a large share was waiting. */
static bool lock_contention(const struct run_model *m, const struct explanation *e, struct finding *f)
{
	struct lock_group g;
	double rate, wanting, wall_s = ns_to_s(e->d.wall_ns);
	char cpu_wait[80] = "the wait for a CPU after each release is not in this report";

	if (!most_contended_group(m, &g))
		return false;
	rate = wall_s > 0 ? g.handovers.count / wall_s : 0;
	wanting = share(g.oncpu_ns + g.runqueue_ns + g.handovers.waited_ns, e->d.wall_ns);
	if (rate < explain_th.lock_handover_rate || lock_group_share(&g) < explain_th.lock_contention_share ||
	    wanting < explain_th.lock_wanting_threads)
		return false;
	f->explained_s = wall_share_s(&e->d, lock_group_waited_ns(&g));
	f->scope = (struct path_scope){ .tgid = g.tgid,
		.classes = CLASS_BIT(WC_ONCPU) | CLASS_BIT(WC_RUNQUEUE) | CLASS_BIT(WC_LOCK) };
	evidence(f, "sibling_lock_share", lock_group_share(&g));
	evidence(f, "handovers", (double)g.handovers.count);
	evidence(f, "lock_waited_s", ns_to_s(g.handovers.waited_ns));
	if (m->meta.wakeup_latency) {
		evidence(f, "handover_latency_s", ns_to_s(g.handovers.latency_ns));
		snprintf(cpu_wait, sizeof(cpu_wait), "then %.3f s for a CPU once released",
			 ns_to_s(g.handovers.latency_ns));
	}
	evidence(f, "handovers_per_s", rate);
	evidence(f, "threads", g.threads);
	evidence(f, "threads_cpus_busy", share(g.oncpu_ns, e->d.wall_ns));
	evidence(f, "threads_wanting_cpu", wanting);
	say(f, "Threads took turns on a lock: %d %s threads of process %u waited for each other %.0f%% of "
	    "the time they ran or waited so (%.3f s for the lock, %s; %llu hand-overs, %.0f per second); "
	    "on average %.2f of them wanted to run but together they kept only %.2f CPUs busy.", g.threads,
	    graph_node_names[g.role], g.tgid, 100 * lock_group_share(&g), ns_to_s(g.handovers.waited_ns),
	    cpu_wait, (unsigned long long)g.handovers.count, rate, wanting, share(g.oncpu_ns, e->d.wall_ns));
	return true;
}

static bool thread_pool_handoff(const struct run_model *m, const struct explanation *e,
				struct finding *f)
{
	struct edge_sum h = edges_between(m, -1, dispatcher(e), ROLE_EXECUTOR);
	uint64_t count = h.count, ns = h.waited_ns;
	double rate, latency_s;
	char cpu_wait[120] = " (this report has no wakeup latencies)";

	if (count < explain_th.handoff_min_wakeups || share(ns, e->d.thread_ns) < explain_th.handoff_share)
		return false;
	rate = e->d.wall_ns ? count / ns_to_s(e->d.wall_ns) : 0;
	latency_s = ns_to_s(h.latency_ns) / count;   /* each woken thread's wait for a CPU */
	f->explained_s = wall_share_s(&e->d, ns);
	f->scope = (struct path_scope){ .nodes = 1u << dispatcher(e) | 1u << ROLE_EXECUTOR,
					.classes = CLASS_BIT(WC_RUNQUEUE) };
	evidence(f, "wakeups", (double)count);
	evidence(f, "handoffs_per_s", rate);
	evidence(f, "waited_s", ns_to_s(ns));
	evidence(f, "waited_per_handoff_us", 1e6 * ns_to_s(ns) / count);
	if (m->meta.wakeup_latency) {
		evidence(f, "wakeup_latency_us", 1e6 * latency_s);
		evidence(f, "latency_s", count * latency_s);
		snprintf(cpu_wait, sizeof(cpu_wait), " and the woken thread then waited %.0f us for a CPU "
			 "(%.3f s in all)", 1e6 * latency_s, count * latency_s);
	}
	evidence(f, "share", share(ns, e->d.thread_ns));
	say(f, "The %s thread and %d executor threads handed work to each other %.0f times per second "
	    "(%llu wakeups): each hand-off kept its waiter %.0f us (%.2f s in all, %.0f%% of thread time)%s.",
	    graph_node_names[dispatcher(e)], e->d.roles[ROLE_EXECUTOR].threads, rate,
	    (unsigned long long)count, 1e6 * ns_to_s(ns) / count, ns_to_s(ns),
	    100 * share(ns, e->d.thread_ns), cpu_wait);
	return true;
}

static void disk_evidence(const struct decomposition *d, struct finding *f)
{
	evidence(f, "disk_busy", d->disk_busy);
	evidence(f, "disk_share", share(d->class_ns[WC_DISK], d->thread_ns));
	evidence(f, "write_syscall_mb", d->write_bytes / 1e6);
	evidence(f, "device_written_mb", d->sectors_written * 512 / 1e6);
}

static bool disk_bound(const struct run_model *m, const struct explanation *e, struct finding *f)
{
	const struct decomposition *d = &e->d;
	double disk = share(d->class_ns[WC_DISK], d->thread_ns), busy_s = d->disk_busy * ns_to_s(d->wall_ns);

	(void)m;
	if (d->disk_busy < explain_th.disk_bound_busy && disk < explain_th.disk_bound_share)
		return false;
	f->explained_s = wall_share_s(d, d->class_ns[WC_DISK]);
	if (busy_s > f->explained_s)
		f->explained_s = busy_s;
	f->scope = (struct path_scope){ .nodes = 1u << GN_DISK, .classes = CLASS_BIT(WC_DISK) |
					CLASS_BIT(WC_KERNEL_LOCK) | CLASS_BIT(WC_OTHER_D) };
	disk_evidence(d, f);
	say(f, "The disk was the limit: it was busy %.0f%% of the wall time and threads spent %.0f%% of "
	    "their time waiting for it (%.2f MB written by syscalls, %.2f MB by the device).",
	    100 * d->disk_busy, 100 * disk, d->write_bytes / 1e6, d->sectors_written * 512 / 1e6);
	return true;
}

/* Explains no wall time: it rules a cause out. */
static bool disk_not_bottleneck(const struct run_model *m, const struct explanation *e,
				struct finding *f)
{
	const struct decomposition *d = &e->d;

	(void)m;
	if (!d->write_bytes || d->disk_busy >= explain_th.disk_idle_busy ||
	    share(d->class_ns[WC_DISK], d->thread_ns) >= explain_th.disk_bound_share)
		return false;
	disk_evidence(d, f);
	say(f, "The disk was not the bottleneck: it was busy %.1f%% of the wall time; write syscalls "
	    "wrote %.2f MB, the device %.2f MB.", 100 * d->disk_busy, d->write_bytes / 1e6,
	    d->sectors_written * 512 / 1e6);
	return true;
}

/* Time in the syscalls that create, replace and end processes. */
static void startup_syscalls(const struct run_model *m, uint64_t *count, uint64_t *ns)
{
	static const char *const names[] = { "clone", "clone3", "fork", "vfork", "execve", "execveat",
					     "exit", "exit_group" };

	*count = *ns = 0;
	for (size_t n = 0; n < ARRAY_LEN(names); n++) {
		uint64_t c, t;

		syscall_totals(m, 0, (uint32_t)syscall_nr(names[n]), &c, &t);
		*count += c;
		*ns += t;
	}
}

static bool process_startup_ipc(const struct run_model *m, const struct explanation *e,
				struct finding *f)
{
	const struct decomposition *d = &e->d;
	uint64_t calls, startup_ns, pipe_ns = 0;

	if (!d->roles[ROLE_WORKER].threads)
		return false;
	for (size_t i = 0; i < m->n_threads; i++)
		if (m->threads[i].acct.tgid != m->meta.root_pid)
			pipe_ns += m->threads[i].acct.ns[WC_PIPE];
	startup_syscalls(m, &calls, &startup_ns);
	if (share(startup_ns + pipe_ns, d->thread_ns) < explain_th.startup_ipc_share)
		return false;
	f->explained_s = wall_share_s(d, startup_ns + pipe_ns);
	f->scope = (struct path_scope){ .nodes = 1u << ROLE_WORKER, .classes = CLASS_BIT(WC_PIPE) };
	evidence(f, "startup_syscalls_s", ns_to_s(startup_ns));
	evidence(f, "startup_syscalls", (double)calls);
	evidence(f, "pipe_s", ns_to_s(pipe_ns));
	evidence(f, "workers", d->roles[ROLE_WORKER].threads);
	say(f, "Process start-up and IPC cost %.0f%% of thread time: %.3f s in fork/exec/exit syscalls "
	    "(%llu calls) and %.3f s of worker processes blocked on pipes, across %d workers.",
	    100 * share(startup_ns + pipe_ns, d->thread_ns), ns_to_s(startup_ns),
	    (unsigned long long)calls, ns_to_s(pipe_ns), d->roles[ROLE_WORKER].threads);
	return true;
}

/* Index of the largest of N values, skipping those flagged in TAKEN (a bitmask); -1 if all are 0. */
static int heaviest(const uint64_t *v, int n, unsigned taken)
{
	int best = -1;

	for (int i = 0; i < n; i++)
		if (v[i] && !(taken & 1u << i) && (best < 0 || v[i] > v[best]))
			best = i;
	return best;
}

/* With a critical path: who carried the command's wall time, by class and by node. */
static void path_summary(const struct decomposition *d, char *text, size_t len)
{
	int c1 = heaviest(d->path_class_ns, WC_COUNT, 0), c2, n1;

	text[0] = '\0';
	if (!d->path_ns || c1 < 0)
		return;
	c2 = heaviest(d->path_class_ns, WC_COUNT, 1u << c1);
	n1 = heaviest(d->path_node_ns, GN_COUNT, 0);
	snprintf(text, len, "On the critical path of the command (%.3f s): %.0f%% %s, %.0f%% %s; %.0f%% "
		 "of it carried by %s.", ns_to_s(d->path_ns), 100 * share(d->path_class_ns[c1], d->path_ns),
		 wait_classes[c1].name, c2 < 0 ? 0 : 100 * share(d->path_class_ns[c2], d->path_ns),
		 c2 < 0 ? "other" : wait_classes[c2].name, 100 * share(d->path_node_ns[n1], d->path_ns),
		 graph_node_names[n1]);
}

/* In this order, which breaks ties of explained time: the more specific finding first. */
static const struct {
	const char *name;
	bool (*detect)(const struct run_model *m, const struct explanation *e, struct finding *f);
} finding_rules[] = {
	{ "loop-blocked", loop_blocked },
	{ "no-concurrency", no_concurrency },
	{ "cpu-bound-single-thread", cpu_bound_single_thread },
	{ "gil-bound", gil_bound },
	{ "lock-contention", lock_contention },
	{ "thread-pool-handoff", thread_pool_handoff },
	{ "disk-bound", disk_bound },
	{ "runqueue-saturation", runqueue_saturation },
	{ "cpu-contention", cpu_contention },
	{ "process-startup-ipc", process_startup_ipc },
	{ "parallel", parallel },
	{ "disk-not-bottleneck", disk_not_bottleneck },
};

static void syscall_sums(const struct run_model *m, struct explanation *e)
{
	for (size_t i = 0; i < m->n_syscalls; i++) {
		uint32_t nr = m->syscalls[i].nr;

		if (nr < SYSCALL_NR_MAX) {
			e->sys_count[nr] += m->syscalls[i].s.count;
			e->sys_ns[nr] += m->syscalls[i].s.total_ns;
		}
	}
}

void explain_on_path(const struct run_model *m, const struct critical_path *p, struct explanation *e)
{
	memset(e, 0, sizeof(*e));
	decompose_on_path(m, p, &e->d);
	wait_graph_build(m, &e->g);
	syscall_sums(m, e);
	path_summary(&e->d, e->path_summary, sizeof(e->path_summary));
	for (size_t r = 0; r < ARRAY_LEN(finding_rules); r++) {
		struct finding f = { .name = finding_rules[r].name };
		size_t at;

		if (!finding_rules[r].detect(m, e, &f))
			continue;
		if (p)
			f.explained_s = ns_to_s(path_time(m, p, &f.scope));
		/* stable insertion: a later rule goes after every finding that explains as much */
		for (at = e->n_findings; at > 0 && e->findings[at - 1].explained_s < f.explained_s; at--)
			e->findings[at] = e->findings[at - 1];
		e->findings[at] = f;
		e->n_findings++;
	}
}

void explain_run(const struct run_model *m, struct explanation *e)
{
	struct critical_path p;
	bool has_path = critical_path_build(m, &p);

	explain_on_path(m, has_path ? &p : NULL, e);
	critical_path_free(&p);
}

const struct finding *explanation_finding(const struct explanation *e, const char *name)
{
	for (size_t i = 0; i < e->n_findings; i++)
		if (!strcmp(e->findings[i].name, name))
			return &e->findings[i];
	return NULL;
}

json_t *explanation_json(const struct explanation *e)
{
	json_t *findings = json_array();

	for (size_t i = 0; i < e->n_findings; i++) {
		const struct finding *f = &e->findings[i];
		json_t *ev = json_object();

		for (int k = 0; k < f->n_evidence; k++)
			json_object_set_new(ev, f->evidence[k].name, json_real(f->evidence[k].value));
		json_array_append_new(findings, json_pack("{s:s, s:f, s:s, s:s, s:s, s:o}", "name", f->name,
							  "explained_s", f->explained_s, "headline", f->headline,
							  "text", f->text, "advice", f->advice, "evidence", ev));
	}
	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "method", e->d.method,
			 "decomposition", decomposition_json(&e->d), "wait_graph", wait_graph_json(&e->g),
			 "path_summary", e->path_summary[0] ? json_string(e->path_summary) : json_null(),
			 "findings", findings);
}

json_t *explain_to_json(const struct run_model *m)
{
	struct explanation *e = xcalloc(1, sizeof(*e));
	struct critical_path path;
	bool has_path = critical_path_build(m, &path);
	json_t *j;

	explain_on_path(m, has_path ? &path : NULL, e);
	j = explanation_json(e);
	free(e);
	if (has_path)
		json_object_set_new(j, "critical_path", critical_path_json(m, &path));
	critical_path_free(&path);
	return j;
}
