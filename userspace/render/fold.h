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
#include "render/folded.h"
#include "model/model.h"
#include "model/symbolize.h"

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

/* Called once per stack aggregate that belongs in KIND, with its frames root first (the same
 * names fold_model joins into a line, before ';' and control characters become '_') and its
 * weight (the COUNT above). A non-zero return stops the walk and is returned. */
typedef int (*fold_stack_fn)(const struct model_stack_agg *a, const char *const *frames, size_t n,
			     uint64_t weight, void *ctx);
int fold_each_stack(const struct run_model *m, enum fold_kind kind, bool per_thread,
		    struct symbolizer *s, fold_stack_fn fn, void *ctx);

/* Adds the stacks of kind KIND to SIDE of T; 0, or -1 after a one-line error. */
int fold_tree_add(const struct run_model *m, enum fold_kind kind, bool per_thread,
		  struct symbolizer *s, struct frame_tree *t, enum folded_side side);

#endif
