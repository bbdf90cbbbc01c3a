/* The critical path over the threads' timeline (html_timeline.h). */
#include "render/html_timeline.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/roles.h"
#include "base/util.h"
#include "model/classify.h"
#include "render/flamegraph.h"
#include "render/html_page.h"

#define STRIP_W 900         /* pixel columns of the strips */
#define LABEL_W 210.0
#define ROW_H 14.0
#define ROW_GAP 3.0
#define AXIS_H 22.0

/* A row of the picture: a thread (tid), a node outside the tree (tid 0), or the path's threads
 * that got no row of their own (tid 0, node GN_COUNT). */
struct strip {
	uint32_t tid;
	unsigned node;
	uint64_t path_ns;                /* the critical path's time in this row */
	uint64_t (*cols)[WC_COUNT];      /* threads: ns per class in each pixel column */
};

struct picture {
	const struct run_model *m;
	const struct critical_path *p;
	struct strip *rows;
	size_t n_rows, cap_rows;
	double ns_per_px;
};

static double x_of(const struct picture *pic, uint64_t t)
{
	uint64_t from = pic->p->start_ns;

	return LABEL_W + (t > from ? (t - from) / pic->ns_per_px : 0);
}

static double y_of(size_t row)
{
	return AXIS_H + row * (ROW_H + ROW_GAP);
}

static int cmp_path_time(const void *a, const void *b)
{
	const struct strip *x = a, *y = b;

	return x->path_ns < y->path_ns ? 1 : x->path_ns > y->path_ns ? -1 : (x->tid > y->tid) - (x->tid < y->tid);
}

static int cmp_tid(const void *a, const void *b)
{
	const struct strip *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Moves the root process's main thread, when it is among ROWS, to the top. */
static void root_first(struct strip *rows, size_t n, uint32_t root)
{
	for (size_t i = 1; i < n; i++)
		if (rows[i].tid == root) {
			struct strip r = rows[i];

			memmove(rows + 1, rows, i * sizeof(*rows));
			rows[0] = r;
			return;
		}
}

/* The threads most on the path (then the rest of the threads, in order), at most
 * TIMELINE_MAX_THREADS, drawn in tid order after the root's main thread; then a row per node
 * outside the tree on the path. */
static void choose_rows(struct picture *pic)
{
	const struct run_model *m = pic->m;
	struct strip *all = xcalloc(m->n_threads ? m->n_threads : 1, sizeof(*all));
	uint64_t node_ns[GN_COUNT + 1] = { 0 };
	size_t keep;

	for (size_t i = 0; i < m->n_threads; i++)
		all[i].tid = m->threads[i].acct.tid;
	qsort(all, m->n_threads, sizeof(*all), cmp_tid);
	for (size_t i = 0; i < pic->p->n_segments; i++) {
		const struct path_segment *s = &pic->p->segments[i];
		struct strip key = { .tid = s->tid }, *t = s->tid ? bsearch(&key, all, m->n_threads,
									sizeof(*all), cmp_tid) : NULL;

		if (t)
			t->path_ns += s->end_ns - s->start_ns;
		else    /* a node outside the tree, or a thread never accounted: the shared row */
			node_ns[s->tid || s->node >= GN_COUNT ? GN_COUNT : s->node] += s->end_ns - s->start_ns;
	}
	qsort(all, m->n_threads, sizeof(*all), cmp_path_time);
	keep = m->n_threads < TIMELINE_MAX_THREADS ? m->n_threads : TIMELINE_MAX_THREADS;
	for (size_t i = keep; i < m->n_threads; i++)   /* the path's other threads share a row */
		node_ns[GN_COUNT] += all[i].path_ns;
	qsort(all, keep, sizeof(*all), cmp_tid);
	root_first(all, keep, m->meta.root_pid);
	for (size_t i = 0; i < keep; i++) {
		struct strip *r = VEC_PUSH(pic->rows, pic->n_rows, pic->cap_rows);

		*r = all[i];
		r->cols = xcalloc(STRIP_W, sizeof(*r->cols));
	}
	for (unsigned g = 0; g <= GN_COUNT; g++)
		if (node_ns[g])
			*VEC_PUSH(pic->rows, pic->n_rows, pic->cap_rows) = (struct strip){ .node = g,
										   .path_ns = node_ns[g] };
	free(all);
}

static struct strip *thread_row(const struct picture *pic, uint32_t tid)
{
	for (size_t i = 0; i < pic->n_rows && pic->rows[i].tid; i++)
		if (pic->rows[i].tid == tid)
			return &pic->rows[i];
	return NULL;
}

/* The row the path is on during S: its thread's, its node's, or the shared one. */
static size_t path_row(const struct picture *pic, const struct path_segment *s)
{
	unsigned node = s->node < GN_COUNT ? s->node : GN_COUNT;
	const struct strip *t = s->tid ? thread_row(pic, s->tid) : NULL;

	if (t)
		return t - pic->rows;
	for (size_t i = 0; i < pic->n_rows; i++)
		if (!pic->rows[i].tid && pic->rows[i].node == (s->tid ? GN_COUNT : node))
			return i;
	return 0;
}

/* Each drawn thread's time per class in each pixel column, from its intervals. */
static void fill_columns(struct picture *pic)
{
	const struct model_timeline *tl = &pic->m->timeline;

	for (size_t i = 0; i < tl->n_intervals; i++) {
		const struct model_interval *iv = &tl->intervals[i];
		struct strip *r = iv->wait_class < WC_COUNT ? thread_row(pic, iv->tid) : NULL;
		uint64_t from = iv->start_ns > pic->p->start_ns ? iv->start_ns : pic->p->start_ns;
		uint64_t to = iv->end_ns < pic->p->end_ns ? iv->end_ns : pic->p->end_ns;

		while (r && from < to) {
			size_t col = (from - pic->p->start_ns) / pic->ns_per_px;
			uint64_t col_end = pic->p->start_ns + (uint64_t)ceil((col + 1) * pic->ns_per_px);
			uint64_t upto = col_end < to && col_end > from ? col_end : to;

			r->cols[col < STRIP_W ? col : STRIP_W - 1][iv->wait_class] += upto - from;
			from = upto;
		}
	}
}

static int dominant_class(const uint64_t *ns)
{
	int best = -1;

	for (int c = 0; c < WC_COUNT; c++)
		if (ns[c] && (best < 0 || ns[c] > ns[best]))
			best = c;
	return best;
}

/* A thread's strip: runs of pixel columns of the same dominant class. */
static void draw_strip(FILE *out, const struct picture *pic, const struct strip *r, double y, bool *used)
{
	char fill[32];

	for (int col = 0; col < STRIP_W;) {
		int c = dominant_class(r->cols[col]), end = col + 1;

		while (end < STRIP_W && dominant_class(r->cols[end]) == c)
			end++;
		if (c >= 0) {
			used[c] = true;
			flame_class_fill(wait_classes[c].name, fill, sizeof(fill));
			fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%.0f\" fill=\"%s\">"
				"<title>%s, %.3f s to %.3f s</title></rect>\n", LABEL_W + col, y, end - col, ROW_H,
				fill, wait_classes[c].name, col * pic->ns_per_px / 1e9, end * pic->ns_per_px / 1e9);
		}
		col = end;
	}
}

static void row_label(FILE *out, const struct picture *pic, const struct strip *r, double y)
{
	const struct thread_acct *a = r->tid ? model_find_thread(pic->m, r->tid) : NULL;
	char label[96];

	if (a)
		snprintf(label, sizeof(label), "%s %u (%s)", a->comm, a->tid,
			 graph_node_names[thread_role(pic->m, a)]);
	else if (r->node < GN_COUNT)
		snprintf(label, sizeof(label), "[%s]", graph_node_names[r->node]);
	else
		snprintf(label, sizeof(label), "[other threads]");
	fprintf(out, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">", LABEL_W - 6, y + ROW_H - 3);
	html_escape(out, label);
	fprintf(out, "<title>critical path here: %.3f s</title></text>\n", ns_to_s(r->path_ns));
}

/* The path as one polyline: along a row while it stays there, down or up at each hand-off; moves
 * within a pixel are merged, so it has at most a few commands per pixel column. */
static void draw_path(FILE *out, const struct picture *pic)
{
	double at_x = x_of(pic, pic->p->start_ns), at_y, want_y;

	if (!pic->p->n_segments)
		return;
	at_y = want_y = y_of(path_row(pic, &pic->p->segments[0])) + ROW_H / 2;
	fprintf(out, "<path id=\"critical-path\" fill=\"none\" stroke=\"#000\" stroke-width=\"2\" d=\"M%.1f %.1f",
		at_x, at_y);
	for (size_t i = 0; i < pic->p->n_segments; i++) {
		const struct path_segment *s = &pic->p->segments[i];
		double y = y_of(path_row(pic, s)) + ROW_H / 2;
		double x0 = round(2 * x_of(pic, s->start_ns)) / 2, x1 = round(2 * x_of(pic, s->end_ns)) / 2;

		if (y != want_y && x0 != at_x) {
			if (want_y != at_y)
				fprintf(out, "V%.1f", at_y = want_y);
			fprintf(out, "H%.1f", at_x = x0);
		}
		want_y = y;
		if (x1 != at_x) {
			if (want_y != at_y)
				fprintf(out, "V%.1f", at_y = want_y);
			fprintf(out, "H%.1f", at_x = x1);
		}
	}
	if (want_y != at_y)
		fprintf(out, "V%.1f", want_y);
	fputs("\"/>\n", out);
}

/* Ticks at 0, 1/4, ..., the end of the wall time. */
static void draw_axis(FILE *out, const struct picture *pic)
{
	double wall_s = ns_to_s(pic->p->end_ns - pic->p->start_ns);

	for (int i = 0; i <= 4; i++)
		fprintf(out, "<text x=\"%.1f\" y=\"12\" text-anchor=\"%s\">%.3g s</text>"
			"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"15\" y2=\"%.1f\" stroke=\"#bbb\"/>\n",
			LABEL_W + i * STRIP_W / 4.0, i == 0 ? "start" : i == 4 ? "end" : "middle", wall_s * i / 4,
			LABEL_W + i * STRIP_W / 4.0, LABEL_W + i * STRIP_W / 4.0,
			y_of(pic->n_rows));
}

void html_timeline(FILE *out, const struct run_model *m, const struct critical_path *p)
{
	struct picture pic = { .m = m, .p = p };
	bool used[WC_COUNT] = { false };
	char fill[32];

	pic.ns_per_px = fmax(1, (double)(p->end_ns - p->start_ns) / STRIP_W);
	choose_rows(&pic);
	fill_columns(&pic);
	fprintf(out, "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"font-size=\"11\" font-family=\"sans-serif\">\n", LABEL_W + STRIP_W + 20, y_of(pic.n_rows) + 4);
	draw_axis(out, &pic);
	for (size_t i = 0; i < pic.n_rows; i++) {
		row_label(out, &pic, &pic.rows[i], y_of(i));
		if (pic.rows[i].cols)
			draw_strip(out, &pic, &pic.rows[i], y_of(i), used);
		else
			fprintf(out, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%d\" height=\"%.0f\" fill=\"#f0f0f0\"/>\n",
				LABEL_W, y_of(i), STRIP_W, ROW_H);
	}
	draw_path(out, &pic);
	fputs("</svg>\n", out);
	fputs("<div class=\"legend\">", out);
	legend_item(out, "#000", "critical path");
	for (int c = 0; c < WC_COUNT; c++)
		if (used[c]) {
			flame_class_fill(wait_classes[c].name, fill, sizeof(fill));
			legend_item(out, fill, wait_classes[c].name);
		}
	fputs("</div>\n", out);
	for (size_t i = 0; i < pic.n_rows; i++)
		free(pic.rows[i].cols);
	free(pic.rows);
}
