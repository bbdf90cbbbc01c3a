/* The traced threads' mean CPUs busy and runnable threads (runqueue and wakeup) over time, per
 * bucket of the timeline: the counter tracks of the traces (trace.perfetto, trace.json). Buckets
 * rather than every change, which would double a trace's size: 1 ms, wider when a run would need
 * more than a million. */
#ifndef CONCTRACE_TRACE_COUNTS_H
#define CONCTRACE_TRACE_COUNTS_H

#include <stddef.h>
#include <stdint.h>
#include "model/model.h"

#define TRACE_COUNTS_MAX_BUCKETS 1000000

struct trace_counts {
	uint64_t start_ns, bucket_ns;  /* bucket i is [start + i * bucket, start + (i + 1) * bucket) */
	size_t n;
	double *cpus, *runnable;       /* means over each bucket */
};

/* Counts M's timeline from START_NS to END_NS. */
void trace_counts_build(const struct run_model *m, uint64_t start_ns, uint64_t end_ns, struct trace_counts *c);
void trace_counts_free(struct trace_counts *c);

#endif
