/* index.html, the page of a `conctrace run` directory, answer first: the verdicts on the notes'
 * claims as cards; per workload and runtime a stacked bar per model of where its wall time went
 * (its own scale), each model's findings with a link to its cell's report and flame graphs, and
 * the comparisons of models as cards; then the tables. */
#ifndef CONCTRACE_MATRIX_HTML_H
#define CONCTRACE_MATRIX_HTML_H

#include <stdio.h>
#include "base/outdir.h"
#include "matrix/matrix.h"

/* RUN_HREF is the run directory relative to the page's ("" when the page is in it), so the links
 * to cells/NAME/ work wherever the two are moved together. The cells' explanations must be
 * loaded (explain_cells). */
int html_write_matrix(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n,
		      const char *run_href);
/* Writes the page as NAME in D, or to the path NAME when D is NULL (render/exports.h). */
int export_matrix_html(const struct outdir *d, const char *name, const struct run_opts *o,
		       const struct cell *cells, size_t n, const char *run_href);

#endif
