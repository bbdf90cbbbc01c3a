/* Chrome Trace Event format (trace.json), as opened by ui.perfetto.dev and chrome://tracing.
 *
 * Per process a "process_name" and per thread a "thread_name" metadata event ("ph": "M"); per
 * thread one track of complete slices ("ph": "X") for its states; per process a counter ("ph":
 * "C") of the CPUs it kept busy. Timestamps are microseconds since the run started.
 *
 * The model holds aggregates only, so a thread's track is laid out from its start as contiguous
 * blocks, one per state (on-CPU, runnable, each wait class), each as long as the state's total:
 * the trace's metadata and every slice's args say "aggregate, not a timeline". A model with a
 * time-ordered timeline gets its real intervals through another state writer (see
 * states_writer in export_trace.c). */
#ifndef CONCTRACE_EXPORT_TRACE_H
#define CONCTRACE_EXPORT_TRACE_H

#include <jansson.h>
#include "model.h"

#define TRACE_AGGREGATE_NOTE "aggregate, not a timeline"

json_t *trace_json(const struct run_model *m);

#endif
