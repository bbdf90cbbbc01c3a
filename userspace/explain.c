/* The decomposition of a run and its wait-for graph (explain.h). Findings live in findings.c. */
#include "explain.h"

#include <stdlib.h>
#include <string.h>
#include "account.h"
#include "classify.h"
#include "util.h"

const char *const graph_node_names[GN_COUNT] = {
	"main", "event-loop", "executor", "workers", "kernel-workers", "disk", "timers", "network",
	"outside",
};

/* Calls to an event loop's selector (epoll, io_uring) by process TGID, blocking or not. Poll and
 * select are left out: blocking sockets with a timeout use them without any loop. */
static uint64_t selector_calls(const struct run_model *m, uint32_t tgid)
{
	static const char *const selectors[] = { "epoll_wait", "epoll_pwait", "epoll_pwait2",
						 "io_uring_enter" };
	/* Numbered once: roles are asked for at every step of a critical path, and syscall_nr() is a
	 * search by name (it was 80 % of `conctrace report` on an asyncio cell). */
	static int nrs[ARRAY_LEN(selectors)];
	static bool numbered;
	uint64_t calls = 0;

	if (!numbered) {
		for (size_t k = 0; k < ARRAY_LEN(selectors); k++)
			nrs[k] = syscall_nr(selectors[k]);
		numbered = true;
	}
	for (size_t i = 0; i < m->n_syscalls; i++)
		for (size_t k = 0; k < ARRAY_LEN(selectors) && m->syscalls[i].tgid == tgid; k++)
			if ((int)m->syscalls[i].nr == nrs[k])
				calls += m->syscalls[i].s.count;
	return calls;
}

/* A process's main thread whose loop-idle waits, or its process's selector calls, are at least
 * loop_entry_share of its waits. Counted in entries, not time: without GIL data a loop thread's GIL
 * waits are lock time and can outweigh its idle time in the loop; and a loop whose callbacks
 * block (time.sleep) polls its selector without ever idling in it. */
static bool is_event_loop(const struct run_model *m, const struct thread_acct *a)
{
	uint64_t waits = 0, entries;

	if (a->tid != a->tgid)
		return false;
	for (int c = WC_DISK; c < WC_COUNT; c++)
		waits += a->blocks[c];
	entries = selector_calls(m, a->tgid);
	if (a->blocks[WC_LOOP_IDLE] > entries)
		entries = a->blocks[WC_LOOP_IDLE];
	return entries && entries >= explain_th.loop_entry_share * waits;
}

/* The role of thread TID of process TGID; A is its accounting when known. */
static enum role role_of(const struct run_model *m, uint32_t tid, uint32_t tgid,
			 const struct thread_acct *a)
{
	if (a && is_event_loop(m, a))
		return ROLE_LOOP;
	if (tid != tgid)
		return ROLE_EXECUTOR;
	return tid == m->meta.root_pid ? ROLE_MAIN : ROLE_WORKER;
}

enum role thread_role(const struct run_model *m, const struct thread_acct *a)
{
	return role_of(m, a->tid, a->tgid, a);
}

static bool in_tree(const struct run_model *m, uint32_t tgid)
{
	for (size_t i = 0; i < m->n_procs; i++)
		if (m->procs[i].pid == tgid)
			return true;
	return false;
}

/* Bytes written by the tree's write-family syscalls. */
static uint64_t syscall_write_bytes(const struct run_model *m)
{
	static const char *const writes[] = { "write", "pwrite64", "writev", "pwritev", "pwritev2" };
	uint64_t bytes = 0;

	for (size_t i = 0; i < m->n_syscalls; i++)
		for (size_t w = 0; w < ARRAY_LEN(writes); w++)
			if (m->syscalls[i].nr == syscall_nr(writes[w]))
				bytes += m->syscalls[i].s.bytes;
	return bytes;
}

/* The busiest device: partitions repeat their disk's counters, so devices are never summed. */
static void busiest_disk(const struct run_model *m, uint64_t *io_ticks_ms, uint64_t *sectors_written)
{
	*io_ticks_ms = *sectors_written = 0;
	for (size_t i = 0; i < m->n_disks; i++) {
		if (m->disks[i].io_ticks_ms > *io_ticks_ms)
			*io_ticks_ms = m->disks[i].io_ticks_ms;
		if (m->disks[i].sectors_written > *sectors_written)
			*sectors_written = m->disks[i].sectors_written;
	}
}

/* With a critical path P, the method is the critical path: its split goes into D. */
static void path_split(const struct critical_path *p, struct decomposition *d)
{
	d->method = p ? EXPLAIN_METHOD_PATH : EXPLAIN_METHOD;
	if (!p)
		return;
	d->path_ns = p->end_ns - p->start_ns;
	memcpy(d->path_class_ns, p->class_ns, sizeof(d->path_class_ns));
	memcpy(d->path_node_ns, p->node_ns, sizeof(d->path_node_ns));
}

void decompose_on_path(const struct run_model *m, const struct critical_path *p, struct decomposition *d)
{
	struct acct_totals t;
	uint64_t io_ticks_ms;

	memset(d, 0, sizeof(*d));
	totals_of(m, 0, &t);
	d->ncpus = m->meta.ncpus;
	d->wall_ns = command_wall_ns(m);
	d->thread_ns = t.life_ns;
	memcpy(d->class_ns, t.ns, sizeof(d->class_ns));
	d->cpus_busy = share(t.ns[WC_ONCPU], d->wall_ns);
	d->runnable = share(t.ns[WC_RUNQUEUE], d->wall_ns);
	d->switches = t.nvcsw + t.nivcsw;
	for (size_t i = 0; i < m->n_threads; i++) {
		const struct thread_acct *a = &m->threads[i].acct;
		struct role_time *r = &d->roles[thread_role(m, a)];

		r->threads++;
		r->life_ns += thread_lifetime(a);
		for (int c = 0; c < WC_COUNT; c++)
			r->ns[c] += a->ns[c];
	}
	busiest_disk(m, &io_ticks_ms, &d->sectors_written);
	d->disk_busy = share(io_ticks_ms * 1000000, d->wall_ns);
	d->write_bytes = syscall_write_bytes(m);
	path_split(p, d);
}

void decompose(const struct run_model *m, struct decomposition *d)
{
	struct critical_path p;
	bool has_path = critical_path_build(m, &p);

	decompose_on_path(m, has_path ? &p : NULL, d);
	critical_path_free(&p);
}

static bool in_scope(const struct run_model *m, const struct path_scope *s, const struct path_segment *seg,
		     uint32_t tid, enum graph_node thread_node)
{
	const struct thread_acct *a;

	if (!(s->classes & CLASS_BIT(seg->wait_class)) || (s->tid && tid != s->tid))
		return false;
	a = s->tgid && tid ? model_find_thread(m, tid) : NULL;
	if (s->tgid && (!a || a->tgid != s->tgid))
		return false;
	return !s->nodes || (s->nodes & 1u << seg->node) || (tid && (s->nodes & 1u << thread_node));
}

/* A pseudo node's segment is a wait of the thread of the thread segment before it: walking back,
 * the path goes on in the waiting thread from the wait's start, where that thread ran to block. */
uint64_t path_time(const struct run_model *m, const struct critical_path *p, const struct path_scope *s)
{
	uint32_t thread = 0;
	enum graph_node thread_node = GN_OUTSIDE;
	uint64_t ns = 0;

	for (size_t i = 0; p && i < p->n_segments; i++) {
		const struct path_segment *seg = &p->segments[i];

		if (seg->tid) {
			thread = seg->tid;
			thread_node = (enum graph_node)seg->node;
		}
		if (in_scope(m, s, seg, thread, thread_node))
			ns += seg->end_ns - seg->start_ns;
	}
	return ns;
}

/* Wakers outside the tree that are the kernel itself (or whoever an interrupt happened to hit). */
static bool is_kernel_waker(const struct wakeup_stat *s)
{
	static const char *const prefixes[] = { "kworker", "ksoftirqd", "jbd2", "swapper", "kswapd",
						"rcu", "migration", "irq/", "kthreadd" };

	if (!s->waker_tgid)
		return true;
	for (size_t i = 0; i < ARRAY_LEN(prefixes); i++)
		if (!strncmp(s->waker_comm, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* Disk and timer waits end by an interrupt, whatever task it hit. */
enum graph_node waker_node(const struct run_model *m, const struct model_wakeup *w)
{
	const struct thread_acct *wakee = model_find_thread(m, w->k.wakee_tid);
	uint32_t class = w->k.wakee_class;

	if (class == WC_DISK)
		return GN_DISK;
	if (class == WC_TIMER)
		return GN_TIMER;
	if (in_tree(m, w->s.waker_tgid))
		return (enum graph_node)role_of(m, w->k.waker_tid, w->s.waker_tgid,
						model_find_thread(m, w->k.waker_tid));
	if (class == WC_KERNEL_LOCK || class == WC_OTHER_D)
		return GN_DISK;
	if (class == WC_NET)
		return GN_NET;
	/* A lock or GIL wait the kernel ended timed out: nobody released the lock (CPython's GIL waits
	 * time out every 5 ms to ask the holder to drop it), so the wait stays the waiter's own. */
	if ((class == WC_LOCK || class == WC_GIL) && is_kernel_waker(&w->s) && wakee)
		return (enum graph_node)thread_role(m, wakee);
	return is_kernel_waker(&w->s) ? GN_KERNEL : GN_OUTSIDE;
}

static void add_edges(const struct run_model *m, struct wait_graph *g)
{
	for (size_t i = 0; i < m->n_wakeups; i++) {
		const struct model_wakeup *w = &m->wakeups[i];
		const struct thread_acct *wakee = model_find_thread(m, w->k.wakee_tid);
		enum graph_node from, to;

		if (!wakee)
			continue;
		from = (enum graph_node)thread_role(m, wakee);
		to = waker_node(m, w);
		g->waited_ns[from][to] += w->s.waited_ns;
		g->count[from][to] += w->s.count;
		g->total_ns += w->s.waited_ns;
		g->present[to] = true;
	}
}

static bool edge_kept(const struct wait_graph *g, int from, int to)
{
	return g->waited_ns[from][to] && g->waited_ns[from][to] >= explain_th.edge_min_share * g->total_ns;
}

/* Bitmask of the nodes each node reaches over the edges kept (itself included). */
static void reachability(const struct wait_graph *g, unsigned reach[GN_COUNT])
{
	bool grew = true;

	for (int i = 0; i < GN_COUNT; i++) {
		reach[i] = 1u << i;
		for (int j = 0; j < GN_COUNT; j++)
			if (edge_kept(g, i, j))
				reach[i] |= 1u << j;
	}
	while (grew) {
		grew = false;
		for (int i = 0; i < GN_COUNT; i++)
			for (int j = 0; j < GN_COUNT; j++)
				if ((reach[i] >> j & 1) && (reach[i] | reach[j]) != reach[i]) {
					reach[i] |= reach[j];
					grew = true;
				}
	}
}

/* Kept weight waiting on the knot's nodes (from anywhere) plus the work done inside them. */
static uint64_t knot_weight(const struct wait_graph *g, unsigned knot)
{
	uint64_t ns = 0;

	for (int j = 0; j < GN_COUNT; j++) {
		if (!(knot >> j & 1))
			continue;
		ns += g->work_ns[j];
		for (int i = 0; i < GN_COUNT; i++)
			if (edge_kept(g, i, j))
				ns += g->waited_ns[i][j];
	}
	return ns;
}

static void add_knot(struct wait_graph *g, unsigned knot)
{
	size_t at;

	for (at = 0; at < g->n_knots; at++)
		if (g->knots[at] == knot)
			return;
	at = g->n_knots++;
	g->knots[at] = knot;
	g->knot_ns[at] = knot_weight(g, knot);
	/* insertion: heaviest first */
	for (; at > 0 && g->knot_ns[at] > g->knot_ns[at - 1]; at--) {
		unsigned k = g->knots[at];
		uint64_t ns = g->knot_ns[at];

		g->knots[at] = g->knots[at - 1];
		g->knot_ns[at] = g->knot_ns[at - 1];
		g->knots[at - 1] = k;
		g->knot_ns[at - 1] = ns;
	}
}

/* Kept weight from the nodes of SCC to nodes outside it; *OWN: the work inside it plus the kept
 * waiting between its nodes. */
static uint64_t leaving_weight(const struct wait_graph *g, unsigned scc, uint64_t *own)
{
	uint64_t leaving = 0;

	*own = 0;
	for (int i = 0; i < GN_COUNT; i++) {
		if (!(scc >> i & 1))
			continue;
		*own += g->work_ns[i];
		for (int j = 0; j < GN_COUNT; j++)
			if (edge_kept(g, i, j))
				*(scc >> j & 1 ? own : &leaving) += g->waited_ns[i][j];
	}
	return leaving;
}

/* Knots: strongly connected components of the kept edges that reach nothing outside themselves
 * (wPerf's rule) or, because our nodes also carry their own work, that work and wait among
 * themselves more than they wait on the rest. Components that weigh nothing are left out. */
static void find_knots(struct wait_graph *g)
{
	unsigned reach[GN_COUNT];

	reachability(g, reach);
	for (int i = 0; i < GN_COUNT; i++) {
		unsigned scc = 0;
		uint64_t own, leaving;

		if (!g->present[i])
			continue;
		for (int j = 0; j < GN_COUNT; j++)
			if ((reach[i] >> j & 1) && (reach[j] >> i & 1))
				scc |= 1u << j;
		leaving = leaving_weight(g, scc, &own);
		if ((reach[i] == scc || leaving < own) && knot_weight(g, scc))
			add_knot(g, scc);
	}
}

void wait_graph_build(const struct run_model *m, struct wait_graph *g)
{
	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < m->n_threads; i++) {
		const struct thread_acct *a = &m->threads[i].acct;
		enum role r = thread_role(m, a);

		g->present[r] = true;
		g->work_ns[r] += a->ns[WC_ONCPU] + a->ns[WC_RUNQUEUE];
	}
	add_edges(m, g);
	find_knots(g);
}

void knot_name(const struct wait_graph *g, size_t k, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int j = 0; j < GN_COUNT && used < len; j++)
		if (g->knots[k] >> j & 1)
			used += snprintf(buf + used, len - used, "%s%s", used ? "+" : "",
					 graph_node_names[j]);
}

static json_t *class_ns_json(const uint64_t ns[WC_COUNT])
{
	json_t *j = json_object();

	for (int c = 0; c < WC_COUNT; c++)
		json_object_set_new(j, wait_classes[c].name, json_integer((json_int_t)ns[c]));
	return j;
}

/* The critical path's wall time per class and per node; null without a timeline. */
static json_t *path_split_json(const struct decomposition *d)
{
	json_t *nodes = json_object();

	if (!d->path_ns)
		return json_null();
	for (int g = 0; g < GN_COUNT; g++)
		if (d->path_node_ns[g])
			json_object_set_new(nodes, graph_node_names[g], json_integer((json_int_t)d->path_node_ns[g]));
	return json_pack("{s:I, s:o, s:o}", "wall_ns", (json_int_t)d->path_ns,
			 "class_ns", class_ns_json(d->path_class_ns), "node_ns", nodes);
}

json_t *decomposition_json(const struct decomposition *d)
{
	json_t *roles = json_object(), *j;

	for (int r = 0; r < ROLE_COUNT; r++)
		json_object_set_new(roles, graph_node_names[r],
				    json_pack("{s:i, s:I, s:o}", "threads", d->roles[r].threads,
					      "life_ns", (json_int_t)d->roles[r].life_ns,
					      "ns", class_ns_json(d->roles[r].ns)));
	j = json_pack("{s:i, s:I, s:I, s:f, s:f, s:o, s:o, s:I, s:f, s:I, s:I}", "ncpus", d->ncpus,
			 "wall_ns", (json_int_t)d->wall_ns, "thread_ns", (json_int_t)d->thread_ns,
			 "cpus_busy", d->cpus_busy, "runnable_threads", d->runnable,
			 "class_ns", class_ns_json(d->class_ns), "roles", roles,
			 "switches", (json_int_t)d->switches, "disk_busy", d->disk_busy,
			 "write_syscall_bytes", (json_int_t)d->write_bytes,
			 "device_bytes_written", (json_int_t)(d->sectors_written * 512));
	json_object_set_new(j, "critical_path", path_split_json(d));
	return j;
}

json_t *wait_graph_json(const struct wait_graph *g)
{
	json_t *nodes = json_array(), *edges = json_array(), *knots = json_array();
	char name[128];

	for (int i = 0; i < GN_COUNT; i++) {
		if (g->present[i])
			json_array_append_new(nodes, json_pack("{s:s, s:I}", "name", graph_node_names[i],
							       "work_ns", (json_int_t)g->work_ns[i]));
		for (int j = 0; j < GN_COUNT; j++)
			if (g->count[i][j])
				json_array_append_new(edges, json_pack(
					"{s:s, s:s, s:I, s:I, s:b}", "waiter", graph_node_names[i],
					"waker", graph_node_names[j], "waited_ns", (json_int_t)g->waited_ns[i][j],
					"count", (json_int_t)g->count[i][j],
					"kept", edge_kept(g, i, j)));
	}
	for (size_t k = 0; k < g->n_knots; k++) {
		knot_name(g, k, name, sizeof(name));
		json_array_append_new(knots, json_pack("{s:s, s:I}", "name", name, "weight_ns",
						       (json_int_t)g->knot_ns[k]));
	}
	return json_pack("{s:o, s:o, s:o, s:f}", "nodes", nodes, "edges", edges, "knots", knots,
			 "edge_min_share", explain_th.edge_min_share);
}

json_t *explanation_json(const struct explanation *e)
{
	json_t *findings = json_array();

	for (size_t i = 0; i < e->n_findings; i++) {
		const struct finding *f = &e->findings[i];
		json_t *ev = json_object();

		for (int k = 0; k < f->n_evidence; k++)
			json_object_set_new(ev, f->evidence[k].name, json_real(f->evidence[k].value));
		json_array_append_new(findings, json_pack("{s:s, s:f, s:s, s:o}", "name", f->name,
							  "explained_s", f->explained_s, "text", f->text,
							  "evidence", ev));
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
