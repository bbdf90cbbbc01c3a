/* Chrome Trace Event format (trace.json), for chrome://tracing and other readers of the JSON
 * format; written on request only (record --chrome-trace, report --chrome-trace), since
 * trace.perfetto holds the same in a twentieth of the bytes. Only for a run with a timeline: without
 * one there is no trace to draw.
 *
 * Per process a "process_name" and per thread a "thread_name" metadata event ("ph": "M"); per
 * thread one track with a complete slice ("ph": "X") per state interval; each wakeup by a traced
 * thread a flow arrow ("ph": "s" then "f") from waker to wakee; under the root process a "threads"
 * counter ("ph": "C") of CPUs busy and runnable threads, means per bucket (trace_counts.h).
 * Timestamps are microseconds since the run started, with three decimals (nanoseconds). Written as
 * it goes, event by event. */
#ifndef CONCTRACE_EXPORT_TRACE_H
#define CONCTRACE_EXPORT_TRACE_H

#include <stdio.h>
#include "model/model.h"

#define TRACE_TIMELINE_NOTE "timeline: one slice per state interval, wakeups as flows"

/* 0, or -1 after a one-line error (also when M has no timeline). */
int trace_json_write(const struct run_model *m, FILE *out);

#endif
