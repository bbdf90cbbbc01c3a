/* The page of a `conctrace run` directory (matrix_html.h). */
#include "matrix/matrix_html.h"

#include <stdlib.h>
#include <string.h>
#include "analyze/findings.h"
#include "base/util.h"
#include "matrix/compare.h"
#include "matrix/rows.h"
#include "matrix/tables.h"
#include "model/classify.h"
#include "render/exports.h"
#include "render/headline.h"
#include "render/html_page.h"

/* The wait class each table column takes its colour from. */
static const char *const column_colours[COL_COUNT] = {
	[COL_ONCPU] = "oncpu", [COL_RUNNABLE] = "runqueue", [COL_DISK] = "disk", [COL_LOCK_GIL] = "lock",
	[COL_LOOP_IDLE] = "loop-idle", [COL_NET] = "net", [COL_OTHER] = "other-sleep",
};

static const char *const verdict_classes[] = {
	[VERDICT_SUPPORTS] = "supports", [VERDICT_CONTRADICTS] = "contradicts",
	[VERDICT_CANNOT_TELL] = "cannot-tell",
};

struct page {
	FILE *out;
	const struct run_opts *o;
	const struct cell *cells;
	size_t n;
	const char *run_href;
};

static void text_p(FILE *out, const char *class, const char *text)
{
	fprintf(out, "<p class=\"%s\">", class);
	html_escape(out, text);
	fputs("</p>\n", out);
}

static void claims_section(const struct page *pg)
{
	struct claim_verdict v[CLAIM_COUNT];

	claim_verdicts(pg->cells, pg->n, v);
	fputs("<h2 id=\"claims\">The notes' claims, judged from this run</h2>\n<div class=\"cards\">\n", pg->out);
	for (int i = 0; i < CLAIM_COUNT; i++) {
		fprintf(pg->out, "<div class=\"card claim\" id=\"claim-%s\"><h4><span class=\"verdict %s\">%s</span> ",
			v[i].id, verdict_classes[v[i].verdict], verdict_names[v[i].verdict]);
		fprintf(pg->out, "%s: ", v[i].id);
		html_escape(pg->out, v[i].claim);
		fputs("</h4>\n", pg->out);
		text_p(pg->out, "reason", v[i].reason);
		fputs("<details><summary>why</summary>", pg->out);
		text_p(pg->out, "small", v[i].why);
		fputs("</details></div>\n", pg->out);
	}
	fputs("</div>\n", pg->out);
}

/* Model M's bar: its wall split by the tables' columns, on its critical path when it has one. */
static void model_bar(const struct cell *c, double sync_wall, double wall, struct bar_row *row)
{
	const struct explanation *e = c->explanation;

	snprintf(row->label, sizeof(row->label), "%s", model_names[c->model]);
	if (sync_wall > 0)
		snprintf(row->note, sizeof(row->note), "%.2fx", sync_wall / wall);
	if (e && !strcmp(e->d.method, EXPLAIN_METHOD_PATH)) {   /* recorded, not estimated */
		for (int w = 0; w < WC_COUNT; w++)
			row->seconds[share_column_of(w)] += ns_to_s(e->d.path_class_ns[w]);
		return;
	}
	for (int col = 0; col < COL_COUNT; col++)   /* thread time's split, scaled to the wall */
		row->seconds[col] = c->stats.share[col] * c->stats.wall_s;
}

static void runtime_chart(const struct page *pg, enum workload w, enum runtime r)
{
	struct bar_row rows[CM_COUNT];
	double sync_wall = median_wall(pg->cells, pg->n, w, r, CM_SYNC, NULL);
	char id[64];
	const struct bar_chart chart = { id, "model-chart", share_column_titles, column_colours, COL_COUNT };
	size_t k = 0;

	memset(rows, 0, sizeof(rows));
	snprintf(id, sizeof(id), "chart-%s-%s", workload_names[w], runtime_names[r]);
	for (int m = 0; m < CM_COUNT; m++) {
		const struct cell *c;
		double wall = median_wall(pg->cells, pg->n, w, r, m, &c);

		if (pg->o->models[m] && wall > 0)
			model_bar(c, sync_wall, wall, &rows[k++]);
	}
	bar_chart_write(pg->out, &chart, rows, k);
}

static void cell_link(const struct page *pg, const struct cell *c, const char *file, const char *text)
{
	fputs("<a href=\"", pg->out);
	html_escape(pg->out, pg->run_href);
	fprintf(pg->out, "cells/%s/%s\">%s</a>", c->name, file, text);
}

/* "report · flame graphs: wall, off-CPU, on-CPU" */
static void cell_links(const struct page *pg, const struct cell *c)
{
	fputs("<p class=\"small\">", pg->out);
	cell_link(pg, c, "report.html", "report");
	fputs(" · flame graphs: ", pg->out);
	cell_link(pg, c, "wall.svg", "wall");
	fputs(", ", pg->out);
	cell_link(pg, c, "offcpu.svg", "off-CPU");
	fputs(", ", pg->out);
	cell_link(pg, c, "oncpu.svg", "on-CPU");
	fputs("</p>\n", pg->out);
}

/* A card per model: its wall, its lead finding and advice, its other findings, its links. */
static void model_card(const struct page *pg, enum workload w, enum runtime r, enum conc_model m)
{
	struct row row;
	const struct explanation *e;
	const struct finding *lead;
	char line[LINE_MAX_CHARS * 4];

	gather_row(pg->cells, pg->n, w, r, m, &row);
	fprintf(pg->out, "<div class=\"card model\" id=\"%s-%s-%s\"><h4>%s", workload_names[w],
		runtime_names[r], model_names[m], model_names[m]);
	if (!row.ok) {
		fputs(" — did not finish</h4>\n", pg->out);
		text_p(pg->out, "small", row.failure->status == CELL_FAILED ? row.failure->reason :
		       cell_status_names[row.failure->status]);
		fputs("</div>\n", pg->out);
		return;
	}
	fprintf(pg->out, " — %.3f s</h4>\n", row.median_wall_s);
	e = row.shown->explanation;
	if (e) {
		explanation_line(e, sizeof(line) - 1, line, sizeof(line));   /* a card has room for all of it */
		text_p(pg->out, "lead", line);
		lead = lead_finding(e);
		if (lead && lead->advice[0]) {
			snprintf(line, sizeof(line), "Advice: %s", lead->advice);
			text_p(pg->out, "advice", line);
		}
		fputs("<p class=\"small\">findings:", pg->out);
		for (size_t i = 0; i < e->n_findings; i++)
			fprintf(pg->out, "%s %s (%.3f s)", i ? "," : "", e->findings[i].name, e->findings[i].explained_s);
		fputs(e->n_findings ? "</p>\n" : " none</p>\n", pg->out);
	}
	cell_links(pg, row.shown);
	fputs("</div>\n", pg->out);
}

static void comparison_card(FILE *out, const struct comparison *c)
{
	char split[256] = "";

	fprintf(out, "<div class=\"card comparison\"><h4>%s vs %s: %.2fx the wall</h4>\n", model_names[c->a->model],
		model_names[c->b->model], c->wall_b_s > 0 ? c->wall_a_s / c->wall_b_s : 0);
	snprintf(split, sizeof(split), "%s, %s - %s:", c->on_path ? "On the critical path" : "By aggregate shares",
		 model_names[c->a->model], model_names[c->b->model]);
	append_class_deltas(split, sizeof(split), c);
	text_p(out, "small", split);
	if (c->n_findings) {
		fprintf(out, "<p class=\"small\">Found in %s, not in %s:", model_names[c->slower->model],
			model_names[(c->slower == c->a ? c->b : c->a)->model]);
		for (size_t i = 0; i < c->n_findings; i++)
			fprintf(out, "%s %s (%.2f s)", i ? "," : "", c->findings[i]->name, c->findings[i]->explained_s);
		fputs("</p>\n", out);
	}
	fputs("<details><summary>all of it</summary>", out);
	text_p(out, "small", c->text);
	fputs("</details></div>\n", out);
}

static void runtime_section(const struct page *pg, enum workload w, enum runtime r)
{
	struct comparison c[COMPARE_PAIRS];
	size_t k = model_comparisons(pg->cells, pg->n, w, r, c);

	fprintf(pg->out, "<h3>%s, %s</h3>\n", workload_names[w], runtime_names[r]);
	runtime_chart(pg, w, r);
	fputs("<div class=\"cards\">\n", pg->out);
	for (int m = 0; m < CM_COUNT; m++)
		if (pg->o->models[m])
			model_card(pg, w, r, m);
	fputs("</div>\n", pg->out);
	if (!k)
		return;
	fputs("<div class=\"cards\">\n", pg->out);
	for (size_t i = 0; i < k; i++)
		comparison_card(pg->out, &c[i]);
	fputs("</div>\n", pg->out);
}

/* The workload's title line, as the tables print it. */
static void workload_heading(const struct page *pg, enum workload w)
{
	char *title = NULL, *nl;
	size_t len = 0;
	FILE *f = open_memstream(&title, &len);

	if (f) {
		print_workload_table(f, pg->o, pg->cells, pg->n, w);
		fclose(f);
	}
	nl = title ? strchr(title + 1, '\n') : NULL;   /* the table starts with "\nTITLE\n" */
	if (nl)
		*nl = '\0';
	fprintf(pg->out, "<h2 id=\"workload-%s\">", workload_names[w]);
	html_escape(pg->out, title ? title + 1 : workload_names[w]);
	fputs("</h2>\n<p class=\"small\">Each bar is a model's wall time split by wait class: on the critical "
	      "path (the chain of running and waking that set it) when its cell recorded a timeline, else its "
	      "threads' time shares scaled to its wall (docs/explain.md); each chart has its own scale.</p>\n",
	      pg->out);
	free(title);
}

static void tables_section(const struct page *pg)
{
	char *tables = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&tables, &len);

	if (f) {
		print_tables(f, pg->o, pg->cells, pg->n);
		fclose(f);
	}
	fputs("<h2>The tables</h2>\n<p class=\"small\">Shares of thread time, as `conctrace run` prints them.</p>\n"
	      "<pre id=\"tables\">", pg->out);
	html_escape(pg->out, tables ? tables : "");
	fputs("</pre>\n", pg->out);
	free(tables);
}

int html_write_matrix(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n,
		      const char *run_href)
{
	const struct page pg = { out, o, cells, n, run_href };
	size_t ok = 0;

	for (size_t i = 0; i < n; i++)
		ok += cells[i].status == CELL_OK;
	page_head(out, "conctrace run");
	fprintf(out, "<p class=\"meta\">size %s, %zu of %zu cells ok%s; each cell's report and flame graphs are "
		"in cells/NAME/.</p>\n", size_names[o->size], ok, n, o->repeat > 1 ? ", walls are medians of "
		"the repeats" : "");
	claims_section(&pg);
	for (int w = 0; w < WL_COUNT; w++) {
		if (!o->workloads[w])
			continue;
		workload_heading(&pg, w);
		for (int r = 0; r < RT_COUNT; r++)
			if (o->runtimes[r])
				runtime_section(&pg, w, r);
	}
	tables_section(&pg);
	return page_end(out);
}

struct matrix_export {
	const struct run_opts *o;
	const struct cell *cells;
	size_t n;
	const char *run_href;
};

static int render_matrix_html(FILE *out, const void *ctx)
{
	const struct matrix_export *e = ctx;

	return html_write_matrix(out, e->o, e->cells, e->n, e->run_href);
}

int export_matrix_html(const struct outdir *d, const char *name, const struct run_opts *o,
		       const struct cell *cells, size_t n, const char *run_href)
{
	const struct matrix_export e = { o, cells, n, run_href };

	return export_render_at(d, name, render_matrix_html, &e);
}
