/* The timeline of a run: each traced thread's states in time order, built from the transitions the
 * BPF side streams (switch-in, switch-out, wakeup). Pure: unit-tested with hand-built events. */
#ifndef CONCTRACE_TIMELINE_H
#define CONCTRACE_TIMELINE_H

#include "model/model.h"

/* Fills M's timeline from the N transitions EV (any order; sorted in place) and M's threads: the
 * intervals of each thread tile its traced life [start_ns, end_ns], whatever transitions were lost. */
void timeline_build(struct run_model *m, struct timeline_event *ev, size_t n);

/* The interval of thread TID that holds instant T, taken as (start, end]; NULL when none. */
const struct model_interval *timeline_interval_at(const struct model_timeline *tl, uint32_t tid, uint64_t t);
/* The intervals of thread TID in time order (*N of them). */
const struct model_interval *timeline_thread(const struct model_timeline *tl, uint32_t tid, size_t *n);
/* The latest instant at or before T at which TID was on a CPU; 0 when never. */
uint64_t timeline_last_oncpu(const struct model_timeline *tl, uint32_t tid, uint64_t t);
/* The wakeup of TID at exactly TS, or NULL. */
const struct model_wake_edge *timeline_wake_at(const struct model_timeline *tl, uint32_t tid, uint64_t ts);

#endif
