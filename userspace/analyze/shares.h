/* What one traced run measured, as the matrix tables show it: wall, thread time split into a few
 * columns of wait classes, CPUs used, switches, block requests. */
#ifndef CONCTRACE_SHARES_H
#define CONCTRACE_SHARES_H

#include <stdint.h>
#include "model/model.h"

/* How a cell's thread time is split in the tables: groups of wait classes. */
enum share_column {
	COL_ONCPU, COL_RUNNABLE, COL_DISK, COL_LOCK_GIL, COL_LOOP_IDLE, COL_NET, COL_OTHER, COL_COUNT
};
extern const char *const share_column_names[COL_COUNT];
/* The column wait class WAIT_CLASS is counted in. */
enum share_column share_column_of(int wait_class);

/* What one traced cell measured, from its run model. */
struct cell_stats {
	double wall_s;            /* the command's process lifetime */
	double thread_s;          /* sum of every thread's traced lifetime */
	double cpus_used;         /* tree on-CPU time / wall */
	double share[COL_COUNT];  /* of thread_s */
	uint64_t switches, block_requests;
};

void cell_stats_of(const struct run_model *m, struct cell_stats *s);

#endif
