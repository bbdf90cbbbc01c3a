/* `conctrace report PATH`: loads a report (or every cell of a run directory), prints the summary
 * (or the matrix tables) again, and regenerates the exports. No root needed. */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/report.h"
#include "render/export_html.h"
#include "matrix/compare.h"
#include "matrix/matrix_html.h"
#include "matrix/tables.h"
#include "render/exports.h"
#include "render/push.h"
#include "model/report_json.h"
#include "matrix/report_source.h"
#include "render/summary.h"
#include "base/util.h"

static const char report_usage[] =
	"usage: conctrace report [options] PATH\n"
	"  PATH is a report.json, a record or cell directory holding one, or a `conctrace run`\n"
	"  directory (index.json). Prints the run's summary again (a run directory: its tables and explanation).\n"
	"      --folded KIND      folded stacks, KIND oncpu, offcpu or wall (stdout, or -o FILE)\n"
	"      --svg KIND         flame graph SVG of KIND (stdout, or -o FILE)\n"
	"      --speedscope FILE  speedscope profile (speedscope.app)\n"
	"      --perfetto FILE    Chrome trace events (ui.perfetto.dev, chrome://tracing)\n"
	"      --html FILE        self-contained HTML report\n"
	"      --push URL         send the on-CPU and off-CPU profiles to a Pyroscope-compatible server\n"
	"  -o, --output PATH      with --folded or --svg: the file; else a directory to write every\n"
	"                         export into (a run directory: report.html and cells/NAME/...); an\n"
	"                         earlier output there is kept as PATH.old\n"
	"  -q, --quiet            no summary\n"
	"  -h, --help             this help\n"
	"Exit status: 0, 1 when an export could not be written, 2 for bad usage or a bad report.\n";

struct report_opts {
	const char *path, *output, *speedscope, *perfetto, *html, *push;
	int folded, svg;           /* fold kind, or -1 */
	bool quiet;
	const struct outdir *into; /* a run's cell: every export into this directory */
};

enum { OPT_FOLDED = 256, OPT_SVG, OPT_SPEEDSCOPE, OPT_PERFETTO, OPT_HTML, OPT_PUSH };

static const struct option report_options[] = {
	{ "folded", required_argument, NULL, OPT_FOLDED },
	{ "svg", required_argument, NULL, OPT_SVG },
	{ "speedscope", required_argument, NULL, OPT_SPEEDSCOPE },
	{ "perfetto", required_argument, NULL, OPT_PERFETTO },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "push", required_argument, NULL, OPT_PUSH },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int report_usage_error(const char *what, const char *arg)
{
	errmsg("report: %s '%s'", what, arg);
	fputs(report_usage, stderr);
	return 2;
}

/* Returns -1 to go on, or the exit status. */
static int parse_report_options(int argc, char **argv, struct report_opts *o)
{
	int c;

	*o = (struct report_opts){ .folded = -1, .svg = -1 };
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:qh", report_options, NULL)) != -1) {
		switch (c) {
		case OPT_FOLDED:
		case OPT_SVG:
			if (fold_kind_by_name(optarg) < 0)
				return report_usage_error("expected oncpu, offcpu or wall:", optarg);
			*(c == OPT_FOLDED ? &o->folded : &o->svg) = fold_kind_by_name(optarg);
			break;
		case OPT_SPEEDSCOPE: o->speedscope = optarg; break;
		case OPT_PERFETTO: o->perfetto = optarg; break;
		case OPT_HTML: o->html = optarg; break;
		case OPT_PUSH: o->push = optarg; break;
		case 'o': o->output = optarg; break;
		case 'q': o->quiet = true; break;
		case 'h':
			fputs(report_usage, stdout);
			return 0;
		default:
			return report_usage_error("unknown option or missing argument:", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return report_usage_error("expected one PATH, got", optind < argc ? argv[argc - 1] : "none");
	if (o->folded >= 0 && o->svg >= 0)
		return report_usage_error("one of --folded and --svg at a time, not", "both");
	o->path = argv[optind];
	return -1;
}

/* --folded or --svg, the one export that may go to stdout. */
static bool stream_export(const struct report_opts *o)
{
	return o->folded >= 0 || o->svg >= 0;
}

/* Every export into the directory -o names (base/outdir.h); 0 or -1. */
static int export_all_to(const char *path, const struct run_model *m, struct symbolizer *s)
{
	struct outdir d;
	int rc = outdir_open(&d, path, NULL) ? -1 : export_all(&d, m, s);

	outdir_close(&d);
	return rc;
}

static int one_report_exports(const struct report_opts *o, const struct run_model *m, struct symbolizer *s)
{
	int rc = 0;

	if (o->folded >= 0)
		rc |= export_to_path(o->output ? o->output : "-", export_folded, m, s, o->folded);
	if (o->svg >= 0)
		rc |= export_to_path(o->output ? o->output : "-", export_svg, m, s, o->svg);
	if (o->speedscope)
		rc |= export_to_path(o->speedscope, export_speedscope, m, s, FOLD_ONCPU);
	if (o->perfetto)
		rc |= export_to_path(o->perfetto, export_trace, m, s, FOLD_ONCPU);
	if (o->html)
		rc |= export_to_path(o->html, export_html, m, s, FOLD_ONCPU);
	if (o->into)
		rc |= export_all(o->into, m, s);
	else if (o->output && !stream_export(o))
		rc |= export_all_to(o->output, m, s);
	if (o->push)
		rc |= push_run(o->push, m, s);
	return rc ? 1 : 0;
}

static int report_one(const struct report_opts *o, const char *path)
{
	struct symbolizer *s;
	struct run_model m;
	char err[512];
	int rc;

	if (report_load(path, &m, err, sizeof(err))) {
		errmsg("report: %s", err);
		return 2;
	}
	if (!o->quiet && !(stream_export(o) && !o->output))
		summary_print(stdout, &m, path);
	s = symbolizer_new("/proc/kallsyms");
	rc = one_report_exports(o, &m, s);
	symbolizer_free(s);
	model_free(&m);
	return rc;
}

/* Every export of each cell of a run into CELLS/NAME. */
static int cell_exports(const char *src_dir, const struct outdir *cells_out, const struct cell *cells, size_t n)
{
	char report[PATH_MAX + 96];  /* SRC_DIR is up to PATH_MAX already */
	struct report_opts cell_opts = { .folded = -1, .svg = -1, .quiet = true };
	struct outdir cell;
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		if (!cells[i].has_stats)
			continue;
		if ((rc = outdir_make_sub(&cell, cells_out, cells[i].name))) {
			errmsg("cannot create directory '%s': %s", cell.path, strerror(-rc));
			return 1;
		}
		cell_opts.into = &cell;
		snprintf(report, sizeof(report), "%s/cells/%s/report.json", src_dir, cells[i].name);
		rc = report_one(&cell_opts, report);
		outdir_close(&cell);
	}
	return rc;
}

/* -o DIR for a run directory: DIR/report.html, and every export of each cell in DIR/cells/NAME. */
static int run_exports(const char *src_dir, const char *out_dir, const struct run_opts *ro,
		       const struct cell *cells, size_t n)
{
	struct outdir out, cells_out = { .fd = -1 };
	int rc;

	if (outdir_open(&out, out_dir, NULL))
		return 1;
	if ((rc = outdir_make_sub(&cells_out, &out, "cells")))
		errmsg("cannot create directory '%s': %s", cells_out.path, strerror(-rc));
	rc = rc ? 1 : cell_exports(src_dir, &cells_out, cells, n);
	if (!rc && export_matrix_html(&out, "report.html", ro, cells, n))
		rc = 1;
	outdir_close(&cells_out);
	outdir_close(&out);
	return rc;
}

static int report_run(const struct report_opts *o, const char *dir)
{
	struct run_opts ro;
	struct cell *cells;
	size_t n;
	char err[512];
	int rc = 0;

	if (stream_export(o) || o->speedscope || o->perfetto) {
		errmsg("report: %s is a run directory: point --folded, --svg, --speedscope and --perfetto "
		       "at one cell (%s/cells/NAME)", dir, dir);
		return 2;
	}
	if (run_index_load(dir, &ro, &cells, &n, err, sizeof(err))) {
		errmsg("report: %s", err);
		cells_free(cells, n);
		return 2;
	}
	if (!o->quiet)
		print_tables(stdout, &ro, cells, n);
	/* computed anew from the cells' reports; the exports carry it too */
	explain_cells(o->quiet ? NULL : stdout, &ro, cells, n, dir);
	if (o->html)
		rc = export_matrix_html(NULL, o->html, &ro, cells, n) ? 1 : 0;
	if (!rc && o->output)
		rc = run_exports(dir, o->output, &ro, cells, n);
	cells_free(cells, n);
	return rc;
}

/* Whether DIR is the directory SRC is read from: -o moves an earlier output away (to .old). */
static bool reads_from(const char *dir, const struct report_source *src)
{
	char path[PATH_MAX];
	const char *src_dir = path;
	struct stat a, b;

	snprintf(path, sizeof(path), "%s", src->path);
	if (src->kind == SOURCE_REPORT)
		src_dir = dirname(path);
	return !stat(dir, &a) && !stat(src_dir, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o;
	struct report_source src;
	char err[PATH_MAX + 128];
	int rc = parse_report_options(argc, argv, &o);

	if (rc >= 0)
		return rc;
	if (report_source_find(o.path, &src, err, sizeof(err))) {
		errmsg("report: %s", err);
		return 2;
	}
	if (o.output && !stream_export(&o) && reads_from(o.output, &src)) {
		errmsg("report: -o %s is the directory being read; choose another", o.output);
		return 2;
	}
	return src.kind == SOURCE_RUN ? report_run(&o, src.path) : report_one(&o, src.path);
}
