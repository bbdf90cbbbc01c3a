/* What one run's work is made of, from its trace (work.h; docs/predict.md). */
#include "analyze/work.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/activity.h"
#include "analyze/estpath.h"
#include "analyze/finding_ctx.h"
#include "analyze/findings.h"
#include "analyze/roles.h"
#include "base/util.h"
#include "model/account.h"
#include "model/syscall_names.h"

#define CAPACITY_WINDOW_NS 10000000ULL  /* the CPUs the run got are measured per 10 ms */
#define MULTIPLEXED_SHARE 0.9           /* fewer path network waits than this share of the requests:
					 * one thread had several in flight... */
#define MULTIPLEXED_LONGEST 2.0         /* ...or one wait this many times a request's share */
#define MIN_WORK_S 0.1                  /* less work than this (start-up aside) is too short to tell */
#define CHAIN_HOPS 20                   /* a path handed between threads this often, one at a time... */
#define CHAIN_CONCURRENCY 1.2           /* ...with at most this many threads busy on average */
#define ASSUMED_UNITS 1000              /* CPU work with no units seen: assumed this finely divisible */
#define HANDOFFS_MEASURED 1000          /* round trips enough to price one from the run's own */

/* The CPUs the run could get, from the CPU time it got (GOT) while it wanted CPU time WANT_CAPPED
 * (running or queued, at most NCPUS at a time) for WANTING seconds (while one thread or more did):
 * a run held back by other load got a share of the machine, per second it wanted one; one that got
 * what it wanted had the machine. */
static double capacity(double got, double wanting, double want_capped, int ncpus)
{
	if (wanting <= 0 || got >= 0.9 * want_capped)
		return ncpus;
	return got / wanting;
}

/* Per window of the root's life, the CPU time the run's threads got and the time they queued for
 * one, so that one thread's wanting (running or queued) is told from several threads' at once. A
 * thread woken often waits for a CPU after each wake-up: that latency counts against the CPUs to
 * be had, as it lengthened the run it was measured on. */
static double capacity_from_timeline(const struct run_model *m, uint64_t start, uint64_t end)
{
	size_t nw = (end - start) / CAPACITY_WINDOW_NS + 1;
	double *got = xcalloc(nw, sizeof(*got)), *queued = xcalloc(nw, sizeof(*queued));
	double g = 0, wanting = 0, capped = 0, window = CAPACITY_WINDOW_NS;

	for (size_t i = 0; i < m->timeline.n_intervals; i++) {
		const struct model_interval *iv = &m->timeline.intervals[i];
		double *into = iv->wait_class == WC_ONCPU ? got : iv->wait_class == WC_RUNQUEUE ? queued : NULL;
		uint64_t a = iv->start_ns > start ? iv->start_ns : start, b = iv->end_ns < end ? iv->end_ns : end;

		while (into && a < b) {
			size_t k = (a - start) / CAPACITY_WINDOW_NS;
			uint64_t edge = start + (k + 1) * CAPACITY_WINDOW_NS, to = edge < b ? edge : b;

			into[k] += to - a;
			a = to;
		}
	}
	for (size_t k = 0; k < nw; k++) {
		double want = got[k] + queued[k];

		g += got[k];
		wanting += fmin(want, window);
		capped += fmin(want, m->meta.ncpus * window);
	}
	free(got);
	free(queued);
	return capacity(g, wanting, capped, m->meta.ncpus);
}

/* Without a timeline, the same from the totals of the run. */
static double capacity_from_totals(const struct run_model *m, uint64_t wall)
{
	struct acct_totals t;
	double want;

	totals_of(m, 0, &t);
	want = t.ns[WC_ONCPU] + t.ns[WC_RUNQUEUE] + t.ns[WC_WAKEUP];
	return capacity(t.ns[WC_ONCPU], fmin(want, wall), fmin(want, (double)m->meta.ncpus * wall), m->meta.ncpus);
}

static double capacity_of(const struct run_model *m, const struct critical_path *p, uint64_t wall)
{
	double c = m->timeline.recorded && p && p->end_ns > p->start_ns ?
		   capacity_from_timeline(m, p->start_ns, p->end_ns) : capacity_from_totals(m, wall);

	return fmin(fmax(c, 0.05), m->meta.ncpus);
}

/* Activities that are the model's own machinery around hand-offs. */
static const enum activity machinery[] = { ACT_MACHINERY, ACT_GIL, ACT_SPIN };

/* The units' CPU time, split user/kernel, and the root's start-up: each process's on-CPU time
 * shared out as its samples' activities are; what the model's machinery did (the loop, executors,
 * the GIL, pickling, spinning) is left out, and its CPU (and of it in user mode) added to
 * *MACHINERY_S and *MACHINERY_USER_S. */
static void cpu_work(const struct run_model *m, struct work *w, double *machinery_s, double *machinery_user_s)
{
	struct activities act;
	double tree_kernel;

	activities_of(m, &act);
	tree_kernel = act.samples[ACT_WORK] ? (double)act.kernel[ACT_WORK] / act.samples[ACT_WORK] : 0.5;
	for (size_t i = 0; i < m->n_procs; i++) {
		const struct model_process *proc = &m->procs[i];
		const struct activity_count *pa = NULL;
		struct acct_totals t;
		double oncpu, n = 0, work = 1, kernel = tree_kernel, startup = 0;

		totals_of(m, proc->pid, &t);
		oncpu = ns_to_s(t.ns[WC_ONCPU]);
		for (size_t k = 0; k < act.n_procs; k++)
			if (act.procs[k].id == proc->pid)
				pa = &act.procs[k];
		for (int k = 0; pa && k < ACT_COUNT; k++)
			n += pa->samples[k];
		if (n > 0) {
			work = pa->samples[ACT_WORK] / n;
			kernel = pa->samples[ACT_WORK] ? (double)pa->kernel[ACT_WORK] / pa->samples[ACT_WORK] : 0;
			startup = pa->samples[ACT_STARTUP] / n;
		}
		for (size_t k = 0; n > 0 && k < ARRAY_LEN(machinery); k++) {
			*machinery_s += oncpu * pa->samples[machinery[k]] / n;
			*machinery_user_s += oncpu * (pa->samples[machinery[k]] - pa->kernel[machinery[k]]) / n;
		}
		w->cpu_user_s += oncpu * work * (1 - kernel);
		w->cpu_kernel_s += oncpu * work * kernel;
		if (proc->pid == m->meta.root_pid)
			w->startup_s = oncpu * startup;
	}
	activities_free(&act);
}

static uint64_t syscall_count(const struct explanation *e, const char *name)
{
	long nr = syscall_nr(name);

	return nr >= 0 && nr < SYSCALL_NR_MAX ? e->sys_count[nr] : 0;
}

/* Waits the node NODE ended, summed over every thread: the waits of all units in flight. */
static uint64_t waited_on(const struct run_model *m, enum graph_node node)
{
	uint64_t ns = 0;

	for (size_t i = 0; i < m->n_wakeups; i++)
		if (waker_node(m, &m->wakeups[i]) == node)
			ns += m->wakeups[i].s.waited_ns;
	return ns;
}

/* Waits charged to NODE on the path: their time, how many there were, and the longest. */
static void path_node(const struct critical_path *p, enum graph_node node, double *s, double *count,
		      double *longest)
{
	*s = *count = *longest = 0;
	for (size_t i = 0; p && i < p->n_segments; i++)
		if (p->segments[i].node == node) {
			double len = ns_to_s(p->segments[i].end_ns - p->segments[i].start_ns);

			*s += len;
			*count += p->segments[i].count;
			*longest = fmax(*longest, len / fmax(p->segments[i].count, 1));
		}
}

/* Waits on NODE summed over the units: the path's, times how many were in flight at once. Blocking
 * threads show it (all threads' waits over the path's); a thread that multiplexes (an event loop,
 * curl's multi interface) waits once for several, and there was one connection per request in
 * flight. It is told by its waits: fewer on the path than each waiting thread had requests, or one
 * of them longer than MULTIPLEXED_LONGEST times a request's share of the path's waiting (waits of
 * requests one after another are each about that share; a wait that covers several is longer). */
static double unit_waits(const struct run_model *m, const struct critical_path *p, enum graph_node node,
			 double requests, double connections, double *path_count)
{
	double path_s, longest, in_flight, per_thread;

	path_node(p, node, &path_s, path_count, &longest);
	if (path_s <= 0)
		return 0;
	in_flight = fmax(ns_to_s(waited_on(m, node)) / path_s, 1);
	per_thread = requests / in_flight;
	if (requests > 0 && connections > in_flight && (*path_count < MULTIPLEXED_SHARE * per_thread ||
							 longest > MULTIPLEXED_LONGEST * path_s / per_thread))
		in_flight = fmin(requests, connections);
	return path_s * in_flight;
}

static void waits(const struct run_model *m, const struct critical_path *p, const struct explanation *e,
		  struct work *w)
{
	const struct decomposition *d = &e->d;
	double count, longest;

	w->requests = d->io[FK_NET][1].calls;
	w->net_s = unit_waits(m, p, GN_NET, w->requests, syscall_count(e, "connect"), &count);
	if (w->net_s > 0 && w->requests < 1)
		w->requests = count;
	w->timer_s = unit_waits(m, p, GN_TIMER, 0, 0, &count);
	w->disk_wait_s = ns_to_s(waited_on(m, GN_DISK));
	path_node(p, GN_DISK, &w->device_s, &count, &longest);
	w->wakeup_s = p ? ns_to_s(p->class_ns[WC_WAKEUP]) : 0;
}

/* Executor round trips of event loops: each finished job writes to its loop's self-pipe, so the
 * pipe writes of the executor threads of processes that run an event loop. */
static double loop_handoffs(const struct run_model *m)
{
	double n = 0;

	for (size_t i = 0; i < m->n_threads; i++) {
		const struct thread_acct *a = &m->threads[i].acct;
		const struct thread_acct *main = model_find_thread(m, a->tgid);

		if (main && thread_role(m, main) == ROLE_LOOP && thread_role(m, a) == ROLE_EXECUTOR)
			n += a->io[FK_PIPE][1].calls;
	}
	return n;
}

/* io_uring's workers (iou-wrk-*) ran file calls for the run. */
static bool used_uring(const struct run_model *m)
{
	for (size_t i = 0; i < m->n_threads; i++)
		if (!strncmp(m->threads[i].acct.comm, "iou-wrk", 7))
			return true;
	return false;
}

/* Blocking file calls: every read, write, open and sync; or the executor round trips an event loop
 * made, when more (aiofiles' calls, which Python's buffering hides from the syscalls). */
static double file_calls(const struct explanation *e, double handoffs)
{
	static const char *const calls[] = { "openat", "open", "fsync", "fdatasync", "sync_file_range" };
	double n = e->d.io[FK_FILE][0].calls + e->d.io[FK_FILE][1].calls;

	for (size_t i = 0; i < ARRAY_LEN(calls); i++)
		n += syscall_count(e, calls[i]);
	return fmax(n, handoffs);
}

/* Bytes a process pool shipped: pipe writes, when the run had worker processes. */
static double pool_bytes(const struct explanation *e)
{
	return e->d.roles[ROLE_WORKER].threads ? (double)e->d.io[FK_PIPE][1].bytes : 0;
}

/* Waits of CLASS every thread entered. */
static double entered(const struct run_model *m, int class)
{
	double n = 0;

	for (size_t i = 0; i < m->n_threads; i++)
		n += m->threads[i].acct.blocks[class];
	return n;
}

/* Times the path passed from one thread of the tree to another. */
static size_t path_hops(const struct critical_path *p)
{
	size_t hops = 0;
	uint32_t last = 0;

	for (size_t i = 0; p && i < p->n_segments; i++) {
		if (!p->segments[i].tid)
			continue;
		hops += last && p->segments[i].tid != last;
		last = p->segments[i].tid;
	}
	return hops;
}

/* The units, from the largest part of the work: requests, sleeps, syncs, else the CPU work, whose
 * loop the trace cannot see (assumed finely divisible, unless the path is a chain of hand-offs). */
static void units(const struct run_model *m, const struct critical_path *p, const struct explanation *e,
		  struct work *w, struct work_verdict *v)
{
	double cpu = w->cpu_user_s + w->cpu_kernel_s, syncs = syscall_count(e, "fsync") +
		     syscall_count(e, "fdatasync"), busy;
	struct acct_totals t;

	totals_of(m, 0, &t);
	busy = e->d.wall_ns ? (double)(t.ns[WC_ONCPU] + t.ns[WC_RUNQUEUE]) / e->d.wall_ns : 0;
	w->units_known = true;
	if (w->net_s >= fmax(cpu, fmax(w->timer_s, w->disk_wait_s)) && w->requests >= 2) {
		w->units = w->requests;
		snprintf(v->why, sizeof(v->why), "units: the %.0f network requests", w->units);
	} else if (w->timer_s >= fmax(cpu, w->disk_wait_s) && entered(m, WC_TIMER) >= 2) {
		w->units = entered(m, WC_TIMER);
		snprintf(v->why, sizeof(v->why), "units: the %.0f sleeps", w->units);
	} else if (w->disk_wait_s >= cpu && syncs >= 2) {
		w->units = syncs;
		snprintf(v->why, sizeof(v->why), "units: the %.0f syncs", w->units);
	} else if (path_hops(p) >= CHAIN_HOPS && busy <= CHAIN_CONCURRENCY) {
		v->cannot_tell = "not divisible";
		snprintf(v->why, sizeof(v->why), "the critical path went from thread to thread %zu times with "
			 "%.2f threads busy on average: each step waited for the one before, a chain that no "
			 "model shortens", path_hops(p), busy);
	} else {
		w->units = ASSUMED_UNITS;
		w->units_known = false;
		snprintf(v->why, sizeof(v->why), "assumed: the CPU work splits into independent pieces (the "
			 "trace cannot see a loop's iterations; a chain of dependent steps would not split)");
	}
}

void work_of_run(const struct run_model *m, const struct critical_path *p, const struct explanation *e,
		 struct work *w, struct work_verdict *v)
{
	double machinery_s = 0, machinery_user_s = 0, handoffs = loop_handoffs(m);

	memset(w, 0, sizeof(*w));
	memset(v, 0, sizeof(*v));
	w->ncpus = m->meta.ncpus > 0 ? m->meta.ncpus : 1;
	w->wall_s = ns_to_s(e->d.wall_ns);
	for (size_t i = 0; i < m->n_procs; i++)
		w->python |= is_python_process(&m->procs[i]);
	w->cpu_capacity = capacity_of(m, p, e->d.wall_ns);
	cpu_work(m, w, &machinery_s, &machinery_user_s);
	if (handoffs >= HANDOFFS_MEASURED) {
		w->handoff_cpu_s = machinery_s / handoffs;
		w->handoff_user_s = machinery_user_s / handoffs;
	}
	w->uring_in_work = used_uring(m);
	waits(m, p, e, w);
	w->file_ops = file_calls(e, handoffs);
	w->pipe_bytes = pool_bytes(e);
	units(m, p, e, w, v);
	if (w->wall_s - w->startup_s < MIN_WORK_S) {
		v->cannot_tell = "too short";
		snprintf(v->why, sizeof(v->why), "too short: %.3f s of work after %.3f s of start-up; the "
			 "models' own costs would decide", w->wall_s - w->startup_s, w->startup_s);
	}
}

void explain_with_work(const struct run_model *m, struct explanation *e, struct work *w, struct work_verdict *v)
{
	struct critical_path p;
	bool has_path = critical_path_of(m, &p);

	explain_on_path(m, has_path ? &p : NULL, e);
	work_of_run(m, has_path ? &p : NULL, e, w, v);
	critical_path_free(&p);
}

void work_apply_hint(struct work *w, const struct work_hint *hint, struct work_verdict *v)
{
	if (hint->file_ops >= 0) {
		w->file_ops = hint->file_ops;
		w->file_ops_known = true;
	}
	if (hint->units > 0) {
		w->units = hint->units;
		w->units_known = true;
		if (v->cannot_tell && !strcmp(v->cannot_tell, "not divisible"))
			v->cannot_tell = NULL;
		snprintf(v->why, sizeof(v->why), "units: %.0f, as given", w->units);
	}
}

json_t *work_json(const struct work *w)
{
	return json_pack("{s:i, s:b, s:f, s:f, s:b, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:b, s:f, s:f, s:f, s:f, s:b}",
			 "ncpus", w->ncpus, "python", w->python, "wall_s", w->wall_s, "units", w->units,
			 "units_known", w->units_known, "startup_s", w->startup_s, "cpu_user_s", w->cpu_user_s,
			 "cpu_kernel_s", w->cpu_kernel_s, "net_s", w->net_s, "requests", w->requests,
			 "timer_s", w->timer_s, "disk_wait_s", w->disk_wait_s, "device_s", w->device_s, "wakeup_s", w->wakeup_s,
			 "file_ops", w->file_ops, "file_ops_known", w->file_ops_known, "pipe_bytes", w->pipe_bytes,
			 "handoff_cpu_s", w->handoff_cpu_s, "handoff_user_s", w->handoff_user_s, "uring_in_work", w->uring_in_work,
			 "cpu_capacity", w->cpu_capacity);
}
