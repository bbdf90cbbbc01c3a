/* The timeline of a run: each traced thread's states in time order, built from the transitions the
 * BPF side streams (switch-in, switch-out, wakeup). Pure: unit-tested with hand-built events. */
#ifndef CONCTRACE_TIMELINE_H
#define CONCTRACE_TIMELINE_H

#include "model/model.h"

/* Transitions as they arrive while tracing, kept compact (4-6 bytes each, grouped by thread) until
 * the timeline is built from them. */
struct timeline_recorder;
struct timeline_recorder *timeline_recorder_new(void);
void timeline_recorder_free(struct timeline_recorder *r);
/* Keeps transition E (a type or class it does not know is left out). */
void timeline_recorder_add(struct timeline_recorder *r, const struct timeline_event *e);
uint64_t timeline_recorder_events(const struct timeline_recorder *r);
/* The memory it holds, in bytes. */
size_t timeline_recorder_bytes(const struct timeline_recorder *r);
/* Fills M's timeline from R's transitions and M's threads, freeing R's streams as it goes: the
 * intervals of each thread tile its traced life [start_ns, end_ns], whatever transitions were lost.
 * Linear in the transitions unless a thread's arrived out of time order. */
void timeline_recorder_build(struct timeline_recorder *r, struct run_model *m);

/* The same from the N transitions EV, in any order. */
void timeline_build(struct run_model *m, struct timeline_event *ev, size_t n);

/* Lookups by thread and time. HINT, when not NULL, is the index the previous lookup of a walk
 * through that array ended at (SIZE_MAX at first) and is updated: a walk that moves a few
 * intervals at a time (the critical path's) then costs a few steps, not a binary search. */
/* The interval of thread TID that holds instant T, taken as (start, end]; NULL when none. */
const struct model_interval *timeline_interval_at(const struct model_timeline *tl, uint32_t tid, uint64_t t,
						 size_t *hint);
/* The intervals of thread TID in time order (*N of them). */
const struct model_interval *timeline_thread(const struct model_timeline *tl, uint32_t tid, size_t *n);
/* The latest instant at or before T at which TID was on a CPU; 0 when never. */
uint64_t timeline_last_oncpu(const struct model_timeline *tl, uint32_t tid, uint64_t t, size_t *hint);
/* The wakeup of TID at exactly TS, or NULL. */
const struct model_wake_edge *timeline_wake_at(const struct model_timeline *tl, uint32_t tid, uint64_t ts,
					       size_t *hint);

/* Where TID's intervals (wakeups) from FROM_NS on begin in the sorted arrays: the first at or
 * after (TID, FROM_NS); n_intervals (n_wakes) when none. */
size_t timeline_intervals_from(const struct model_timeline *tl, uint32_t tid, uint64_t from_ns);
size_t timeline_wakes_from(const struct model_timeline *tl, uint32_t tid, uint64_t from_ns);

#endif
