/* Chrome Trace Event format (trace.json), as opened by ui.perfetto.dev and chrome://tracing.
 *
 * Per process a "process_name" and per thread a "thread_name" metadata event ("ph": "M"); per
 * thread one track of complete slices ("ph": "X") for its states. Timestamps are microseconds
 * since the run started.
 *
 * With a timeline (record --timeline), each thread's track has one slice per state interval, each
 * wakeup by a traced thread is a flow arrow ("ph": "s" then "f") from waker to wakee, and the root
 * process has a counter of the tree's CPUs busy and runnable threads over time.
 *
 * Without one the model holds aggregates only, so a thread's track is laid out from its start as
 * contiguous blocks, one per state (on-CPU, runnable, each wait class), each as long as the state's
 * total: the trace's metadata and every slice's args say "aggregate, not a timeline"; per process
 * a counter ("ph": "C") of the CPUs it kept busy on average. */
#ifndef CONCTRACE_EXPORT_TRACE_H
#define CONCTRACE_EXPORT_TRACE_H

#include <jansson.h>
#include "model/model.h"

#define TRACE_AGGREGATE_NOTE "aggregate, not a timeline"
#define TRACE_TIMELINE_NOTE "timeline: one slice per state interval, wakeups as flows"

json_t *trace_json(const struct run_model *m);

#endif
