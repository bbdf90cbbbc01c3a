/* report.html: one self-contained page (inline CSS and SVG, no scripts but the flame graphs' own,
 * no network) per run. */
#ifndef CONCTRACE_EXPORT_HTML_H
#define CONCTRACE_EXPORT_HTML_H

#include <stdio.h>
#include "model/model.h"
#include "model/symbolize.h"

/* Files the run's page links to, written beside it by `conctrace report -o DIR`. */
extern const char *const html_linked_exports[];

/* One run: its processes, a stacked bar per thread of where its time went, the summary with
 * the cross-checks, and the on-CPU and off-CPU flame graphs. 0, or -1 after a one-line error. */
int html_write_run(FILE *out, const struct run_model *m, struct symbolizer *s);

#endif
