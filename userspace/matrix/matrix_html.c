/* The page of a `conctrace run` directory (index.html). */
#include "matrix/matrix_html.h"

#include <stdlib.h>
#include "base/util.h"
#include "matrix/tables.h"
#include "render/exports.h"
#include "render/html_page.h"

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

struct matrix_export {
	const struct run_opts *o;
	const struct cell *cells;
	size_t n;
};

static int render_matrix_html(FILE *out, const void *ctx)
{
	const struct matrix_export *e = ctx;

	return html_write_matrix(out, e->o, e->cells, e->n);
}

int export_matrix_html(const struct outdir *d, const char *name, const struct run_opts *o,
		       const struct cell *cells, size_t n)
{
	const struct matrix_export e = { o, cells, n };

	return export_render_at(d, name, render_matrix_html, &e);
}
