/* report.html: one self-contained page (inline CSS and SVG, no scripts but the flame graphs' own,
 * no network) per run, telling its story from the top: the command and its wall time, why it took
 * that long (the findings with their advice), where each thread's time went, the critical path
 * over the threads' timeline, the flame graphs with a colour legend, then the details. */
#ifndef CONCTRACE_EXPORT_HTML_H
#define CONCTRACE_EXPORT_HTML_H

#include <stdio.h>
#include "model/model.h"
#include "model/symbolize.h"

/* Flame graphs on the page leave out frames under this share of the total and deeper than
 * HTML_FLAME_MAX_DEPTH, so that rare deep stacks do not stretch them (the .svg files have all). */
#define HTML_FLAME_MIN_SHARE 0.005
#define HTML_FLAME_MAX_DEPTH 64

/* The files written beside the page of M, one name per I, NULL past the last (exports.c's list):
 * the page links to them. */
typedef const char *(*sibling_fn)(const struct run_model *m, size_t i);

/* 0, or -1 after a one-line error. */
int html_write_run(FILE *out, const struct run_model *m, struct symbolizer *s, sibling_fn siblings);

#endif
