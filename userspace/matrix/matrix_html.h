/* The HTML page of a `conctrace run` directory: its tables, a stacked bar per cell, links to the
 * cells' pages (cells/NAME/report.html). */
#ifndef CONCTRACE_MATRIX_HTML_H
#define CONCTRACE_MATRIX_HTML_H

#include <stdio.h>
#include "matrix/matrix.h"

int html_write_matrix(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n);
/* Writes the page to PATH atomically. */
int export_matrix_html(const char *path, const struct run_opts *o, const struct cell *cells, size_t n);

#endif
