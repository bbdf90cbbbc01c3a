/* The pieces every HTML page of conctrace is made of (html_page.h). */
#include "render/html_page.h"

#include <stdbool.h>
#include "base/util.h"
#include "render/flamegraph.h"

#define CHART_LABEL_W 190.0
#define CHART_BAR_W 700.0
#define CHART_ROW_H 22.0
#define CHART_NOTE_W 130.0

static const char page_style[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1280px;line-height:1.35}"
	"h1{font-size:1.5em;margin:0 0 .3em;word-break:break-all}h2{margin:1.4em 0 .5em}"
	"table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
	"td:nth-child(2),th{text-align:left}pre{background:#f6f6f6;padding:8px;overflow-x:auto}"
	"object{display:block;max-width:100%;border:1px solid #ddd;margin:.3em 0 1em}.meta{color:#555}"
	".cards{display:flex;flex-wrap:wrap;gap:10px;margin:.5em 0}"
	".card{border:1px solid #ccc;border-radius:6px;padding:8px 10px;flex:1 1 360px;max-width:620px;"
	"background:#fafafa}.card h4{margin:0 0 .3em}.card p{margin:.3em 0}"
	".advice{color:#1a5d1a}.small{font-size:.85em;color:#555}"
	".verdict{display:inline-block;border-radius:4px;padding:0 6px;color:#fff;font-weight:bold}"
	".supports{background:#2e7d32}.contradicts{background:#c62828}.cannot-tell{background:#757575}"
	".legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.85em;margin:.3em 0}"
	".legend span{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}"
	"ol.findings li{margin:.4em 0}footer{margin-top:2em;color:#555;font-size:.85em}";

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
	fputs("<footer>This page is self-contained: its styles, charts and flame graphs are inside it and it "
	      "fetches nothing; its links lead to files beside it.</footer>\n</body></html>\n", out);
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

	fputs("<g class=\"bar\" data-label=\"", out);
	html_escape(out, r->label);
	fprintf(out, "\"><text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">", CHART_LABEL_W - 6, y + 15);
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
	fprintf(out, "<text x=\"%.2f\" y=\"%.1f\">%.3fs", x + 4, y + 15, total);
	if (r->note[0]) {
		fputs(" ", out);
		html_escape(out, r->note);
	}
	fputs("</text></g>\n", out);
}

/* The legend of the segments some row has time in. */
static void chart_legend(FILE *out, const struct bar_chart *c, const struct bar_row *rows, size_t n)
{
	const char *names[WC_COUNT], *classes[WC_COUNT];
	int shown = 0;

	for (int s = 0; s < c->n_segments; s++) {
		bool present = false;

		for (size_t i = 0; i < n && !present; i++)
			present = rows[i].seconds[s] > 0;
		if (present) {
			names[shown] = c->segments[s];
			classes[shown++] = c->colours[s];
		}
	}
	class_legend(out, names, classes, shown);
}

void bar_chart_write(FILE *out, const struct bar_chart *c, const struct bar_row *rows, size_t n)
{
	double max = 0;

	for (size_t i = 0; i < n; i++)
		max = row_total(c, &rows[i]) > max ? row_total(c, &rows[i]) : max;
	fprintf(out, "<svg id=\"%s\" class=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\" font-size=\"12\" font-family=\"sans-serif\">\n", c->id, c->class,
		CHART_LABEL_W + CHART_BAR_W + CHART_NOTE_W, n * CHART_ROW_H + 4);
	for (size_t i = 0; i < n; i++)
		chart_row(out, c, &rows[i], i * CHART_ROW_H, max > 0 ? CHART_BAR_W / max : 0);
	fputs("</svg>\n", out);
	chart_legend(out, c, rows, n);
}

void legend_item(FILE *out, const char *fill, const char *name)
{
	fprintf(out, "<div><span style=\"background:%s\"></span>", fill);
	html_escape(out, name);
	fputs("</div>", out);
}

void class_legend(FILE *out, const char *const *names, const char *const *classes, int n)
{
	char fill[32];

	fputs("<div class=\"legend\">", out);
	for (int i = 0; i < n; i++) {
		flame_class_fill(classes[i], fill, sizeof(fill));
		legend_item(out, fill, names[i]);
	}
	fputs("</div>\n", out);
}
