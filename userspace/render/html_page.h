/* The pieces every HTML page is made of: head and end, escaping, cards, stacked bar charts and
 * legends coloured as the flame graphs colour wait classes. Pages are self-contained: inline CSS
 * and SVG, no script of their own, nothing fetched. */
#ifndef CONCTRACE_HTML_PAGE_H
#define CONCTRACE_HTML_PAGE_H

#include <stdio.h>
#include "model/classify.h"

void html_escape(FILE *out, const char *s);
void page_head(FILE *out, const char *title);
/* Closes the page with a note that it is self-contained; 0, or -1 after a one-line error when OUT
 * could not be written. */
int page_end(FILE *out);

/* One stacked bar per row: the segments' seconds, coloured as the flame graphs colour classes. Each
 * row is a <g class="bar" data-label="LABEL">; the svg has class CLASS. */
struct bar_chart {
	const char *id, *class;
	const char *const *segments;   /* names shown in the legend and tooltips */
	const char *const *colours;    /* the wait class each segment takes its colour from */
	int n_segments;
};
struct bar_row {
	char label[96];
	char note[48];                 /* after the total, e.g. "1.21x"; may be empty */
	double seconds[WC_COUNT];
};

void bar_chart_write(FILE *out, const struct bar_chart *c, const struct bar_row *rows, size_t n);

/* One swatch of a legend (inside a <div class="legend">): NAME beside a square of FILL. */
void legend_item(FILE *out, const char *fill, const char *name);
/* A legend of swatches: NAMES[i] coloured as wait class CLASSES[i]. */
void class_legend(FILE *out, const char *const *names, const char *const *classes, int n);

#endif
