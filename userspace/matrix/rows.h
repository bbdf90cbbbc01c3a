/* The cells of a matrix gathered by workload, runtime and model: repeats, medians, results. */
#ifndef CONCTRACE_ROWS_H
#define CONCTRACE_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include "matrix/matrix.h"

/* One table row: every repeat of a workload, runtime and model. */
struct row {
	const struct cell *shown;     /* the ok repeat whose wall is nearest the median */
	const struct cell *failure;   /* the first repeat that did not finish ok */
	double median_wall_s;
	double spread;                /* (slowest - fastest) / median of the ok repeats; 0 for one */
	size_t repeats, ok;
	bool differs;
};

void gather_row(const struct cell *cells, size_t n, enum workload w, enum runtime r, enum conc_model m,
		struct row *row);

/* The median wall of the ok repeats of W, R, M and, in *SHOWN when given, the repeat nearest it;
 * negative when none finished ok. */
double median_wall(const struct cell *cells, size_t n, enum workload w, enum runtime r, enum conc_model m,
		   const struct cell **shown);

/* Flags each ok cell whose result differs from the most common one of its workload and runtime. */
void flag_result_mismatches(struct cell *cells, size_t n);

#endif
