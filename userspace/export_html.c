#include "export_html.h"

#include <string.h>
#include "account.h"
#include "classify.h"
#include "flamegraph.h"
#include "fold.h"
#include "summary.h"
#include "util.h"

#define CHART_LABEL_W 260.0
#define CHART_BAR_W 640.0
#define CHART_ROW_H 22.0
#define CHART_MAX_ROWS 400   /* more threads than this are listed in the tables only */

const char *const html_linked_exports[] = {
	"report.json", "speedscope.json", "trace.json", "oncpu.svg", "offcpu.svg", "wall.svg",
	"oncpu.folded", "offcpu.folded", "wall.folded", NULL,
};

static const char page_style[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222}"
	"table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
	"td:nth-child(2),th{text-align:left}pre{background:#f6f6f6;padding:8px;overflow-x:auto}"
	"object{width:100%;border:1px solid #ddd}.meta{color:#555}";

static void html_escape(FILE *out, const char *s)
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

static void page_head(FILE *out, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", out);
	html_escape(out, title);
	fprintf(out, "</title><style>%s</style></head>\n<body>\n<h1>", page_style);
	html_escape(out, title);
	fputs("</h1>\n", out);
}

static int page_end(FILE *out)
{
	fputs("</body></html>\n", out);
	if (fflush(out) || ferror(out)) {
		errmsg("cannot write the HTML report");
		return -1;
	}
	return 0;
}

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

static void bar_chart_write(FILE *out, const struct bar_chart *c, const struct bar_row *rows, size_t n)
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

static void thread_chart(FILE *out, const struct run_model *m)
{
	const char *class_names[WC_COUNT];
	const struct bar_chart chart = { "thread-chart", class_names, class_names, WC_COUNT };
	size_t n = m->n_threads < CHART_MAX_ROWS ? m->n_threads : CHART_MAX_ROWS;
	struct bar_row *rows = xcalloc(n ? n : 1, sizeof(*rows));

	for (int c = 0; c < WC_COUNT; c++)
		class_names[c] = wait_classes[c].name;
	for (size_t i = 0; i < n; i++) {
		const struct thread_acct *a = &m->threads[i].acct;

		snprintf(rows[i].label, sizeof(rows[i].label), "%s %u (pid %u)", a->comm, a->tid, a->tgid);
		for (int c = 0; c < WC_COUNT; c++)
			rows[i].seconds[c] = ns_to_s(a->ns[c]);
	}
	fputs("<h2>Where each thread's time went</h2>\n", out);
	bar_chart_write(out, &chart, rows, n);
	if (m->n_threads > n)
		fprintf(out, "<p>... and %zu more threads (in report.json).</p>\n", m->n_threads - n);
	free(rows);
}

/* Each process's figures, with a column per class that took any of the tree's time. */
static void process_table(FILE *out, const struct run_model *m)
{
	struct acct_totals tree;

	totals_of(m, 0, &tree);
	fputs("<h2>Processes</h2>\n<table id=\"processes\"><tr><th>pid</th><th>comm</th><th>wall</th>"
	      "<th>threads</th><th>thread time</th>", out);
	for (int c = 0; c < WC_COUNT; c++)
		if (tree.ns[c])
			fprintf(out, "<th>%s</th>", wait_classes[c].name);
	fputs("</tr>\n", out);
	for (size_t i = 0; i < m->n_procs; i++) {
		const struct model_process *p = &m->procs[i];
		struct acct_totals t;

		totals_of(m, p->pid, &t);
		fprintf(out, "<tr><td>%u</td><td>", p->pid);
		html_escape(out, p->comm);
		fprintf(out, "</td><td>%.3fs</td><td>%d</td><td>%.3fs</td>",
			ns_to_s(p->end_ns > p->start_ns ? p->end_ns - p->start_ns : 0), t.threads,
			ns_to_s(t.life_ns));
		for (int c = 0; c < WC_COUNT; c++)
			if (tree.ns[c])
				fprintf(out, "<td>%.1f%%</td>", 100 * share(t.ns[c], t.life_ns));
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* The terminal summary, cross-checks included, as the command printed it. */
static void summary_section(FILE *out, const struct run_model *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f) {
		summary_print(f, m, NULL);
		fclose(f);
	}
	fputs("<h2>Summary and cross-checks with the kernel</h2>\n<pre id=\"summary\">", out);
	html_escape(out, text ? text : "");
	fputs("</pre>\n", out);
	free(text);
}

static void base64_write(FILE *out, const unsigned char *data, size_t len)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = data[i] << 16 | (i + 1 < len ? data[i + 1] << 8 : 0) | (i + 2 < len ? data[i + 2] : 0);

		fputc(digits[v >> 18 & 63], out);
		fputc(digits[v >> 12 & 63], out);
		fputc(i + 1 < len ? digits[v >> 6 & 63] : '=', out);
		fputc(i + 2 < len ? digits[v & 63] : '=', out);
	}
}

/* The flame graph of KIND as a data: URI object, so its own script and ids stay in its document. */
static int flame_section(FILE *out, const struct run_model *m, struct symbolizer *s, enum fold_kind kind,
			 const char *heading)
{
	struct frame_tree *t = frame_tree_new();
	char *svg = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&svg, &len);
	struct flame_opts o;
	int rc = f ? fold_tree_add(m, kind, false, s, t, FOLDED_A) : -1;

	flame_opts_default(&o, kind == FOLD_ONCPU ? FLAME_ONCPU : FLAME_OFFCPU);
	if (!rc)
		rc = flamegraph_write_svg(t, &o, f);
	if (f && fclose(f))
		rc = -1;
	frame_tree_free(t);
	if (!rc) {
		fprintf(out, "<h2>%s</h2>\n<object id=\"flame-%s\" type=\"image/svg+xml\" "
			"data=\"data:image/svg+xml;base64,", heading, fold_kind_names[kind]);
		base64_write(out, (const unsigned char *)svg, len);
		fputs("\"></object>\n", out);
	}
	free(svg);
	return rc;
}

static void export_links(FILE *out)
{
	fputs("<p id=\"exports\">Exports beside this page:", out);
	for (int i = 0; html_linked_exports[i]; i++)
		fprintf(out, " <a href=\"%s\">%s</a>", html_linked_exports[i], html_linked_exports[i]);
	fputs(" (speedscope.json opens in speedscope.app, trace.json in ui.perfetto.dev)</p>\n", out);
}

int html_write_run(FILE *out, const struct run_model *m, struct symbolizer *s)
{
	struct acct_totals tree;

	totals_of(m, 0, &tree);
	page_head(out, "conctrace report");
	fputs("<p class=\"meta\">", out);
	html_escape(out, m->meta.command ? m->meta.command : "");
	fprintf(out, "<br>%.3fs, %zu process%s, %d thread%s%s; kernel ", ns_to_s(m->meta.end_ns - m->meta.start_ns),
		m->n_procs, m->n_procs == 1 ? "" : "es", tree.threads, tree.threads == 1 ? "" : "s",
		m->meta.interrupted ? " (interrupted)" : "");
	html_escape(out, m->meta.kernel ? m->meta.kernel : "");
	fprintf(out, ", %d CPUs</p>\n", m->meta.ncpus);
	export_links(out);
	process_table(out, m);
	thread_chart(out, m);
	summary_section(out, m);
	if (flame_section(out, m, s, FOLD_ONCPU, "On-CPU flame graph") ||
	    flame_section(out, m, s, FOLD_OFFCPU, "Off-CPU flame graph"))
		return -1;
	return page_end(out);
}

static void cell_chart(FILE *out, const struct cell *cells, size_t n)
{
	static const char *const colours[COL_COUNT] = {
		[COL_ONCPU] = "oncpu", [COL_RUNNABLE] = "runqueue", [COL_DISK] = "disk",
		[COL_LOCK_GIL] = "lock", [COL_LOOP_IDLE] = "loop-idle", [COL_NET] = "net",
		[COL_OTHER] = "other-sleep",
	};
	const struct bar_chart chart = { "cell-chart", share_column_names, colours, COL_COUNT };
	struct bar_row *rows = xcalloc(n ? n : 1, sizeof(*rows));
	size_t shown = 0;

	for (size_t i = 0; i < n; i++) {
		if (!cells[i].has_stats)
			continue;
		snprintf(rows[shown].label, sizeof(rows[shown].label), "%s", cells[i].name);
		for (int c = 0; c < COL_COUNT; c++)   /* thread time's split, scaled to the wall */
			rows[shown].seconds[c] = cells[i].stats.share[c] * cells[i].stats.wall_s;
		shown++;
	}
	fputs("<h2>Where each cell's wall time went (thread time's split, scaled to the wall)</h2>\n", out);
	bar_chart_write(out, &chart, rows, shown);
	free(rows);
}

int html_write_matrix(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n)
{
	char *tables = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&tables, &len);

	if (f) {
		print_tables(f, o, cells, n);
		fclose(f);
	}
	page_head(out, "conctrace run");
	fputs("<pre id=\"tables\">", out);
	html_escape(out, tables ? tables : "");
	fputs("</pre>\n", out);
	free(tables);
	cell_chart(out, cells, n);
	fputs("<h2>Cells</h2>\n<ul id=\"cells\">\n", out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "<li>%s: %s", cells[i].name, cell_status_names[cells[i].status]);
		if (cells[i].has_stats)
			fprintf(out, " <a href=\"cells/%s/report.html\">report</a>", cells[i].name);
		if (cells[i].reason[0]) {
			fputs(" (", out);
			html_escape(out, cells[i].reason);
			fputc(')', out);
		}
		fputs("</li>\n", out);
	}
	fputs("</ul>\n", out);
	return page_end(out);
}
