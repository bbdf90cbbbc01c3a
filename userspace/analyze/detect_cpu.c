/* Findings about CPUs: what the path did on them, or waited for one to do (detect_cpu.h;
 * docs/explain.md has each one's evidence, threshold and advice). */
#include "analyze/detect_cpu.h"

#include <stdlib.h>
#include <string.h>
#include "analyze/pools.h"
#include "analyze/roles.h"
#include "analyze/thresholds.h"
#include "base/util.h"
#include "model/account.h"
#include "model/classify.h"
#include "model/timeline.h"

/* What holds an event loop off its selector: running, or waits of its own other than the loop's
 * idle wait and the interpreter's locks (held by other threads). */
#define LOOP_HELD (ALL_CLASSES & ~(CLASS_BIT(WC_LOOP_IDLE) | CLASS_BIT(WC_LOCK) | CLASS_BIT(WC_GIL)))

/* The event-loop thread that carried the most path time, or NULL. */
static const struct thread_acct *busiest_loop(const struct finding_ctx *c)
{
	const struct thread_acct *best = NULL;

	for (size_t i = 0; i < c->m->n_threads; i++) {
		const struct thread_acct *a = &c->m->threads[i].acct;

		if (thread_role(c->m, a) == ROLE_LOOP &&
		    (!best || thread_path_ns(c, a->tid, ALL_CLASSES) > thread_path_ns(c, best->tid, ALL_CLASSES)))
			best = a;
	}
	return best;
}

/* Stretches of at least loop_stretch_ns in which LOOP never went back to its selector. */
struct stretches {
	uint64_t n, ns, max_ns;
};

static void loop_stretches(const struct run_model *m, const struct thread_acct *loop, struct stretches *s)
{
	size_t n;
	const struct model_interval *iv = timeline_thread(&m->timeline, loop->tid, &n);
	uint64_t start = 0, end = 0;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i <= n; i++) {
		bool held = i < n && (LOOP_HELD & CLASS_BIT(iv[i].wait_class));

		if (held && !end)
			start = iv[i].start_ns;
		if (held) {
			end = iv[i].end_ns;
			continue;
		}
		if (end && end - start >= explain_th.loop_stretch_ns) {
			s->n++;
			s->ns += end - start;
			s->max_ns = end - start > s->max_ns ? end - start : s->max_ns;
		}
		end = 0;
	}
}

/* An event loop thread T held in long stretches is loop-blocked's to explain, not one busy thread's:
 * the two would otherwise trade places on a few milliseconds of noise. */
static bool loop_held_long(const struct finding_ctx *c, const struct thread_acct *t)
{
	struct stretches st = { 0 };

	if (thread_role(c->m, t) != ROLE_LOOP || !c->m->timeline.recorded)
		return false;
	loop_stretches(c->m, t, &st);
	return st.n > 0;
}

/* A callback held the loop: with a timeline, stretches of the loop thread that never returned to
 * its selector; without one, a loop thread held most of its life and hardly ever idle. */
/* Without a timeline: the loop's thread computing the program's own code (not the loop's
 * machinery) for a good share of the path, or held nearly all its life and hardly ever idle. The
 * stretches are not known: one stands for the whole. */
static bool loop_held_estimate(const struct finding_ctx *c, const struct thread_acct *loop,
			       struct stretches *st)
{
	uint64_t held = class_sum(loop, LOOP_HELD), life = thread_lifetime(loop), samples;
	uint64_t computing = thread_path_ns(c, loop->tid, CLASS_BIT(WC_ONCPU));
	double own = thread_activity_share(&c->act, loop->tid, ACT_WORK, &samples);

	if ((samples >= explain_th.loop_min_samples && own >= explain_th.loop_own_work &&
	     computing >= explain_th.loop_compute_share * c->wall_ns) ||
	    (share(held, life) >= explain_th.loop_blocked_share &&
	     share(loop->ns[WC_LOOP_IDLE], life) <= explain_th.loop_blocked_idle))
		*st = (struct stretches){ 1, held, held };
	return st->n > 0;
}

/* A callback held the loop: with a timeline, stretches of the loop thread that never returned to
 * its selector; without one, as loop_held_estimate says. */
bool loop_blocked(const struct finding_ctx *c, struct finding *f)
{
	const struct thread_acct *loop = busiest_loop(c);
	const struct path_scope s = { .tid = loop ? loop->tid : 0, .classes = LOOP_HELD };
	struct stretches st = { 0 };
	bool timed = c->m->timeline.recorded;
	uint64_t life;
	char n[32], longest[32];

	if (!loop || (timed ? (loop_stretches(c->m, loop, &st), !st.n) : !loop_held_estimate(c, loop, &st)))
		return false;
	life = thread_lifetime(loop);
	explain_scope(c, f, &s);
	if (f->explained_s > ns_to_s(st.ns))
		f->explained_s = ns_to_s(st.ns);
	evidence(f, "stretches", timed ? (double)st.n : 0);
	evidence(f, "held_s", ns_to_s(st.ns));
	evidence(f, "longest_s", timed ? ns_to_s(st.max_ns) : 0);
	evidence(f, "loop_oncpu_s", ns_to_s(loop->ns[WC_ONCPU]));
	evidence(f, "loop_idle_share", share(loop->ns[WC_LOOP_IDLE], life));
	fmt_count(n, sizeof(n), (double)st.n);
	fmt_ns(longest, sizeof(longest), (double)st.max_ns);
	if (timed) {
		headline(f, "event loop blocked: %s %s without idling, %.2f s in all (the longest %s)", n,
			 plural((double)st.n, "stretch", "stretches"), ns_to_s(st.ns), longest);
		say(f, "The event loop (thread %u) was blocked: it ran %s %s of %s or more without once "
		    "waiting idle in its selector, %.2f s in all (the longest %s), on a CPU (%.2f s in all) "
		    "or in blocking calls; tasks that were ready meanwhile could not run until it returned. "
		    "It idled in its selector %.0f%% of its life.", loop->tid, n,
		    plural((double)st.n, "stretch", "stretches"),
		    fmt_ns((char[32]){ 0 }, 32, (double)explain_th.loop_stretch_ns), ns_to_s(st.ns), longest,
		    ns_to_s(loop->ns[WC_ONCPU]), 100 * share(loop->ns[WC_LOOP_IDLE], life));
	} else {
		headline(f, "event loop blocked: held %.2f s without idling (%.2f s on a CPU, %.2f s in blocking calls)",
			 ns_to_s(st.ns), ns_to_s(loop->ns[WC_ONCPU]), ns_to_s(class_sum(loop, LOOP_HELD & ~RUN_CLASSES)));
		say(f, "The event loop (thread %u) was held by its callbacks %.2f s: on a CPU %.2f s and in "
		    "blocking calls %.2f s; it idled in its selector only %.0f%% of its life. While a callback computes or blocks, no "
		    "other task runs (record --timeline to see each stretch).", loop->tid, ns_to_s(st.ns),
		    ns_to_s(loop->ns[WC_ONCPU]), ns_to_s(class_sum(loop, LOOP_HELD & ~RUN_CLASSES)),
		    100 * share(loop->ns[WC_LOOP_IDLE], life));
	}
	advise(f, "Do not block the loop: run CPU-heavy work in a process pool (await loop.run_in_executor("
	       "ProcessPoolExecutor(), fn, ...)), replace blocking calls (time.sleep, requests, plain file "
	       "or socket I/O) by awaitable ones, or break long loops with await asyncio.sleep(0).");
	return true;
}

static struct path_scope pool_scope(const struct pool *p)
{
	return (struct path_scope){ .tgid = p->tgid, .nodes = p->nodes,
		.classes = RUN_CLASSES | CLASS_BIT(WC_GIL) | CLASS_BIT(WC_LOCK) | CLASS_BIT(WC_LOOP_IDLE) |
			   CLASS_BIT(WC_PIPE) | CLASS_BIT(WC_OTHER_SLEEP) };
}

/* Adds pool P to the pools T holds (the pools of several processes: asyncio in each of them). */
static void pool_add(struct pool *t, const struct pool *p)
{
	t->tgid = t->nodes ? 0 : p->tgid;
	if (p->dispatcher == ROLE_LOOP || !t->nodes)
		t->dispatcher = p->dispatcher;
	t->nodes |= 1u << p->dispatcher | 1u << ROLE_EXECUTOR;
	t->executors += p->executors;
	t->jobs += p->jobs;
	t->handbacks += p->handbacks;
	t->wakeups += p->wakeups;
	t->cpu_ns += p->cpu_ns;
	t->gil_ns += p->gil_ns;
	t->file_calls += p->file_calls;
}

/* Every process's pool of small jobs, together into T; false when there is none. */
static bool pools_of_small_jobs(const struct finding_ctx *c, struct pool *t)
{
	struct path_scope s;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < c->m->n_procs; i++) {
		struct pool p;

		pool_of_process(c, c->m->procs[i].pid, &p);
		if (p.executors && p.jobs >= explain_th.handoff_min_jobs &&
		    p.cpu_ns / p.jobs <= explain_th.handoff_max_job_cpu_ns)
			pool_add(t, &p);
	}
	if (!t->nodes)
		return false;
	s = pool_scope(t);
	t->path_ns = path_time(c->m, c->p, &s);
	return t->path_ns > 0;
}

bool thread_pool_handoff(const struct finding_ctx *c, struct finding *f)
{
	const struct decomposition *d = &c->e->d;
	struct pool p;
	struct path_scope s;
	char jobs[32], cpu[32], gil[32], what[64] = "jobs", disk[160] = "";
	bool loop;

	if (!pools_of_small_jobs(c, &p))
		return false;
	s = pool_scope(&p);
	explain_scope(c, f, &s);
	loop = p.dispatcher == ROLE_LOOP;
	if (p.file_calls * 2 >= p.jobs)
		snprintf(what, sizeof(what), "file operations");
	if (p.file_calls && d->disk_busy < explain_th.disk_idle_busy)
		snprintf(disk, sizeof(disk), " The disk was idle meanwhile (busy %.1f%% of the time).",
			 100 * d->disk_busy);
	evidence(f, "jobs", (double)p.jobs);
	evidence(f, "loop_wakeups", (double)p.handbacks);
	evidence(f, "cpu_per_job_us", 1e6 * ns_to_s(p.cpu_ns) / p.jobs);
	evidence(f, "gil_per_job_us", 1e6 * ns_to_s(p.gil_ns) / p.jobs);
	evidence(f, "cpu_s", ns_to_s(p.cpu_ns));
	evidence(f, "executors", p.executors);
	evidence(f, "disk_busy", d->disk_busy);
	fmt_count(jobs, sizeof(jobs), (double)p.jobs);
	fmt_ns(cpu, sizeof(cpu), (double)p.cpu_ns / p.jobs);
	fmt_ns(gil, sizeof(gil), (double)p.gil_ns / p.jobs);
	headline(f, "thread-pool round trips: %s %s, %s of CPU each", jobs, what, cpu);
	say(f, "Thread-pool round trips: %s %s each went %s, costing %s of CPU across the threads (%.2f s "
	    "in all) and %s waiting for the GIL; the round trips carried %.2f s of the %.2f s.%s", jobs, what,
	    loop ? "from the event loop to one of its executor threads and back (each finished job "
		   "writes to the loop's wake-up pipe)" : "from the main thread to a pool thread and back",
	    cpu, ns_to_s(p.cpu_ns), gil, ns_to_s(p.path_ns), ns_to_s(c->wall_ns), disk);
	if (loop && p.file_calls)
		advise(f, "Make fewer, larger jobs: aiofiles sends every call (each f.write()) through the "
		       "default executor; build each file's content and write it with one call, or run one "
		       "blocking function per file with await loop.run_in_executor(None, write_file, path, "
		       "data). For local files, plain blocking writes are cheaper than a round trip (%s).", cpu);
	else
		advise(f, "Batch the work: one job per unit of real work (a whole file, a batch of items) "
		       "instead of one per call; each round trip costs about %s of CPU here.", cpu);
	return true;
}

/* Lock waits between threads of one process that hand the lock both ways (contention, not a
 * producer waking its consumer), and their on-CPU spinning. */
struct contention {
	uint32_t tgid;
	uint64_t handovers, waited_ns, latency_ns, oncpu_ns, spin_ns;
	double spin_share;
};

/* Lock wakeups of siblings in process TGID woken by TID (OUT) and waking TID (IN). */
static void lock_traffic(const struct run_model *m, uint32_t tgid, uint32_t tid, uint64_t *in, uint64_t *out)
{
	*in = *out = 0;
	for (size_t i = 0; i < m->n_wakeups; i++) {
		const struct model_wakeup *w = &m->wakeups[i];
		const struct thread_acct *other;

		if (w->k.wakee_class != WC_LOCK || w->k.waker_tid == w->k.wakee_tid ||
		    (w->k.waker_tid != tid && w->k.wakee_tid != tid))
			continue;
		other = model_find_thread(m, w->k.waker_tid == tid ? w->k.wakee_tid : w->k.waker_tid);
		if (other && other->tgid == tgid)
			*(w->k.waker_tid == tid ? out : in) += w->s.count;
	}
}

/* A thread that takes turns on a lock both waits for siblings to release it and releases it to
 * them; a producer only wakes, a consumer waiting for work only waits. IPC plumbing takes its turns
 * on behalf of other processes (a process pool's queues and futures, a Manager's handlers). */
static bool takes_turns(const struct finding_ctx *c, const struct thread_acct *a)
{
	uint64_t in, out;

	if (is_ipc_plumbing(c, a))
		return false;
	lock_traffic(c->m, a->tgid, a->tid, &in, &out);
	return in && out && (in < out ? in : out) >= explain_th.lock_mutual_min * (in > out ? in : out);
}

static bool in_set(const uint32_t *tids, size_t n, uint32_t tid)
{
	for (size_t i = 0; i < n; i++)
		if (tids[i] == tid)
			return true;
	return false;
}

static void contention_measure(const struct finding_ctx *c, struct contention *k)
{
	uint32_t *turns = xcalloc(c->m->n_threads ? c->m->n_threads : 1, sizeof(*turns));
	size_t n = 0;
	struct acct_totals t;

	for (size_t i = 0; i < c->m->n_threads; i++) {
		const struct thread_acct *a = &c->m->threads[i].acct;

		if (a->tgid == k->tgid && takes_turns(c, a)) {
			turns[n++] = a->tid;
			k->oncpu_ns += a->ns[WC_ONCPU];
		}
	}
	for (size_t i = 0; n && i < c->m->n_wakeups; i++) {
		const struct model_wakeup *w = &c->m->wakeups[i];

		if (w->k.wakee_class == WC_LOCK && w->k.wakee_tid != w->k.waker_tid &&
		    in_set(turns, n, w->k.wakee_tid) && in_set(turns, n, w->k.waker_tid)) {
			k->handovers += w->s.count;
			k->waited_ns += w->s.waited_ns;
			k->latency_ns += w->s.latency_ns;
		}
	}
	free(turns);
	totals_of(c->m, k->tgid, &t);
	k->spin_share = activity_share(&c->act, k->tgid, ACT_SPIN);
	k->spin_ns = t.ns[WC_ONCPU] * k->spin_share;
	if (k->spin_share >= explain_th.spin_share)
		k->oncpu_ns = t.ns[WC_ONCPU];
}

static bool contended(const struct finding_ctx *c, const struct contention *k)
{
	uint64_t waited = k->waited_ns + k->latency_ns + k->spin_ns;
	double rate = c->wall_ns ? k->handovers / ns_to_s(c->wall_ns) : 0;

	if (k->spin_share >= explain_th.spin_share)
		return true;
	return rate >= explain_th.lock_handover_rate &&
	       share(waited, k->oncpu_ns + waited) >= explain_th.lock_contention_share;
}

bool lock_contention(const struct finding_ctx *c, struct finding *f)
{
	struct contention best = { 0 };
	struct path_scope s;
	char n[32], each[32], spin[120] = "";

	for (size_t i = 0; i < c->m->n_procs; i++) {
		struct contention k = { .tgid = c->m->procs[i].pid };

		contention_measure(c, &k);
		if (contended(c, &k) && k.waited_ns + k.spin_ns > best.waited_ns + best.spin_ns)
			best = k;
	}
	if (!best.tgid)
		return false;
	/* the lock serialised the threads: the path goes from one to the next as it changes hands */
	s = (struct path_scope){ .tgid = best.tgid, .classes = RUN_CLASSES | CLASS_BIT(WC_LOCK) };
	explain_scope(c, f, &s);
	evidence(f, "handovers", (double)best.handovers);
	evidence(f, "lock_waited_s", ns_to_s(best.waited_ns));
	evidence(f, "handover_latency_s", ns_to_s(best.latency_ns));
	evidence(f, "spin_share", best.spin_share);
	evidence(f, "spin_s", ns_to_s(best.spin_ns));
	fmt_count(n, sizeof(n), (double)best.handovers);
	fmt_ns(each, sizeof(each), best.handovers ? (double)(best.waited_ns + best.latency_ns) / best.handovers : 0);
	if (best.spin_share >= explain_th.spin_share)
		snprintf(spin, sizeof(spin), "; %.0f%% of its CPU time (%.2f s) was spinning on a lock "
			 "(pthread_spin_lock, sched_yield)", 100 * best.spin_share, ns_to_s(best.spin_ns));
	if (best.spin_share >= explain_th.spin_share && best.handovers < explain_th.lock_handover_rate)
		headline(f, "lock contention: %.0f%% of the CPU time spent spinning on a lock", 100 * best.spin_share);
	else
		headline(f, "lock contention: %s hand-overs between threads, %s waiting each", n, each);
	say(f, "Threads took turns on a lock: in process %u they handed it to each other %s times, each "
	    "waiting %s for it (%.3f s in all, %.3f s of it for a CPU once it was released)%s; the threads "
	    "it serialised carried %.2f s of the %.2f s.", best.tgid, n, each, ns_to_s(best.waited_ns + best.latency_ns),
	    ns_to_s(best.latency_ns), spin, f->explained_s, ns_to_s(c->wall_ns));
	advise(f, "Hold the lock for less time (move work out of the critical section), split it (one per "
	       "shard or per object), or give each thread its own data and combine at the end; spin locks "
	       "only pay when the holder never waits for a CPU: use a mutex when threads outnumber CPUs.");
	return true;
}

/* A Python process whose threads took turns on the GIL: with GIL data, its gil class; without, its
 * lock waits while together its threads kept about one CPU busy. */
struct interpreter {
	const struct model_process *proc;
	struct acct_totals t;
	bool gil_data;
};

static bool gil_serialised(const struct finding_ctx *c, struct interpreter *k)
{
	double cpus = share(k->t.ns[WC_ONCPU], c->e->d.wall_ns);

	if (!is_python_process(k->proc) || k->t.threads < 2)
		return false;
	k->gil_data = k->t.ns[WC_GIL] > 0;
	if (k->gil_data)
		return share(k->t.ns[WC_GIL], k->t.life_ns) >= explain_th.gil_share;
	return k->t.threads >= explain_th.likely_gil_threads &&
	       share(k->t.ns[WC_LOCK], k->t.life_ns) >= explain_th.likely_gil_lock_share &&
	       cpus >= explain_th.likely_gil_cpus_min && cpus <= explain_th.likely_gil_cpus_max;
}

bool gil_bound(const struct finding_ctx *c, struct finding *f)
{
	struct interpreter best = { 0 };
	struct path_scope s;
	char switches[64] = "";

	for (size_t i = 0; i < c->m->n_procs; i++) {
		struct interpreter k = { .proc = &c->m->procs[i] };

		totals_of(c->m, k.proc->pid, &k.t);
		if (gil_serialised(c, &k) && (!best.proc || k.t.ns[WC_GIL] + k.t.ns[WC_LOCK] >
						best.t.ns[WC_GIL] + best.t.ns[WC_LOCK]))
			best = k;
	}
	if (!best.proc)
		return false;
	s = (struct path_scope){ .tgid = best.proc->pid,
		.classes = RUN_CLASSES | CLASS_BIT(best.gil_data ? WC_GIL : WC_LOCK) };
	explain_scope(c, f, &s);
	if (best.proc->gil_switches >= 0)
		snprintf(switches, sizeof(switches), ", the GIL changed hands %lld times",
			 (long long)best.proc->gil_switches);
	evidence(f, "gil_data", best.gil_data);
	evidence(f, "threads", best.t.threads);
	evidence(f, "gil_wait_s", ns_to_s(best.t.ns[best.gil_data ? WC_GIL : WC_LOCK]));
	evidence(f, "oncpu_s", ns_to_s(best.t.ns[WC_ONCPU]));
	evidence(f, "cpus_busy", share(best.t.ns[WC_ONCPU], c->e->d.wall_ns));
	evidence(f, "gil_switches", (double)best.proc->gil_switches);
	headline(f, "%sGIL-bound: %d threads ran %.2f s and waited %.2f s for the interpreter lock",
		 best.gil_data ? "" : "likely ", best.t.threads, ns_to_s(best.t.ns[WC_ONCPU]),
		 ns_to_s(best.t.ns[best.gil_data ? WC_GIL : WC_LOCK]));
	say(f, "%s: %d threads of Python process %u took turns running Python code: they ran %.2f s and "
	    "waited %.2f s for the GIL%s%s, so together they kept %.2f of %d CPUs busy.",
	    best.gil_data ? "The GIL serialised the threads" : "Likely the GIL (no GIL data: futex waits)",
	    best.t.threads, best.proc->pid, ns_to_s(best.t.ns[WC_ONCPU]),
	    ns_to_s(best.t.ns[best.gil_data ? WC_GIL : WC_LOCK]), best.gil_data ? "" : " (lock waits)",
	    switches, share(best.t.ns[WC_ONCPU], c->e->d.wall_ns), c->e->d.ncpus);
	advise(f, "Threads do not run Python code in parallel: for CPU-bound work use processes "
	       "(ProcessPoolExecutor or multiprocessing.Pool, one worker per CPU), or native code that "
	       "releases the GIL (NumPy, a C extension).");
	return true;
}

bool cpu_bound_single_thread(const struct finding_ctx *c, struct finding *f)
{
	const struct thread_acct *t = top_carrier(c, CLASS_BIT(WC_ONCPU), true);
	const struct model_process *p = t ? model_find_process(c->m, t->tgid) : NULL;
	const struct path_scope s = { .tid = t ? t->tid : 0, .classes = CLASS_BIT(WC_ONCPU) };
	const uint32_t queued = CLASS_BIT(WC_RUNQUEUE) | CLASS_BIT(WC_WAKEUP);
	uint64_t run, unqueued, samples;
	char label[64];

	if (!t || !p || loop_held_long(c, t))
		return false;
	/* running most of the time it did not wait for a CPU: waiting for one is another finding's */
	run = thread_path_ns(c, t->tid, CLASS_BIT(WC_ONCPU));
	unqueued = c->wall_ns - path_time(c->m, c->p, &(struct path_scope){ .classes = queued });
	if (run < explain_th.carrier_share * unqueued ||
	    c->e->d.cpus_busy >= explain_th.single_thread_cpus * c->e->d.ncpus)
		return false;
	explain_scope(c, f, &s);
	/* what it spent on moving data to another process or socket is ipc-bound's to explain */
	f->explained_s *= 1 - thread_activity_share(&c->act, t->tid, ACT_PICKLE, &samples) -
			  thread_activity_share(&c->act, t->tid, ACT_SOCKET, &samples);
	evidence(f, "thread_oncpu_s", ns_to_s(t->ns[WC_ONCPU]));
	evidence(f, "path_share", share(run, c->wall_ns));
	evidence(f, "cpus_busy", c->e->d.cpus_busy);
	process_label(p, label, sizeof(label));
	headline(f, "CPU-bound on one thread: %.2f s of %.2f s on a CPU, %.2f of %d CPUs used",
		 ns_to_s(t->ns[WC_ONCPU]), ns_to_s(c->wall_ns), c->e->d.cpus_busy, c->e->d.ncpus);
	say(f, "One thread did the work on one CPU: %sthread %u of process %u (`%s`) was on a CPU %.2f s "
	    "and carried %.2f s of the %.2f s critical path running, while the run used %.2f of %d CPUs.",
	    thread_role(c->m, t) == ROLE_LOOP ? "the event loop's " : "", t->tid, t->tgid, label, ns_to_s(t->ns[WC_ONCPU]), ns_to_s(run),
	    ns_to_s(c->wall_ns), c->e->d.cpus_busy, c->e->d.ncpus);
	if (thread_role(c->m, t) == ROLE_LOOP)
		advise(f, "That thread is the event loop: while its callbacks compute, no other task runs. Move "
		       "the computation off the loop (await loop.run_in_executor(ProcessPoolExecutor(), fn, "
		       "...)) or break it up with await asyncio.sleep(0); a timeline (record --timeline) "
		       "shows how long each stretch held the loop.");
	else if (is_python_process(p))
		advise(f, "Spread the work over processes (ProcessPoolExecutor or multiprocessing.Pool, one "
		       "worker per CPU): Python threads would take turns on the GIL. Or make the hot code "
		       "cheaper: the on-CPU flame graph (oncpu.svg) shows where the time goes.");
	else
		advise(f, "Split the work over threads or processes, one per CPU, or make the hot code "
		       "cheaper: the on-CPU flame graph (oncpu.svg) shows where the time goes.");
	return true;
}

/* Threads running or waiting behind others for a CPU, on average: what the tree wanted. */
static double wanting_cpus(const struct decomposition *d)
{
	return d->cpus_busy + d->runnable;
}

/* Of the tree's waits in the run queue, the share that ended when a task outside it left the CPU. */
static double behind_others_share(const struct run_model *m)
{
	uint64_t queued = 0, others = 0;

	for (size_t i = 0; i < m->n_threads; i++) {
		queued += m->threads[i].acct.ns[WC_RUNQUEUE];
		others += m->threads[i].acct.queued_behind_others_ns;
	}
	return share(others, queued);
}

static bool runqueue_finding(const struct finding_ctx *c, struct finding *f, bool own)
{
	const struct decomposition *d = &c->e->d;
	const struct path_scope s = { .classes = CLASS_BIT(WC_RUNQUEUE) };
	struct path_sum rq = scope_sum(c, &s);
	double wanting = wanting_cpus(d), others = behind_others_share(c->m);
	char n[32], each[32];

	if (!rq.ns || (wanting >= d->ncpus + explain_th.runqueue_excess) != own ||
	    (!own && others < explain_th.behind_others))
		return false;
	/* the run's own threads wanting more CPUs than there are: the CPUs bound the run, their time
	 * on one as much as in the queue for one; other processes: the share of the queueing behind them */
	explain_scope(c, f, own ? &(struct path_scope){ .classes = RUN_CLASSES } : &s);
	if (!own)
		f->explained_s *= others;
	evidence(f, "behind_others_share", others);
	evidence(f, "threads_wanting_cpu", wanting);
	evidence(f, "runnable_threads", d->runnable);
	evidence(f, "cpus_busy", d->cpus_busy);
	evidence(f, "waits", rq.count);
	fmt_count(n, sizeof(n), rq.count);
	fmt_ns(each, sizeof(each), rq.count ? rq.ns / rq.count : 0);
	if (own) {
		headline(f, "too few CPUs: %.1f threads wanted the %d CPUs; %s waits for one, %s each",
			 wanting, d->ncpus, n, each);
		say(f, "More threads wanted a CPU than there are: on average %.2f of the run's threads were "
		    "running or queued for %d CPUs; the critical path waited for a CPU %s times, %s each "
		    "(%.2f s), and ran or waited to %.2f s of %.2f s.", wanting, d->ncpus, n, each,
		    ns_to_s(rq.ns), f->explained_s, ns_to_s(c->wall_ns));
		advise(f, "Run as many CPU-bound workers as there are CPUs (%d here); more only queue and "
		       "switch.", d->ncpus);
	} else {
		headline(f, "CPUs taken by other processes: %s waits for one, %s each", n, each);
		say(f, "CPUs were taken by others: the run's own threads wanted only %.2f of %d CPUs, yet the "
		    "critical path waited for one %s times, %s each (%.2f s of %.2f s), %.0f%% of the run's "
		    "queueing behind tasks of other processes.", wanting, d->ncpus, n, each, ns_to_s(rq.ns),
		    ns_to_s(c->wall_ns), 100 * others);
		advise(f, "Other processes (or, in a VM, the host) competed for the CPUs: measure on a quiet "
		       "machine, or reserve CPUs for the program (taskset, cgroups cpusets).");
	}
	return true;
}

bool runqueue_saturation(const struct finding_ctx *c, struct finding *f)
{
	return runqueue_finding(c, f, true);
}

bool cpu_contention(const struct finding_ctx *c, struct finding *f)
{
	return runqueue_finding(c, f, false);
}

bool wakeup_latency(const struct finding_ctx *c, struct finding *f)
{
	const struct path_scope s = { .classes = CLASS_BIT(WC_WAKEUP) };
	struct path_sum wk = scope_sum(c, &s);
	char n[32], each[32];

	if (!wk.ns)
		return false;
	explain_scope(c, f, &s);
	evidence(f, "wakeups", wk.count);
	evidence(f, "mean_latency_us", wk.count ? ns_to_s(wk.ns) * 1e6 / wk.count : 0);
	fmt_count(n, sizeof(n), wk.count);
	fmt_ns(each, sizeof(each), wk.count ? wk.ns / wk.count : 0);
	headline(f, "wake-up latency: %s wake-ups onto idle CPUs, %s each", n, each);
	say(f, "Waking up cost time: the critical path was woken onto an idle CPU %s times and waited %s "
	    "each for it to run (%.2f s of %.2f s): the price of sleeping and being woken on this machine "
	    "(an idle vCPU must be woken by its host), queueing behind nobody.", n, each, ns_to_s(wk.ns),
	    ns_to_s(c->wall_ns));
	advise(f, "Hand work over less often (batch it), so threads sleep and wake less; where latency "
	       "matters more than CPU, let the waiting side poll briefly before it sleeps.");
	return true;
}

bool parallel(const struct finding_ctx *c, struct finding *f)
{
	const struct decomposition *d = &c->e->d;
	const struct path_scope s = { .classes = CLASS_BIT(WC_ONCPU) };

	if (d->ncpus < 2 || d->cpus_busy < explain_th.parallel_cpus * d->ncpus)
		return false;
	explain_scope(c, f, &s);
	evidence(f, "cpus_busy", d->cpus_busy);
	evidence(f, "oncpu_s", ns_to_s(d->class_ns[WC_ONCPU]));
	headline(f, "parallel and CPU-bound: %.2f of %d CPUs busy", d->cpus_busy, d->ncpus);
	say(f, "The work ran in parallel and the CPUs were the limit: on average %.2f of %d CPUs were busy "
	    "(%.2f s on a CPU in %.2f s of wall time).", d->cpus_busy, d->ncpus, ns_to_s(d->class_ns[WC_ONCPU]),
	    ns_to_s(d->wall_ns));
	advise(f, "Only less CPU work per item helps now (the on-CPU flame graph shows where it goes), or "
	       "more CPUs.");
	return true;
}
