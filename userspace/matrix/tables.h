/* The matrix tables: one per workload, a row per runtime and model. */
#ifndef CONCTRACE_TABLES_H
#define CONCTRACE_TABLES_H

#include <stdio.h>
#include "matrix/matrix.h"

/* What the tables call each column of wait classes (index.html's legends say the same). */
extern const char *const share_column_titles[COL_COUNT];

/* Workload W's title and table: a row per runtime and model. */
void print_workload_table(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n,
			  enum workload w);
/* Every selected workload's table. */
void print_tables(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n);

#endif
