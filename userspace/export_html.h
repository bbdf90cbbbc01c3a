/* report.html: one self-contained page (inline CSS and SVG, no scripts but the flame graphs' own,
 * no network) per run, and one per `conctrace run` directory. */
#ifndef CONCTRACE_EXPORT_HTML_H
#define CONCTRACE_EXPORT_HTML_H

#include <stdio.h>
#include "matrix.h"
#include "model.h"
#include "symbolize.h"

/* Files the run's page links to, written beside it by `conctrace report -o DIR`. */
extern const char *const html_linked_exports[];

/* One run: its processes, a stacked bar per thread of where its time went, the summary with
 * the cross-checks, and the on-CPU and off-CPU flame graphs. 0, or -1 after a one-line error. */
int html_write_run(FILE *out, const struct run_model *m, struct symbolizer *s);

/* A `conctrace run` directory: its tables, a stacked bar per cell, links to the cells' pages
 * (cells/NAME/report.html). */
int html_write_matrix(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n);

#endif
