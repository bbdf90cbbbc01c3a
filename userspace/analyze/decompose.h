/* Why one run took its time, from its run model alone. Without a timeline the method is "aggregate
 * shares": thread time per wait class, parallelism (mean CPUs busy, mean runnable threads), roles of
 * threads. With a timeline (record --timeline) the method is "critical path": the root process's
 * wall time split by who carried it. docs/explain.md has the rules. */
#ifndef CONCTRACE_DECOMPOSE_H
#define CONCTRACE_DECOMPOSE_H

#include <jansson.h>
#include <stdint.h>
#include "analyze/critpath.h"
#include "analyze/roles.h"
#include "model/model.h"

#define EXPLAIN_METHOD "aggregate shares"
#define EXPLAIN_METHOD_PATH "critical path"
#define EXPLAIN_METHOD_ESTIMATE "estimated path"

struct role_time {
	int threads;
	uint64_t life_ns, ns[WC_COUNT];
};

struct decomposition {
	const char *method;           /* EXPLAIN_METHOD_PATH when the model has a timeline */
	int ncpus;
	uint64_t wall_ns, thread_ns;  /* the command's lifetime; the sum of its threads' lifetimes */
	double cpus_busy;             /* tree on-CPU time / wall */
	double runnable;              /* tree runqueue time / wall: mean threads waiting for a CPU */
	uint64_t class_ns[WC_COUNT];
	struct role_time roles[ROLE_COUNT];
	uint64_t switches;
	double disk_busy;             /* the busiest device's busy time (io_ticks) / wall */
	struct io_stat io[FK_COUNT][2];  /* the tree's read/write calls by descriptor kind */
	uint64_t write_bytes;         /* bytes the tree wrote to files (older reports: by any write) */
	uint64_t sectors_written;     /* by every device, 512 bytes each */
	/* The critical path's split of the root's life, when there is a timeline (method). */
	uint64_t path_ns, path_class_ns[WC_COUNT], path_node_ns[GN_COUNT];
};

/* What a finding explains on the critical path: the path's segments in one of CLASSES (bitmask of
 * wait classes) carried by a thread, or spent in waits of a thread, that is TID (when not 0), of
 * process TGID (when not 0) and whose node, or the segment's node, is in NODES (bitmask; 0: any). */
struct path_scope {
	uint32_t tid, tgid;
	unsigned nodes;
	uint32_t classes;
};
#define CLASS_BIT(c) (1u << (c))
#define ALL_CLASSES ((1u << WC_COUNT) - 1)

void decompose(const struct run_model *m, struct decomposition *d);
/* The same with the critical path P already built (NULL: there is none). */
void decompose_on_path(const struct run_model *m, const struct critical_path *p, struct decomposition *d);
/* The path's time in SCOPE, in ns, and with the intervals (waits) its segments stand for. */
struct path_sum {
	uint64_t ns;
	double count;
};
struct path_sum path_sum(const struct run_model *m, const struct critical_path *p, const struct path_scope *s);
uint64_t path_time(const struct run_model *m, const struct critical_path *p, const struct path_scope *s);
/* The path's time in both scopes A and B. */
uint64_t path_overlap(const struct run_model *m, const struct critical_path *p, const struct path_scope *a,
		      const struct path_scope *b);
json_t *decomposition_json(const struct decomposition *d);

#endif
