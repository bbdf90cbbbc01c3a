/* Progress of `conctrace run` on stderr: on a terminal one status line rewritten in place every
 * second (cell, i of N, elapsed, estimated time left); elsewhere one line per finished cell. */
#ifndef CONCTRACE_RUN_PROGRESS_H
#define CONCTRACE_RUN_PROGRESS_H

#include <stddef.h>
#include "matrix/matrix.h"

struct progress;

/* CELLS must outlive the progress; progress_end_cell() records each cell's run_s in it. */
struct progress *progress_start(struct cell *cells, size_t n);
void progress_begin_cell(struct progress *p, size_t i);
void progress_end_cell(struct progress *p, size_t i);
/* Clears the status line and frees P. */
void progress_stop(struct progress *p);

#endif
