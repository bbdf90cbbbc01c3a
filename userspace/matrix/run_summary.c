/* `conctrace run`'s terminal output (run_summary.h). Pure: unit-tested with hand-built cells. */
#include "matrix/run_summary.h"

#include <string.h>
#include "analyze/findings.h"
#include "matrix/compare.h"
#include "matrix/rows.h"
#include "matrix/tables.h"
#include "render/headline.h"

/* "  python  asyncio+processes    0.22s  " before each model's line: the table's columns. */
#define MODEL_PREFIX_CHARS 38

/* With VERBOSE, the lead finding's (else the first's) whole text and the knot of the wait-for graph. */
static void print_model_details(FILE *out, const struct explanation *e)
{
	const struct finding *f = lead_finding(e) ? lead_finding(e) : e->n_findings ? &e->findings[0] : NULL;
	char knot[128] = "none";

	if (e->g.n_knots)
		knot_name(&e->g, 0, knot, sizeof(knot));
	fprintf(out, "      knot: %s.", knot);
	if (f)
		fprintf(out, " %s: %s", f->name, f->text);
	if (f && f->advice[0])
		fprintf(out, " Advice: %s", f->advice);
	fputc('\n', out);
}

/* One line per model of workload W that finished ok: its wall and what it spent it on. */
static void print_model_lines(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n,
			      enum workload w, bool verbose)
{
	char line[LINE_MAX_CHARS * 4];

	for (int r = 0; r < RT_COUNT; r++)
		for (int m = 0; m < CM_COUNT && o->runtimes[r]; m++) {
			const struct cell *c;
			double wall = median_wall(cells, n, w, r, m, &c);

			if (!o->models[m] || wall < 0 || !c->explanation)
				continue;
			explanation_line(c->explanation, LINE_MAX_CHARS - MODEL_PREFIX_CHARS, line, sizeof(line));
			fprintf(out, "  %-7s %-17s %7.2fs  %s\n", runtime_names[r], model_names[m], wall, line);
			if (verbose)
				print_model_details(out, c->explanation);
		}
}

static void print_comparisons(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n,
			      enum workload w)
{
	struct comparison c[COMPARE_PAIRS];

	for (int r = 0; r < RT_COUNT; r++) {
		size_t k = o->runtimes[r] ? model_comparisons(cells, n, w, r, c) : 0;

		if (k)
			fprintf(out, "  %s, %s, compared:\n", workload_names[w], runtime_names[r]);
		for (size_t i = 0; i < k; i++)
			fprintf(out, "  * %s\n", c[i].summary);
	}
}

static void print_claims(FILE *out, const struct cell *cells, size_t n, bool verbose)
{
	struct claim_verdict v[CLAIM_COUNT];
	char head[LINE_MAX_CHARS], reason[LINE_MAX_CHARS * 4];

	claim_verdicts(cells, n, v);
	fprintf(out, "\nThe notes' claims, judged from this run%s:\n", verbose ? "" : " (why: -v, or index.html)");
	for (int i = 0; i < CLAIM_COUNT; i++) {
		snprintf(head, sizeof(head), "  %s %-11s %s — ", v[i].id, verdict_names[v[i].verdict], v[i].label);
		fit_text(v[i].reason, LINE_MAX_CHARS - text_chars(head), reason, sizeof(reason));
		fprintf(out, "%s%s\n", head, reason);
		if (verbose)
			fprintf(out, "      %s\n", v[i].why);
	}
}

void run_summary_print(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n, bool verbose)
{
	for (int w = 0; w < WL_COUNT; w++) {
		if (!o->workloads[w])
			continue;
		print_workload_table(out, o, cells, n, w);
		print_model_lines(out, o, cells, n, w, verbose);
		if (verbose)
			print_comparisons(out, o, cells, n, w);
	}
	print_claims(out, cells, n, verbose);
}
