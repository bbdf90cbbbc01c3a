/* The wait-for graph of a run's wakeup edges (after wPerf, OSDI 2018), whose knots hold the
 * bottleneck. */
#ifndef CONCTRACE_WAITGRAPH_H
#define CONCTRACE_WAITGRAPH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analyze/roles.h"
#include "model/model.h"

/* The wait-for graph: edge [waiter][waker] holds the time waiters of one node waited until a thread
 * (or pseudo node) of the other woke them. */
struct wait_graph {
	uint64_t waited_ns[GN_COUNT][GN_COUNT], count[GN_COUNT][GN_COUNT];
	uint64_t work_ns[GN_COUNT];   /* on-CPU + runqueue time of the node's threads */
	bool present[GN_COUNT];
	uint64_t total_ns;            /* every edge's weight */
	size_t n_knots;
	unsigned knots[GN_COUNT];     /* bitmasks of nodes, heaviest knot first */
	uint64_t knot_ns[GN_COUNT];   /* weight waiting on the knot, plus its own work */
};

void wait_graph_build(const struct run_model *m, struct wait_graph *g);
/* Node names of knot K joined by '+', into BUF. */
void knot_name(const struct wait_graph *g, size_t k, char *buf, size_t len);
json_t *wait_graph_json(const struct wait_graph *g);

#endif
