#include "render/export_html.h"

#include <stdlib.h>
#include <string.h>
#include "model/account.h"
#include "model/classify.h"
#include "render/flamegraph.h"
#include "render/fold.h"
#include "render/summary.h"
#include "base/util.h"
#include "render/html_page.h"

#define CHART_MAX_ROWS 400   /* more threads than this are listed in the tables only */

const char *const html_linked_exports[] = {
	"report.json", "speedscope.json", "trace.json", "oncpu.svg", "offcpu.svg", "wall.svg",
	"oncpu.folded", "offcpu.folded", "wall.folded", NULL,
};


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
