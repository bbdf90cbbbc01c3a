/* The pieces every HTML page is made of: head and end, escaping, stacked bar charts coloured as
 * the flame graphs colour wait classes. */
#ifndef CONCTRACE_HTML_PAGE_H
#define CONCTRACE_HTML_PAGE_H

#include <stdio.h>
#include "model/classify.h"

void html_escape(FILE *out, const char *s);
void page_head(FILE *out, const char *title);
/* Closes the page; 0, or -1 after a one-line error when OUT could not be written. */
int page_end(FILE *out);

/* One stacked bar per row: the segments' seconds, coloured as the flame graphs colour classes. */
struct bar_chart {
	const char *id;
	const char *const *segments;   /* names shown in the legend and tooltips */
	const char *const *colours;    /* the wait class each segment takes its colour from */
	int n_segments;
};
struct bar_row {
	char label[96];
	double seconds[WC_COUNT];
};

void bar_chart_write(FILE *out, const struct bar_chart *c, const struct bar_row *rows, size_t n);

#endif
