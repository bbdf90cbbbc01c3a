/* What `conctrace run` (and `report RUNDIR`) print, answer first: per workload its table, then one
 * line per model (its wall and its lead finding), then one line per claim of the notes (verdict and
 * the one reason). At most 80 lines for the whole matrix, none over LINE_MAX_CHARS characters;
 * VERBOSE adds the comparisons of models, each model's findings in full and each verdict's why. */
#ifndef CONCTRACE_RUN_SUMMARY_H
#define CONCTRACE_RUN_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>
#include "matrix/matrix.h"

/* The cells' explanations must be loaded (explain_cells). */
void run_summary_print(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n, bool verbose);

#endif
