/* `conctrace diff A B`: two reports (or record/cell directories) side by side, and optionally a
 * differential flame graph. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "cli/diff.h"
#include "cli/usage.h"
#include "render/diff.h"
#include "render/exports.h"
#include "render/flamegraph.h"
#include "model/report_json.h"
#include "matrix/report_source.h"
#include "base/util.h"

static const char diff_usage[] =
	"usage: conctrace diff [options] A B\n"
	"  A and B are report.json files or directories holding one (record or run cells).\n"
	"      --svg FILE     differential flame graph: B's widths, red where B grew, blue where it shrank\n"
	"  -k, --kind KIND    stacks for --svg: oncpu, offcpu or wall (default wall)\n"
	"  -h, --help         this help\n";

enum { OPT_SVG = 256 };

static const struct option diff_options[] = {
	{ "svg", required_argument, NULL, OPT_SVG },
	{ "kind", required_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* Loads the report PATH names into M; 0, or the exit status after a one-line error. */
static int load_side(const char *path, struct run_model *m, char *name, size_t len)
{
	struct report_source src;
	char err[PATH_MAX + 128];

	if (report_source_find(path, &src, err, sizeof(err)) ||
	    (src.kind == SOURCE_RUN && snprintf(err, sizeof(err), "%s: a run directory: compare two of "
						"its cells (%s/cells/NAME)", path, path)) ||
	    report_load(src.path, m, err, sizeof(err))) {
		errmsg("diff: %s", err);
		return 2;
	}
	snprintf(name, len, "%s", src.path);
	return 0;
}

struct diff_svg {
	const struct run_model *a, *b;
	enum fold_kind kind;
};

/* A differential graph of the same kind of stacks of A (side A) and B (side B). */
static int render_diff_svg(FILE *out, const void *ctx)
{
	const struct diff_svg *d = ctx;
	struct symbolizer *s = symbolizer_new("/proc/kallsyms");
	struct frame_tree *t = frame_tree_new();
	struct flame_opts o;
	const struct fold_opts fo = { .kind = d->kind };
	int rc = fold_tree_add(d->a, &fo, s, t, FOLDED_A) || fold_tree_add(d->b, &fo, s, t, FOLDED_B);

	flame_opts_default(&o, FLAME_DIFF);
	o.count_name = d->kind == FOLD_ONCPU ? "samples" : "ns";
	o.subtitle = fold_kind_names[d->kind];
	if (!rc && flamegraph_write_svg(t, &o, out)) {
		errmsg("cannot write the flame graph");
		rc = -1;
	}
	frame_tree_free(t);
	symbolizer_free(s);
	return rc ? -1 : 0;
}

static int diff_usage_error(const char *what, const char *arg)
{
	return usage_error("diff", "%s '%s'", what, arg);
}

int cmd_diff(int argc, char **argv)
{
	struct diff_svg d = { .kind = FOLD_WALL };
	struct run_model a, b;
	char name_a[PATH_MAX], name_b[PATH_MAX];
	const char *svg = NULL;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "k:h", diff_options, NULL)) != -1) {
		if (c == OPT_SVG) {
			svg = optarg;
		} else if (c == 'k' && fold_kind_by_name(optarg) >= 0) {
			d.kind = fold_kind_by_name(optarg);
		} else if (c == 'h') {
			fputs(diff_usage, stdout);
			return 0;
		} else {
			return diff_usage_error(c == 'k' ? "--kind: expected oncpu, offcpu or wall:" :
						"unknown option or missing argument:", argv[optind - 1]);
		}
	}
	if (optind != argc - 2)
		return diff_usage_error("expected two reports A and B, got", optind < argc ? argv[argc - 1] : "none");
	if ((rc = load_side(argv[optind], &a, name_a, sizeof(name_a))))
		return rc;
	if ((rc = load_side(argv[optind + 1], &b, name_b, sizeof(name_b)))) {
		model_free(&a);
		return rc;
	}
	diff_print(stdout, &a, &b, name_a, name_b);
	d.a = &a;
	d.b = &b;
	rc = svg && export_render(svg, render_diff_svg, &d) ? 1 : 0;
	model_free(&a);
	model_free(&b);
	return rc;
}
