/* The pieces every HTML page of conctrace is made of (html_page.h). */
#include "render/html_page.h"

#include "base/util.h"
#include "render/flamegraph.h"

#define CHART_LABEL_W 260.0
#define CHART_BAR_W 640.0
#define CHART_ROW_H 22.0

static const char page_style[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222}"
	"table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
	"td:nth-child(2),th{text-align:left}pre{background:#f6f6f6;padding:8px;overflow-x:auto}"
	"object{width:100%;border:1px solid #ddd}.meta{color:#555}";

void html_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

void page_head(FILE *out, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", out);
	html_escape(out, title);
	fprintf(out, "</title><style>%s</style></head>\n<body>\n<h1>", page_style);
	html_escape(out, title);
	fputs("</h1>\n", out);
}

int page_end(FILE *out)
{
	fputs("</body></html>\n", out);
	if (fflush(out) || ferror(out)) {
		errmsg("cannot write the HTML report");
		return -1;
	}
	return 0;
}

static double row_total(const struct bar_chart *c, const struct bar_row *r)
{
	double sum = 0;

	for (int s = 0; s < c->n_segments; s++)
		sum += r->seconds[s];
	return sum;
}

static void chart_row(FILE *out, const struct bar_chart *c, const struct bar_row *r, double y, double scale)
{
	double x = CHART_LABEL_W, total = row_total(c, r);
	char fill[32];

	fprintf(out, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">", CHART_LABEL_W - 6, y + 15);
	html_escape(out, r->label);
	fputs("</text>\n", out);
	for (int s = 0; s < c->n_segments; s++) {
		double w = r->seconds[s] * scale;

		if (w <= 0)
			continue;
		flame_class_fill(c->colours[s], fill, sizeof(fill));
		fprintf(out, "<rect class=\"seg\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.0f\" fill=\"%s\">"
			"<title>%s: %.3fs (%.1f%%)</title></rect>\n", x, y + 2, w, CHART_ROW_H - 4, fill,
			c->segments[s], r->seconds[s], 100 * (total > 0 ? r->seconds[s] / total : 0));
		x += w;
	}
	fprintf(out, "<text x=\"%.2f\" y=\"%.1f\">%.3fs</text>\n", x + 4, y + 15, total);
}

static void chart_legend(FILE *out, const struct bar_chart *c, double y)
{
	char fill[32];

	for (int s = 0; s < c->n_segments; s++) {
		double x = CHART_LABEL_W + (s % 6) * 110;
		double row_y = y + (s / 6) * 18;

		flame_class_fill(c->colours[s], fill, sizeof(fill));
		fprintf(out, "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%.0f\" y=\"%.0f\">%s</text>\n", x, row_y, fill, x + 16, row_y + 11, c->segments[s]);
	}
}

void bar_chart_write(FILE *out, const struct bar_chart *c, const struct bar_row *rows, size_t n)
{
	double max = 0, legend_y = n * CHART_ROW_H + 10;

	for (size_t i = 0; i < n; i++)
		max = row_total(c, &rows[i]) > max ? row_total(c, &rows[i]) : max;
	fprintf(out, "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"font-size=\"12\" font-family=\"sans-serif\">\n", c->id, CHART_LABEL_W + CHART_BAR_W + 80,
		legend_y + ((c->n_segments + 5) / 6) * 18 + 4);
	for (size_t i = 0; i < n; i++)
		chart_row(out, c, &rows[i], i * CHART_ROW_H, max > 0 ? CHART_BAR_W / max : 0);
	chart_legend(out, c, legend_y);
	fputs("</svg>\n", out);
}
