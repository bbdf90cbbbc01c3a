/* Findings about what the critical path waited for (detect_waits.h; docs/explain.md has each one's
 * evidence, threshold and advice). */
#include "analyze/detect_waits.h"

#include <stdlib.h>
#include <string.h>
#include "analyze/pools.h"
#include "analyze/roles.h"
#include "analyze/thresholds.h"
#include "base/util.h"
#include "model/account.h"
#include "model/classify.h"
#include "model/syscall_names.h"

#define SCOPE_NODE(n) ((struct path_scope){ .nodes = 1u << (n), .classes = ALL_CLASSES })

/* The wait class in which thread TID carried the most path time; -1 when it carried no wait. */
static int top_wait_class(const struct finding_ctx *c, uint32_t tid)
{
	uint64_t best_ns = 0;
	int best = -1;

	for (int k = WC_DISK; k < WC_COUNT; k++) {
		uint64_t ns = thread_path_ns(c, tid, CLASS_BIT(k));

		if (ns > best_ns) {
			best = k;
			best_ns = ns;
		}
	}
	return best;
}

/* A thread of a pool: a thread other than its process's main one, or the main thread of a process
 * forked (not executed) as a worker. */
static bool in_a_pool(const struct run_model *m, const struct thread_acct *a)
{
	const struct model_process *p = model_find_process(m, a->tgid);

	return a->tid != a->tgid || (p && !p->exe && a->tgid != m->meta.root_pid);
}

/* Busy time of T's fellow pool members: threads of its role in its process (worker processes: all). */
static uint64_t siblings_busy_ns(const struct finding_ctx *c, const struct thread_acct *t, enum role role)
{
	uint64_t ns = 0;

	for (size_t i = 0; i < c->m->n_threads; i++) {
		const struct thread_acct *a = &c->m->threads[i].acct;

		if (a != t && thread_role(c->m, a) == role && (role == ROLE_WORKER || a->tgid == t->tgid))
			ns += busy_ns(c, a);
	}
	return ns;
}

/* One pool member (a worker thread, a consumer) carried the path, mostly waiting, while no other
 * member was busy at the same time: the pool's work ran one item after another. */
bool no_concurrency(const struct finding_ctx *c, struct finding *f)
{
	const struct thread_acct *t = top_carrier(c, ALL_CLASSES, false);
	const struct path_scope s = { .tid = t ? t->tid : 0, .classes = ALL_CLASSES };
	uint64_t carried, own, others;
	enum role role;
	struct path_sum waits;
	char n[32], each[32];
	int k;

	if (!t || !in_a_pool(c->m, t) || (role = thread_role(c->m, t)) == ROLE_LOOP)
		return false;
	carried = thread_path_ns(c, t->tid, ALL_CLASSES);
	k = top_wait_class(c, t->tid);
	if (k < 0 || carried < explain_th.carrier_share * c->wall_ns ||
	    thread_path_ns(c, t->tid, WAIT_CLASSES) < explain_th.carrier_waits * carried)
		return false;
	own = busy_ns(c, t);
	others = siblings_busy_ns(c, t, role);
	if (own + others > explain_th.serial_concurrency * own)
		return false;
	explain_scope(c, f, &s);
	waits = scope_sum(c, &(struct path_scope){ .tid = t->tid, .classes = CLASS_BIT(k) });
	evidence(f, "waits", waits.count);
	evidence(f, "wait_s", ns_to_s(waits.ns));
	evidence(f, "concurrency", own ? (double)(own + others) / own : 0);
	evidence(f, "carried_s", ns_to_s(carried));
	fmt_count(n, sizeof(n), waits.count);
	fmt_ns(each, sizeof(each), waits.count ? waits.ns / waits.count : 0);
	headline(f, "no concurrency: %s %s waits ran one at a time on one %s (%s each)", n,
		 wait_classes[k].name, role == ROLE_WORKER ? "worker process" : "worker thread", each);
	say(f, "No concurrency: thread %u (%s) carried %.2f s of the %.2f s, %s waits of %s each in %s, "
	    "one after another, while no other %s was busy (%.2f busy threads of its kind on average): the "
	    "work was handed to a pool, or a consumer, of one.", t->tid, t->comm, ns_to_s(carried),
	    ns_to_s(c->wall_ns), n, each, wait_classes[k].name,
	    role == ROLE_WORKER ? "worker process" : "thread of its process",
	    own ? (double)(own + others) / own : 0);
	advise(f, "Let the waits overlap: more workers (ThreadPoolExecutor(max_workers=N), more consumer "
	       "threads on the queue, Pool(N)) or asyncio.gather over the jobs; they spend their time "
	       "waiting, not computing, so N well above the CPU count is fine.");
	return true;
}

/* Messages between processes: the pipe and unix-socket writes of the threads that pass them
 * (passes_messages), of the process that wrote most (the hub: a pool's parent, a Manager) and of
 * the others. A round trip is a message each way; a one-way stream has none. */
struct traffic {
	uint32_t hub;
	uint64_t hub_messages, other_messages, round_trips;
};

static void message_traffic(const struct finding_ctx *c, struct traffic *t)
{
	uint64_t total = 0;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < c->m->n_procs; i++) {
		uint32_t pid = c->m->procs[i].pid;
		uint64_t written = 0;

		for (size_t k = 0; k < c->m->n_threads; k++) {
			const struct thread_acct *a = &c->m->threads[k].acct;

			if (a->tgid == pid && passes_messages(c, a))
				written += a->io[FK_PIPE][1].calls;
		}
		total += written;
		if (written > t->hub_messages)
			*t = (struct traffic){ .hub = pid, .hub_messages = written };
	}
	t->other_messages = total - t->hub_messages;
	if (2 * t->other_messages >= t->hub_messages && 2 * t->hub_messages >= t->other_messages)
		t->round_trips = t->hub_messages < t->other_messages ? t->hub_messages : t->other_messages;
}

/* Many round trips of small messages, with little CPU each, the work included: each one's fixed
 * cost (pickling, syscalls, wakeups, the threads that pass them) is the run's time, not its bytes
 * and not its work. */
static bool chatty(const struct finding_ctx *c, const struct traffic *t, uint64_t bytes)
{
	uint64_t messages = t->hub_messages + t->other_messages;

	return t->round_trips >= explain_th.handoff_min_jobs && bytes < explain_th.ipc_small_message * messages &&
	       c->e->d.class_ns[WC_ONCPU] / t->round_trips <= explain_th.handoff_max_job_cpu_ns;
}

#define ROUND_TRIP_CLASSES (RUN_CLASSES | CLASS_BIT(WC_PIPE) | CLASS_BIT(WC_LOCK) | CLASS_BIT(WC_GIL))

static void word_round_trips(const struct finding_ctx *c, const struct traffic *t, uint64_t bytes,
			     struct finding *f)
{
	const struct model_process *hub = model_find_process(c->m, t->hub);
	char trips[32], out[32], back[32], each[32], cpu[32], label[40];
	uint64_t running = path_time(c->m, c->p, &(struct path_scope){ .classes = RUN_CLASSES });
	uint64_t pipes = path_time(c->m, c->p, &(struct path_scope){ .classes = CLASS_BIT(WC_PIPE) });

	fmt_count(trips, sizeof(trips), (double)t->round_trips);
	fmt_count(out, sizeof(out), (double)t->hub_messages);
	fmt_count(back, sizeof(back), (double)t->other_messages);
	fmt_ns(each, sizeof(each), 1e9 * f->explained_s / t->round_trips);
	fmt_ns(cpu, sizeof(cpu), (double)c->e->d.class_ns[WC_ONCPU] / t->round_trips);
	headline(f, "round trips between processes: %s, %s of the path each", trips, each);
	say(f, "Round trips between processes: pid %u (%s) sent %s messages to other processes of the tree "
	    "and got %s back (pipes and unix sockets, %.0f bytes each on average), with %s of CPU per round "
	    "trip across the tree, the work included. Passing them took %.2f s of the %.2f s path, %s per "
	    "round trip: %.2f s running or waiting for a CPU, %.2f s waiting on pipes, %.2f s on locks and "
	    "the GIL.", t->hub, hub ? process_label(hub, label, sizeof(label)) : "?", out, back,
	    (double)bytes / (t->hub_messages + t->other_messages), cpu, f->explained_s, ns_to_s(c->wall_ns), each,
	    ns_to_s(running), ns_to_s(pipes), f->explained_s - ns_to_s(running + pipes));
	advise(f, "Send fewer, larger messages: give Pool.map/imap or ProcessPoolExecutor.map a chunksize "
	       "(e.g. len(items) // (4 * workers)) or hand each task a batch of items; keep shared state "
	       "in each worker (a local dict or Counter, merged at the end) rather than in a Manager "
	       "proxy, whose every call is a round trip.");
}

/* Bytes the tree both sent and received over network sockets, when the two match: its sockets
 * talked to each other (loopback TCP between its own threads or processes), not to a remote end. */
static uint64_t local_socket_bytes(const struct decomposition *d)
{
	uint64_t sent = d->io[FK_NET][1].bytes, received = d->io[FK_NET][0].bytes;
	uint64_t less = sent < received ? sent : received, more = sent < received ? received : sent;

	return less >= explain_th.ipc_min_bytes && less >= explain_th.local_socket_match * more ? less : 0;
}

/* Bytes shipped between processes or threads, and the path's time (de)serialising them or waiting
 * on pipes (and on the tree's own sockets); or many small round trips (chatty), and the path's
 * time passing them. */
bool ipc_bound(const struct finding_ctx *c, struct finding *f)
{
	const struct decomposition *d = &c->e->d;
	uint64_t local = local_socket_bytes(d), bytes = d->io[FK_PIPE][1].bytes + local, pipe_ns, pickle_ns = 0;
	struct traffic t;
	char mb[32], sockets[160] = "";

	message_traffic(c, &t);
	evidence(f, "round_trips", (double)t.round_trips);
	evidence(f, "pipe_mb", bytes / 1e6);
	evidence(f, "pipe_writes", (double)d->io[FK_PIPE][1].calls);
	if (chatty(c, &t, bytes)) {
		explain_scope(c, f, &(struct path_scope){ .classes = ROUND_TRIP_CLASSES });
		word_round_trips(c, &t, bytes, f);
		return true;
	}
	if (bytes < explain_th.ipc_min_bytes)
		return false;
	pipe_ns = path_time(c->m, c->p, &(struct path_scope){ .classes = CLASS_BIT(WC_PIPE) });
	if (local)   /* their waits, ended by the network stack, are the other end's doing */
		pipe_ns += path_time(c->m, c->p, &(struct path_scope){ .nodes = 1u << GN_NET, .classes = ALL_CLASSES });
	for (size_t i = 0; i < c->m->n_procs; i++) {   /* copying through the tree's own sockets too */
		uint32_t pid = c->m->procs[i].pid;

		pickle_ns += path_time(c->m, c->p, &(struct path_scope){ .tgid = pid, .classes = CLASS_BIT(WC_ONCPU) }) *
			     (activity_share(&c->act, pid, ACT_PICKLE) +
			      (local ? activity_share(&c->act, pid, ACT_SOCKET) : 0));
	}
	f->scope = (struct path_scope){ .classes = CLASS_BIT(WC_PIPE) | CLASS_BIT(WC_ONCPU) |
				       (local ? CLASS_BIT(WC_NET) : 0) };
	f->explained_s = ns_to_s(pipe_ns + pickle_ns);
	evidence(f, "local_socket_mb", local / 1e6);
	evidence(f, "pickle_s", ns_to_s(pickle_ns));
	evidence(f, "pipe_wait_s", ns_to_s(pipe_ns));
	evidence(f, "pickle_cpu_share", activity_share(&c->act, 0, ACT_PICKLE));
	snprintf(mb, sizeof(mb), "%.0f MB", bytes / 1e6);
	headline(f, "%s shipped between processes: %.2f s pickling and copying, %.2f s waiting on pipes",
		 mb, ns_to_s(pickle_ns), ns_to_s(pipe_ns));
	if (local)
		snprintf(sockets, sizeof(sockets), "; %.0f MB went both out of and into the tree's own network "
			 "sockets (its ends talking to each other over loopback)", local / 1e6);
	say(f, "Data shipped between processes: %.0f MB written to pipes and unix sockets in %llu writes%s; "
	    "on the critical path %.2f s went to (un)pickling and copying it (%.0f%% of all CPU samples were "
	    "in pickle or multiprocessing's connection code) and %.2f s to waiting for the other end, of "
	    "%.2f s.", d->io[FK_PIPE][1].bytes / 1e6, (unsigned long long)d->io[FK_PIPE][1].calls, sockets,
	    ns_to_s(pickle_ns), 100 * activity_share(&c->act, 0, ACT_PICKLE), ns_to_s(pipe_ns),
	    ns_to_s(c->wall_ns));
	advise(f, "Ship less between processes: pass file names, indices or shared memory "
	       "(multiprocessing.shared_memory, or data the workers inherit at fork) instead of the data "
	       "itself, and let each worker load or produce its own input.");
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Processes the tree started by executing a program, the root left out. */
struct started {
	size_t n;
	uint64_t *life_ns, oncpu_ns, path_ns, startup_samples, samples;
	const struct model_process *example;
};

static void started_processes(const struct finding_ctx *c, struct started *s)
{
	memset(s, 0, sizeof(*s));
	s->life_ns = xcalloc(c->m->n_procs ? c->m->n_procs : 1, sizeof(*s->life_ns));
	for (size_t i = 0; i < c->m->n_procs; i++) {
		const struct model_process *p = &c->m->procs[i];
		struct acct_totals t;

		if (!p->exe || p->pid == c->m->meta.root_pid || p->end_ns <= p->start_ns)
			continue;
		totals_of(c->m, p->pid, &t);
		s->life_ns[s->n++] = p->end_ns - p->start_ns;
		s->oncpu_ns += t.ns[WC_ONCPU];
		s->path_ns += path_time(c->m, c->p, &(struct path_scope){ .tgid = p->pid, .classes = ALL_CLASSES });
		for (size_t a = 0; a < c->act.n_procs; a++)
			if (c->act.procs[a].id == p->pid) {
				s->startup_samples += c->act.procs[a].samples[ACT_STARTUP];
				for (int k = 0; k < ACT_COUNT; k++)
					s->samples += c->act.procs[a].samples[k];
			}
		s->example = p;
	}
	qsort(s->life_ns, s->n, sizeof(*s->life_ns), cmp_u64);
}

/* Many short-lived programs started one after another: their start-up is the work. */
bool process_startup(const struct finding_ctx *c, struct finding *f)
{
	struct started s;
	char label[48], n[32], life[32], cpu[32];
	double median;

	started_processes(c, &s);
	median = s.n ? s.life_ns[s.n / 2] : 0;
	free(s.life_ns);
	if (s.n < explain_th.startup_min_procs || median > explain_th.startup_max_life_ns)
		return false;
	f->scope = (struct path_scope){ .nodes = 1u << ROLE_WORKER, .classes = ALL_CLASSES };
	f->explained_s = ns_to_s(s.path_ns);
	evidence(f, "processes", (double)s.n);
	evidence(f, "median_life_ms", median / 1e6);
	evidence(f, "oncpu_ms_each", ns_to_s(s.oncpu_ns) * 1e3 / s.n);
	evidence(f, "startup_cpu_share", share(s.startup_samples, s.samples));
	fmt_count(n, sizeof(n), (double)s.n);
	fmt_ns(life, sizeof(life), median);
	fmt_ns(cpu, sizeof(cpu), (double)s.oncpu_ns / s.n);
	process_label(s.example, label, sizeof(label));
	headline(f, "process start-up: %s programs started (%s each, %s on a CPU)", n, life, cpu);
	say(f, "Process start-ups: %s programs were started (such as `%s`), living %s each (median) with %s "
	    "on a CPU each, %.0f%% of their CPU samples in the loader, interpreter start-up and imports; "
	    "they carried %.2f s of the %.2f s critical path.", n, label, life, cpu,
	    100 * share(s.startup_samples, s.samples), ns_to_s(s.path_ns), ns_to_s(c->wall_ns));
	advise(f, "Start processes once and reuse them: keep a pool alive (multiprocessing.Pool, "
	       "ProcessPoolExecutor) or call the code in-process (import it) instead of running a new "
	       "interpreter or program per item; here each start costs about %s.", life);
	return true;
}

/* Wakeups the network ended, summed over every thread: the network waits in flight, in time. */
static uint64_t network_waited_ns(const struct run_model *m)
{
	uint64_t ns = 0;

	for (size_t i = 0; i < m->n_wakeups; i++)
		if (waker_node(m, &m->wakeups[i]) == GN_NET)
			ns += m->wakeups[i].s.waited_ns;
	return ns;
}

/* Network waits an event loop did: its requests overlap inside the loop, unseen per thread. */
static uint64_t loop_network_ns(const struct finding_ctx *c, const struct path_scope *net)
{
	const struct path_scope loop = { .nodes = 1u << ROLE_LOOP, .classes = ALL_CLASSES };

	return path_overlap(c->m, c->p, net, &loop);
}

bool network_bound(const struct finding_ctx *c, struct finding *f)
{
	const struct path_scope s = SCOPE_NODE(GN_NET);
	struct path_sum net = scope_sum(c, &s);
	double in_flight;
	bool loop;
	char n[32], rtt[32], total[32];

	if (!net.ns || local_socket_bytes(&c->e->d))   /* its sockets talked to each other: ipc-bound */
		return false;
	explain_scope(c, f, &s);
	loop = loop_network_ns(c, &s) * 2 > net.ns;
	/* threads waiting at once, or requests sent per wait on the path: one thread multiplexing
	 * sockets (curl's multi interface) waits once for many */
	in_flight = (double)network_waited_ns(c->m) / net.ns;
	if (net.count && c->e->d.io[FK_NET][1].calls / net.count > in_flight)
		in_flight = c->e->d.io[FK_NET][1].calls / net.count;
	if (in_flight < 1)
		in_flight = 1;
	evidence(f, "waits", net.count);
	evidence(f, "mean_wait_ms", net.count ? ns_to_s(net.ns) * 1e3 / net.count : 0);
	evidence(f, "event_loop", loop);
	if (!loop)
		evidence(f, "in_flight", in_flight);
	fmt_count(n, sizeof(n), net.count);
	fmt_ns(rtt, sizeof(rtt), net.count ? net.ns / net.count : 0);
	fmt_ns(total, sizeof(total), net.ns);
	if (loop) {
		headline(f, "network-bound: the event loop waited %s for responses (%s waits)", total, n);
		say(f, "Network waits: the event loop waited for network responses %s times, %s each, %.2f s of "
		    "the %.2f s; its requests overlap inside the loop, so the slowest responses bound the run.",
		    n, rtt, ns_to_s(net.ns), ns_to_s(c->wall_ns));
		advise(f, "The requests already overlap in the event loop: the remote end's latency bounds the "
		       "run; cheaper round trips (keep-alive sessions, fewer and larger requests) or a closer "
		       "or faster server are what is left.");
		return true;
	}
	headline(f, "network-bound: %s responses awaited, %s each, %.1f in flight", n, rtt, in_flight);
	say(f, "Network waits: the critical path awaited %s network responses, %s each, %.2f s of the "
	    "%.2f s; %.1f requests were in flight on average%s.", n, rtt, ns_to_s(net.ns),
	    ns_to_s(c->wall_ns), in_flight, in_flight < explain_th.sequential_in_flight ?
	    ": one at a time" : "");
	if (in_flight < explain_th.sequential_in_flight)
		advise(f, "Overlap the requests: asyncio.gather with aiohttp (or httpx.AsyncClient), a "
		       "ThreadPoolExecutor running requests (max_workers=16 or more), or curl's multi "
		       "interface; %s waits of %s then take about %s divided by the requests in flight.",
		       n, rtt, total);
	else
		advise(f, "The requests already overlap (%.1f in flight): the remote end's latency bounds the "
		       "run; raise the concurrency further, or make each round trip cheaper (keep-alive "
		       "sessions, fewer and larger requests).", in_flight);
	return true;
}

/* Syscalls that wait for the device to have the data: syncs. */
static uint64_t sync_calls(const struct run_model *m)
{
	static const char *const names[] = { "fsync", "fdatasync", "sync_file_range", "msync", "syncfs",
					     "sync" };
	uint64_t n = 0;

	for (size_t i = 0; i < m->n_syscalls; i++)
		for (size_t k = 0; k < ARRAY_LEN(names); k++)
			if ((long)m->syscalls[i].nr == syscall_nr(names[k]))
				n += m->syscalls[i].s.count;
	return n;
}

static bool did_file_io(const struct run_model *m, const struct decomposition *d)
{
	for (size_t i = 0; i < m->n_blks; i++)
		if (m->blks[i].k.attributed && m->blks[i].s.count)
			return true;
	return d->io[FK_FILE][0].calls || d->io[FK_FILE][1].calls || sync_calls(m) || !m->meta.wait_causes;
}

bool disk_bound(const struct finding_ctx *c, struct finding *f)
{
	const struct decomposition *d = &c->e->d;
	const struct path_scope s = { .nodes = 1u << GN_DISK,
		.classes = CLASS_BIT(WC_DISK) | CLASS_BIT(WC_KERNEL_LOCK) | CLASS_BIT(WC_OTHER_D) };
	struct path_sum disk = scope_sum(c, &s);
	char n[32], each[32], syncs[32];

	if (!disk.ns || !did_file_io(c->m, d))
		return false;
	explain_scope(c, f, &s);
	evidence(f, "waits", disk.count);
	evidence(f, "mean_wait_ms", disk.count ? ns_to_s(disk.ns) * 1e3 / disk.count : 0);
	evidence(f, "syncs", (double)sync_calls(c->m));
	evidence(f, "disk_busy", d->disk_busy);
	evidence(f, "file_write_mb", d->write_bytes / 1e6);
	evidence(f, "device_written_mb", d->sectors_written * 512 / 1e6);
	fmt_count(n, sizeof(n), disk.count);
	fmt_ns(each, sizeof(each), disk.count ? disk.ns / disk.count : 0);
	fmt_count(syncs, sizeof(syncs), (double)sync_calls(c->m));
	headline(f, "disk-bound: %s waits for the device, %s each (%s syncs)", n, each, syncs);
	say(f, "Disk waits: the critical path waited for the device %s times, %s each, %.2f s of the %.2f s "
	    "(%s fsync-family calls); the device was busy %.0f%% of the time, %.2f MB written to files, "
	    "%.2f MB by the device.", n, each, ns_to_s(disk.ns), ns_to_s(c->wall_ns), syncs,
	    100 * d->disk_busy, d->write_bytes / 1e6, d->sectors_written * 512 / 1e6);
	advise(f, "Wait for the device less often: sync once per batch of writes (or per file, at the end) "
	       "instead of per write, write larger blocks, or keep several writes in flight (several files "
	       "at once, io_uring); a faster device helps only once the waits are few and large.");
	return true;
}

/* The executor threads of an event loop's pool that did most of the tree's sleeping (timer waits):
 * how many slept and how many sleeps they took. A pool handed more jobs than it has threads, whose
 * threads all sleep at once, had its size bound the overlap. */
struct sleepers {
	int threads;
	uint64_t sleeps, ns;
};

static void pool_sleepers(const struct finding_ctx *c, struct sleepers *best)
{
	memset(best, 0, sizeof(*best));
	for (size_t i = 0; i < c->m->n_procs; i++) {
		struct sleepers s = { 0 };
		struct pool p;

		for (size_t k = 0; k < c->m->n_threads; k++) {
			const struct thread_acct *a = &c->m->threads[k].acct;

			if (a->tgid != c->m->procs[i].pid || !a->ns[WC_TIMER] || thread_role(c->m, a) != ROLE_EXECUTOR)
				continue;
			s.threads++;
			s.sleeps += a->blocks[WC_TIMER];
			s.ns += a->ns[WC_TIMER];
		}
		if (s.threads < 2 || s.ns <= best->ns)   /* measured only where it could matter */
			continue;
		pool_of_process(c, c->m->procs[i].pid, &p);
		/* jobs counted exactly: an event loop hears of each through its self-pipe (wakeups between
		 * threads count each one's start, end and GIL hand-overs too) */
		if (p.dispatcher == ROLE_LOOP && p.handbacks > (uint64_t)s.threads)
			*best = s;
	}
}

bool timer_bound(const struct finding_ctx *c, struct finding *f)
{
	const struct path_scope s = SCOPE_NODE(GN_TIMER);
	struct path_sum timer = scope_sum(c, &s);
	struct acct_totals t;
	struct sleepers pool;
	char n[32], each[32], at_once[160] = "";
	double sleeping;

	if (!timer.ns)
		return false;
	totals_of(c->m, 0, &t);
	pool_sleepers(c, &pool);
	sleeping = (double)t.ns[WC_TIMER] / timer.ns;
	explain_scope(c, f, &s);
	evidence(f, "waits", timer.count);
	evidence(f, "mean_wait_ms", timer.count ? ns_to_s(timer.ns) * 1e3 / timer.count : 0);
	evidence(f, "sleeping_at_once", sleeping);
	fmt_count(n, sizeof(n), timer.count);
	fmt_ns(each, sizeof(each), timer.count ? timer.ns / timer.count : 0);
	if (t.ns[WC_TIMER])   /* an event loop's timers are its idle waits: how many at once is unknown */
		snprintf(at_once, sizeof(at_once), "; %.1f threads slept at once on average", sleeping);
	headline(f, "sleeping: %s timer waits of %s on the critical path", n, each);
	if (pool.threads >= 2 && pool.ns >= explain_th.pool_sleep_share * t.ns[WC_TIMER] &&
	    pool.sleeps > (uint64_t)pool.threads && sleeping >= explain_th.pool_sleep_share * pool.threads) {
		evidence(f, "pool_threads", pool.threads);
		headline(f, "sleeping in a full pool: %llu sleeps on %d threads, %s waits of %s on the critical path",
			 (unsigned long long)pool.sleeps, pool.threads, n, each);
		say(f, "Sleeping in a full pool: the critical path waited on timers %s times, %s each, %.2f s of the "
		    "%.2f s. %llu blocking sleeps ran on a pool of %d threads, %.1f at once on average: every "
		    "thread was asleep, so the pool's size, not the work, set how many overlapped.", n, each,
		    ns_to_s(timer.ns), ns_to_s(c->wall_ns), (unsigned long long)pool.sleeps, pool.threads, sleeping);
		advise(f, "Let more waits overlap: a larger pool (ThreadPoolExecutor(max_workers=N); asyncio's "
		       "default executor has min(32, CPUs + 4) threads, set another with "
		       "loop.set_default_executor), or awaitable waits (asyncio.sleep, an async client) that "
		       "hold no thread.");
		return true;
	}
	say(f, "Sleeping: the critical path waited on timers %s times, %s each (sleeps, timeouts), %.2f s of "
	    "the %.2f s%s.", n, each, ns_to_s(timer.ns), ns_to_s(c->wall_ns), at_once);
	advise(f, "The program waits on purpose (time.sleep, nanosleep, timeouts): shorten or remove the "
	       "sleeps, overlap them, or, when they poll for something, wait for it directly (an Event, a "
	       "queue, a condition) so the wait ends as soon as it can.");
	return true;
}

/* Rules the disk out, for a program that wrote to files: a note that explains no time. */
bool disk_not_bottleneck(const struct finding_ctx *c, struct finding *f)
{
	const struct decomposition *d = &c->e->d;
	uint64_t disk_path = path_time(c->m, c->p, &(struct path_scope){ .nodes = 1u << GN_DISK,
							       .classes = ALL_CLASSES });

	if (d->write_bytes < explain_th.disk_note_bytes || d->disk_busy >= explain_th.disk_idle_busy ||
	    disk_path >= explain_th.disk_note_path * c->wall_ns)
		return false;
	evidence(f, "disk_busy", d->disk_busy);
	evidence(f, "file_write_mb", d->write_bytes / 1e6);
	evidence(f, "device_written_mb", d->sectors_written * 512 / 1e6);
	evidence(f, "disk_path_s", ns_to_s(disk_path));
	headline(f, "not the disk: busy %.1f%% of the time", 100 * d->disk_busy);
	say(f, "The disk was not the bottleneck: %.2f MB were written to files, the device was busy %.1f%% of "
	    "the time, and the critical path waited for it %.3f s.", d->write_bytes / 1e6,
	    100 * d->disk_busy, ns_to_s(disk_path));
	return true;
}
