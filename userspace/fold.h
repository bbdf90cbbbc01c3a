/* Folded stacks (Brendan Gregg's FlameGraph input) from a run model: one line per distinct stack,
 * "root;outer;...;inner COUNT", root first, sorted, identical lines merged.
 *
 * Root: the process comm, or with PER_THREAD "comm-tid" (the thread's own comm). Then the user
 * frames, outermost first, then the kernel frames (suffixed "_[k]"); a sample with neither stack
 * gets the single frame "[no stack]". Off-CPU stacks end in a pseudo-frame naming the wait
 * class, e.g. "[disk]". User frames are named through the maps each process had while alive. */
#ifndef CONCTRACE_FOLD_H
#define CONCTRACE_FOLD_H

#include <stdbool.h>
#include <stdio.h>
#include "model.h"
#include "symbolize.h"

enum fold_kind {
	FOLD_ONCPU,   /* on-CPU samples; COUNT = samples */
	FOLD_OFFCPU,  /* every other wait class; COUNT = nanoseconds */
	FOLD_WALL,    /* both, COUNT = nanoseconds (a sample counts 1/freq_hz); on-CPU gets no leaf */
	FOLD_KIND_COUNT,
};

/* "oncpu", "offcpu", "wall". */
extern const char *const fold_kind_names[FOLD_KIND_COUNT];
/* The kind called NAME, or -1. */
int fold_kind_by_name(const char *name);

/* Writes the folded stacks of kind KIND to OUT; 0, or -1 after a one-line error. */
int fold_model(const struct run_model *m, enum fold_kind kind, bool per_thread,
	       struct symbolizer *s, FILE *out);

#endif
