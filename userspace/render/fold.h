/* Folded stacks (Brendan Gregg's FlameGraph input) from a run model: one line per distinct stack,
 * "root;outer;...;inner COUNT", root first, sorted, identical lines merged.
 *
 * Root: the process comm; grouped by thread, "comm-tid" (the thread's own comm); by role, the
 * thread's role ("event-loop", "executor", ...: analyze/roles.h). Then the user frames, outermost
 * first, then the kernel frames (suffixed "_[k]"), either of them alone when asked; a sample with
 * neither stack gets the single frame "[no stack]". Off-CPU stacks end in a pseudo-frame naming the
 * wait class, e.g. "[disk]". User frames are named through the maps each process had while alive.
 *
 * A time window folds the timeline instead (the stacks are aggregated over the whole run in the
 * kernel and carry no time): root, then "comm-tid" (unless that is the root), then the state's
 * class "[oncpu]", "[disk]", ..., weighted by nanoseconds inside the window, on-CPU too. */
#ifndef CONCTRACE_FOLD_H
#define CONCTRACE_FOLD_H

#include <stdbool.h>
#include <stdint.h>
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

/* What the root frame of each stack is. */
enum fold_group { FOLD_BY_PROCESS, FOLD_BY_THREAD, FOLD_BY_ROLE, FOLD_GROUP_COUNT };
/* Which frames are kept. */
enum fold_stacks { FOLD_STACKS_BOTH, FOLD_STACKS_USER, FOLD_STACKS_KERNEL };

struct fold_opts {
	enum fold_kind kind;
	enum fold_group group;
	enum fold_stacks stacks;
	bool window;                /* fold the timeline's states in [from_ns, to_ns) instead */
	uint64_t from_ns, to_ns;    /* the model's clock (CLOCK_MONOTONIC) */
};

/* "process", "thread", "role". */
extern const char *const fold_group_names[FOLD_GROUP_COUNT];

/* "oncpu", "offcpu", "wall". */
extern const char *const fold_kind_names[FOLD_KIND_COUNT];
/* The kind called NAME, or -1. */
int fold_kind_by_name(const char *name);

/* Writes the folded stacks O asks for to OUT, frames named through S (symbolizer_new; never
 * NULL); 0, or -1 after a one-line error (a window of a model without a timeline is one). */
int fold_model(const struct run_model *m, const struct fold_opts *o, struct symbolizer *s, FILE *out);

/* Called once per stack aggregate that belongs in O's kind, with its frames root first (the same
 * names fold_model joins into a line, before ';' and control characters become '_') and its
 * weight (the COUNT above). With a window, once per thread and class, A holding their tid, tgid
 * and class. A non-zero return stops the walk and is returned. */
typedef int (*fold_stack_fn)(const struct model_stack_agg *a, const char *const *frames, size_t n,
			     uint64_t weight, void *ctx);
int fold_each_stack(const struct run_model *m, const struct fold_opts *o, struct symbolizer *s,
		    fold_stack_fn fn, void *ctx);

/* Adds the stacks O asks for to SIDE of T; 0, or -1 after a one-line error. */
int fold_tree_add(const struct run_model *m, const struct fold_opts *o, struct symbolizer *s,
		  struct frame_tree *t, enum folded_side side);

#endif
