/* The matrix tables: one per workload, a row per runtime and model. */
#ifndef CONCTRACE_TABLES_H
#define CONCTRACE_TABLES_H

#include <stdio.h>
#include "matrix/matrix.h"

void print_tables(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n);

#endif
