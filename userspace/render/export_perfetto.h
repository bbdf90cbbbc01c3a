/* trace.perfetto: the timeline as a Perfetto trace in its own protobuf format (TrackEvent), as
 * ui.perfetto.dev and trace_processor open it; written only for a run with a timeline.
 *
 * Per process a process track and per thread a thread track, named as the kernel names them. Each
 * thread's states are slices on its track, named by wait class; each wakeup by a traced thread is a
 * flow from the waker's slice in which it woke the wakee to the wakee's next on-CPU slice. Under the
 * root process, the critical path (one slice per segment, named "node: class", its thread's tid as
 * an argument) and two counters of the traced threads: CPUs busy and runnable threads, means per
 * bucket (trace_counts.h).
 *
 * Layout, for size (docs/report-format.md has the fields): one packet sequence per thread, whose
 * first packet interns the names, makes that thread's track the default and defines an incremental
 * clock, so each event carries its time since the one before and a name index only; the packets
 * go in zlib-compressed batches (TracePacket.compressed_packets). Field numbers and encodings are
 * hand-written varints (base/varint.h). */
#ifndef CONCTRACE_EXPORT_PERFETTO_H
#define CONCTRACE_EXPORT_PERFETTO_H

#include <stdio.h>
#include "model/model.h"

/* Writes M's timeline as a Perfetto trace to OUT; 0, or -1 after a one-line error (also when M
 * has no timeline). */
int perfetto_write(const struct run_model *m, FILE *out);

#endif
