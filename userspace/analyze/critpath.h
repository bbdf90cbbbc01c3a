/* The critical path of the root process over the timeline (docs/explain.md). */
#ifndef CONCTRACE_CRITPATH_H
#define CONCTRACE_CRITPATH_H

#include <jansson.h>
#include <stdbool.h>
#include "analyze/roles.h"
#include "model/model.h"

/* The critical path of the root process (critpath.c): walking back from its end, the thread that
 * runs (or waits for a CPU) is charged; a thread that waits hands the path to whoever woke it, a
 * thread of the tree or a pseudo node (disk, timer, network, kernel, outside). */
struct path_segment {
	uint64_t start_ns, end_ns;
	uint32_t tid;          /* the thread charged; 0 for a pseudo node */
	uint16_t node;         /* enum graph_node: the thread's role, or the pseudo node */
	uint16_t wait_class;   /* oncpu, runqueue, or the wait charged (a pseudo node's, or unended) */
	double count;          /* intervals (waits) it stands for; an estimate's are fractions */
};

/* The path's time summed by what a scope of decompose.h asks of a segment: its class and node, and
 * the thread it stands in (its own, or for a pseudo node's segment the thread segment's before it)
 * and that thread's node. A recorded path has as many segments as its run has intervals, and its
 * findings ask a dozen scopes each: they read these few cells instead. */
struct path_cell {
	uint32_t tid;
	uint16_t node, thread_node, wait_class;
	uint64_t ns;
	double count;
};

struct critical_path {
	bool estimated;                              /* from aggregates (estpath.h), not a timeline */
	uint64_t start_ns, end_ns;                   /* the root process's life */
	MODEL_ARRAY(struct path_segment, segments);  /* time order, tiling [start_ns, end_ns] */
	uint64_t class_ns[WC_COUNT], node_ns[GN_COUNT];
	MODEL_ARRAY(struct path_cell, cells);        /* of a recorded path; none: sum the segments */
};

/* The cells of P's segments into CELLS (caller frees *CELLS). */
void critical_path_cells(const struct critical_path *p, struct path_cell **cells, size_t *n);

/* False (and P empty) when the model has no timeline. */
bool critical_path_build(const struct run_model *m, struct critical_path *p);
void critical_path_free(struct critical_path *p);
json_t *critical_path_json(const struct run_model *m, const struct critical_path *p);

#endif
