/* An estimate of the critical path from a run's aggregates, for runs recorded without a timeline:
 * the same kind of path (critpath.h) that findings read, built from each thread's time per class and
 * the wakeup edges instead of time-ordered states (docs/explain.md, "Method: estimated path"). */
#ifndef CONCTRACE_ESTPATH_H
#define CONCTRACE_ESTPATH_H

#include <stdbool.h>
#include "analyze/critpath.h"
#include "model/model.h"

/* Fills P (estimated = true) with segments laid end to end over the root process's life; false
 * (and P empty) when the model has no root process with a lifetime. */
bool critical_path_estimate(const struct run_model *m, struct critical_path *p);

/* The critical path of M: built from its timeline when it has one, else estimated. False (and P
 * empty) when neither can be had. */
bool critical_path_of(const struct run_model *m, struct critical_path *p);

#endif
