/* The wait-for graph of a run and its knots, after wPerf (waitgraph.h; docs/explain.md). */
#include "analyze/waitgraph.h"

#include <stdio.h>
#include <string.h>
#include "analyze/thresholds.h"
#include "base/util.h"

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
