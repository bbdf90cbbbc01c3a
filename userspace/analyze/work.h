/* What one run's work is made of (predict.h's struct work), measured from its trace: the CPU work
 * of its units with the model's own machinery taken out (on-CPU activities), split as the GIL sees
 * it, its waits by cause on the critical path, the CPUs the machine let it have, its units.
 * docs/predict.md says how each figure is measured. */
#ifndef CONCTRACE_WORK_H
#define CONCTRACE_WORK_H

#include <jansson.h>
#include <stdbool.h>
#include "analyze/critpath.h"
#include "analyze/finding.h"
#include "analyze/predict.h"
#include "model/model.h"

/* What the caller knows of the program; a negative figure: measure it from the trace. */
struct work_hint {
	double units;             /* independent units (files, requests, tasks) */
	double file_ops;          /* blocking file calls an event loop would hand off (aiofiles: one
				   * per Python call, which buffering hides from the syscalls) */
};
#define WORK_HINT_NONE ((struct work_hint){ -1, -1 })

/* Why the work cannot be predicted, or NULL when it can. */
struct work_verdict {
	const char *cannot_tell;  /* "too short", "not divisible"; NULL: it can */
	char why[240];            /* a sentence: the reason, or the assumption the units rest on */
};

/* Fills W from M, its critical path P (NULL: none) and its explanation E; V says whether the
 * work can be predicted, and what its units rest on. */
void work_of_run(const struct run_model *m, const struct critical_path *p, const struct explanation *e,
		 struct work *w, struct work_verdict *v);
/* Explains M into E (explain_on_path) and fills W and V from the same critical path. */
void explain_with_work(const struct run_model *m, struct explanation *e, struct work *w, struct work_verdict *v);
/* What the caller knows replaces what the trace suggested. */
void work_apply_hint(struct work *w, const struct work_hint *hint, struct work_verdict *v);

json_t *work_json(const struct work *w);

#endif
