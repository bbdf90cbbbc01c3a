/* The HTML page of a `conctrace run` directory: its tables, a stacked bar per cell, links to the
 * cells' pages (cells/NAME/report.html). */
#ifndef CONCTRACE_MATRIX_HTML_H
#define CONCTRACE_MATRIX_HTML_H

#include <stdio.h>
#include "base/outdir.h"
#include "matrix/matrix.h"

int html_write_matrix(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n);
/* Writes the page as NAME in D, or to the path NAME when D is NULL (render/exports.h). */
int export_matrix_html(const struct outdir *d, const char *name, const struct run_opts *o,
		       const struct cell *cells, size_t n);

#endif
