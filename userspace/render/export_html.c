#include "render/export_html.h"

#include <stdlib.h>
#include <string.h>
#include "analyze/critpath.h"
#include "analyze/findings.h"
#include "base/util.h"
#include "model/account.h"
#include "model/classify.h"
#include "render/flamegraph.h"
#include "render/fold.h"
#include "render/headline.h"
#include "render/html_page.h"
#include "render/html_timeline.h"
#include "render/summary.h"

#define CHART_MAX_ROWS 40   /* threads drawn in the chart; the rest (and those under 1 %) share a row */

static void meta_line(FILE *out, const struct run_model *m, const struct explanation *e)
{
	struct acct_totals tree;

	totals_of(m, 0, &tree);
	fprintf(out, "<p class=\"meta\">wall <b>%.3f s</b>", ns_to_s(command_wall_ns(m)));
	if (m->meta.exit_status >= 0)
		fprintf(out, ", exit %d", m->meta.exit_status);
	fprintf(out, "; %zu process%s, %d thread%s%s; analysed by %s; kernel ", m->n_procs,
		m->n_procs == 1 ? "" : "es", tree.threads, tree.threads == 1 ? "" : "s",
		m->meta.interrupted ? " (interrupted: the report is partial)" : "", e->d.method);
	html_escape(out, m->meta.kernel ? m->meta.kernel : "");
	fprintf(out, ", %d CPUs</p>\n", m->meta.ncpus);
}

/* The findings, most wall time explained first, each whole with its advice. */
static void findings_section(FILE *out, const struct run_model *m, const struct explanation *e)
{
	char headline[sizeof(e->findings[0].text)];

	fprintf(out, "<h2 id=\"why\">Why it took %.3f s</h2>\n", ns_to_s(command_wall_ns(m)));
	if (!e->n_findings)
		fputs("<p>No finding crossed its threshold (docs/explain.md).</p>\n", out);
	fputs("<ol class=\"findings\">\n", out);
	for (size_t i = 0; i < e->n_findings; i++) {
		const struct finding *f = &e->findings[i];

		finding_headline(f, sizeof(headline) - 1, headline, sizeof(headline));
		fputs("<li><b>", out);
		html_escape(out, f->name);
		fputs("</b>: ", out);
		html_escape(out, headline);
		if (f->explained_s > 0)
			fprintf(out, " <span class=\"small\">(explains %.3f s of the wall time)</span>", f->explained_s);
		if (strcmp(headline, f->text)) {   /* the whole statement, when the headline is not all of it */
			fputs("<br><span class=\"small\">", out);
			html_escape(out, f->text);
			fputs("</span>", out);
		}
		if (f->advice[0]) {
			fputs("<br><span class=\"advice\">Advice: ", out);
			html_escape(out, f->advice);
			fputs("</span>", out);
		}
		fputs("</li>\n", out);
	}
	fputs("</ol>\n", out);
	if (e->path_summary[0]) {
		fputs("<p>", out);
		html_escape(out, e->path_summary);
		fputs("</p>\n", out);
	}
}

static void thread_row(struct bar_row *row, const struct thread_acct *a)
{
	snprintf(row->label, sizeof(row->label), "%s %u (pid %u)", a->comm, a->tid, a->tgid);
	for (int c = 0; c < WC_COUNT; c++)
		row->seconds[c] = ns_to_s(a->ns[c]);
}

/* A bar per thread that lived at least 1 % of the tree's thread time (at most CHART_MAX_ROWS);
 * the others added up in one bar. */
static void thread_chart(FILE *out, const struct run_model *m)
{
	const char *class_names[WC_COUNT];
	const struct bar_chart chart = { "thread-chart", "thread-chart", class_names, class_names, WC_COUNT };
	struct bar_row *rows = xcalloc(CHART_MAX_ROWS + 1, sizeof(*rows)), other = { 0 };
	size_t n = 0, folded = 0;
	struct acct_totals tree;

	totals_of(m, 0, &tree);
	for (int c = 0; c < WC_COUNT; c++)
		class_names[c] = wait_classes[c].name;
	for (size_t i = 0; i < m->n_threads; i++) {
		const struct thread_acct *a = &m->threads[i].acct;

		if (n < CHART_MAX_ROWS && share(thread_lifetime(a), tree.life_ns) >= SUMMARY_PROC_SHARE) {
			thread_row(&rows[n++], a);
			continue;
		}
		folded++;
		for (int c = 0; c < WC_COUNT; c++)
			other.seconds[c] += ns_to_s(a->ns[c]);
	}
	if (folded) {
		rows[n] = other;
		snprintf(rows[n++].label, sizeof(other.label), "%zu other thread%s", folded, folded == 1 ? "" : "s");
	}
	fputs("<h2>Where each thread's time went</h2>\n", out);
	bar_chart_write(out, &chart, rows, n);
	free(rows);
}

static void critical_path_section(FILE *out, const struct run_model *m, const struct critical_path *p, bool has_path)
{
	fputs("<h2 id=\"critical-path\">The critical path</h2>\n", out);
	if (!has_path) {
		fputs("<p>This run was recorded without <code>--timeline</code>: there is no timeline, so no "
		      "critical path to draw. <code>conctrace record --timeline</code> draws it here.</p>\n", out);
		return;
	}
	fputs("<p class=\"small\">A row per thread: its state at each moment of the command's wall time (the "
	      "class it spent most of each pixel in). The black line is the critical path: walking back from "
	      "the command's end, the thread that ran, or whatever ended the wait it was in (a row in brackets "
	      "for what is outside the tree), docs/explain.md.</p>\n", out);
	html_timeline(out, m, p);
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

/* The flame graph of KIND as a data: URI object, so its own script and ids stay in its document;
 * pruned to what is visible (HTML_FLAME_MIN_SHARE, HTML_FLAME_MAX_DEPTH). */
static int flame_section(FILE *out, const struct run_model *m, struct symbolizer *s, enum fold_kind kind,
			 enum flame_kind flame, const char *heading)
{
	struct frame_tree *t = frame_tree_new();
	char *svg = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&svg, &len);
	struct flame_opts o;
	int rc = f ? fold_tree_add(m, &(struct fold_opts){ .kind = kind }, s, t, FOLDED_A) : -1;

	flame_opts_default(&o, flame);
	o.min_width = HTML_FLAME_MIN_SHARE * o.width;
	o.max_depth = HTML_FLAME_MAX_DEPTH;
	if (!rc)
		rc = flamegraph_write_svg(t, &o, f);
	if (f && fclose(f))
		rc = -1;
	frame_tree_free(t);
	if (!rc) {
		fprintf(out, "<h3>%s <span class=\"small\">(all of it: <a href=\"%s.svg\">%s.svg</a>)</span></h3>\n"
			"<object id=\"flame-%s\" type=\"image/svg+xml\" data=\"data:image/svg+xml;base64,", heading,
			fold_kind_names[kind], fold_kind_names[kind], fold_kind_names[kind]);
		base64_write(out, (const unsigned char *)svg, len);
		fputs("\"></object>\n", out);
	}
	free(svg);
	return rc;
}

/* What the flame graphs' colours mean. */
static void flame_legend(FILE *out)
{
	static const struct {
		const char *frame, *meaning;
	} kinds[] = {
		{ "vfs_write_[k]", "kernel frames (name_[k])" }, { "main (app.py:1)", "Python frames" },
		{ "malloc", "native frames" },
	};
	char fill[32];

	fputs("<div class=\"legend\">", out);
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
		flame_frame_fill(kinds[i].frame, fill, sizeof(fill));
		legend_item(out, fill, kinds[i].meaning);
	}
	for (int c = 0; c < WC_COUNT; c++) {
		char name[48];

		flame_class_fill(wait_classes[c].name, fill, sizeof(fill));
		snprintf(name, sizeof(name), "[%s]", wait_classes[c].name);
		legend_item(out, fill, name);
	}
	fputs("</div>\n", out);
}

static int flame_graphs(FILE *out, const struct run_model *m, struct symbolizer *s)
{
	fputs("<h2 id=\"flame-graphs\">Flame graphs</h2>\n<p class=\"small\">Wall: every thread's time, on a CPU "
	      "(sampled) and waiting (each wait ends in its class, in brackets); off-CPU: the waits alone; on-CPU: "
	      "the samples. Click a frame to zoom. Frames narrower than 0.5 % of the total or deeper than 64 are "
	      "left out here.</p>\n", out);
	flame_legend(out);
	return flame_section(out, m, s, FOLD_WALL, FLAME_WALL, "Wall-clock time") ||
	       flame_section(out, m, s, FOLD_OFFCPU, FLAME_OFFCPU, "Off-CPU time") ||
	       flame_section(out, m, s, FOLD_ONCPU, FLAME_ONCPU, "On-CPU samples") ? -1 : 0;
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

/* The terminal summary with every cross-check line, as `conctrace record -v` prints it. */
static void summary_section(FILE *out, const struct run_model *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f) {
		summary_print(f, m, NULL, true);
		fclose(f);
	}
	fputs("<details><summary>The terminal summary, with the cross-checks against the kernel's own "
	      "accounting</summary>\n<pre id=\"summary\">", out);
	html_escape(out, text ? text : "");
	fputs("</pre></details>\n", out);
	free(text);
}

static void export_links(FILE *out, const struct run_model *m, sibling_fn siblings)
{
	const char *name;

	fputs("<p id=\"exports\">Exports beside this page:", out);
	for (size_t i = 0; (name = siblings(m, i)); i++)
		if (strcmp(name, "report.html"))
			fprintf(out, " <a href=\"%s\">%s</a>", name, name);
	fprintf(out, " (speedscope.json opens in speedscope.app%s)</p>\n",
		m->timeline.recorded ? ", trace.perfetto in ui.perfetto.dev" : "");
}

int html_write_run(FILE *out, const struct run_model *m, struct symbolizer *s, sibling_fn siblings)
{
	struct explanation *e = xcalloc(1, sizeof(*e));
	struct critical_path p;
	bool has_path = critical_path_build(m, &p);
	int rc;

	explain_on_path(m, has_path ? &p : NULL, e);
	page_head(out, m->meta.command && m->meta.command[0] ? m->meta.command : "conctrace report");
	meta_line(out, m, e);
	findings_section(out, m, e);
	thread_chart(out, m);
	critical_path_section(out, m, &p, has_path);
	rc = flame_graphs(out, m, s);
	if (!rc) {
		process_table(out, m);
		summary_section(out, m);
		export_links(out, m, siblings);
		rc = page_end(out);
	}
	critical_path_free(&p);
	free(e);
	return rc;
}
