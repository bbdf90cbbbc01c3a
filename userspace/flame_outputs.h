/* The flame graphs of one run, written beside its report.json. */
#ifndef CONCTRACE_FLAME_OUTPUTS_H
#define CONCTRACE_FLAME_OUTPUTS_H

#include <stddef.h>
#include "model.h"

/* Writes DIR/KIND.folded and DIR/KIND.svg for on-CPU, off-CPU and wall-clock stacks (a kind with no
 * stack writes an empty .folded and no .svg). Returns 0, or -1 with a one-line reason in ERR. */
int flame_outputs_write(const struct run_model *m, const char *dir, char *err, size_t errlen);

#endif
