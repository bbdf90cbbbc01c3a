/* `conctrace report PATH`: loads a report (or every cell of a run directory), prints the summary
 * (or the matrix tables) again, and regenerates the exports. No root needed. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/report.h"
#include "cli/usage.h"
#include "render/export_html.h"
#include "matrix/compare.h"
#include "matrix/matrix_html.h"
#include "matrix/predictions.h"
#include "matrix/run_summary.h"
#include "render/flamegraph.h"
#include "render/exports.h"
#include "render/push.h"
#include "model/report_json.h"
#include "matrix/report_source.h"
#include "render/summary.h"
#include "base/util.h"

static const char report_usage[] =
	"usage: conctrace report [options] PATH\n"
	"  PATH is a report.json, a record or cell directory holding one, or a `conctrace run`\n"
	"  directory (index.json). Prints the run's summary again; a run directory: its tables and\n"
	"  explanation, and writes its page PATH/index.html again.\n"
	"      --folded KIND      folded stacks, KIND oncpu, offcpu or wall (stdout, or -o FILE)\n"
	"      --svg KIND         flame graph SVG of KIND (stdout, or -o FILE)\n"
	"  with --folded or --svg:\n"
	"  -U, --user-stacks-only    user frames only (Python and native), no kernel frames\n"
	"  -K, --kernel-stacks-only  kernel frames only\n"
	"      --per-thread       a graph per thread: each stack's root is its thread (comm-tid)\n"
	"      --per-role         a graph per thread role: main, event-loop, executor, workers\n"
	"      --from S, --to S   only the time window [S, T) in seconds from the recording's start;\n"
	"                         needs a report recorded with --timeline (stacks are aggregated over\n"
	"                         the whole run, so the window's graph has thread and wait-class frames)\n"
	"      --speedscope FILE  speedscope profile (speedscope.app)\n"
	"      --perfetto FILE    the timeline as a Perfetto trace (ui.perfetto.dev); needs one\n"
	"      --chrome-trace FILE  the same as Chrome JSON trace events (chrome://tracing)\n"
	"      --html FILE        self-contained HTML page (a run directory's links lead back to it)\n"
	"      --push URL         send the on-CPU and off-CPU profiles to a Pyroscope-compatible server\n"
	"  -o, --output PATH      with --folded or --svg: the file; else a directory to write every\n"
	"                         export into (a run directory: index.html and cells/NAME/...); an\n"
	"                         earlier output there is kept as PATH.old\n"
	"  -q, --quiet            no summary\n"
	"  -v, --verbose          the whole texts: findings, cross-checks, comparisons, verdicts;\n"
	"                         a run directory: every prediction of the what-if model too\n"
	"  -h, --help             this help\n"
	"Exit status: 0, 1 when an export could not be written, 2 for bad usage or a bad report.\n";

struct report_opts {
	const char *path, *output, *speedscope, *perfetto, *chrome_trace, *html, *push;
	int folded, svg;           /* fold kind, or -1 */
	struct fold_opts fold;     /* of --folded and --svg; from_ns/to_ns relative until loaded */
	double from_s, to_s;       /* the window, -1 when not given */
	bool quiet, verbose;
	const struct outdir *into; /* a run's cell: every export into this directory */
};

enum {
	OPT_FOLDED = 256, OPT_SVG, OPT_SPEEDSCOPE, OPT_PERFETTO, OPT_CHROME_TRACE, OPT_HTML, OPT_PUSH,
	OPT_PER_THREAD, OPT_PER_ROLE, OPT_FROM, OPT_TO,
};

static const struct option report_options[] = {
	{ "folded", required_argument, NULL, OPT_FOLDED },
	{ "svg", required_argument, NULL, OPT_SVG },
	{ "user-stacks-only", no_argument, NULL, 'U' },
	{ "kernel-stacks-only", no_argument, NULL, 'K' },
	{ "per-thread", no_argument, NULL, OPT_PER_THREAD },
	{ "per-role", no_argument, NULL, OPT_PER_ROLE },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "speedscope", required_argument, NULL, OPT_SPEEDSCOPE },
	{ "perfetto", required_argument, NULL, OPT_PERFETTO },
	{ "chrome-trace", required_argument, NULL, OPT_CHROME_TRACE },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "push", required_argument, NULL, OPT_PUSH },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int report_usage_error(const char *what, const char *arg)
{
	return usage_error("report", "%s '%s'", what, arg);
}

/* The options that shape --folded and --svg; -1 to go on, or the exit status. */
static int parse_stack_option(int c, const char *arg, struct report_opts *o)
{
	switch (c) {
	case OPT_FOLDED:
	case OPT_SVG:
		if (fold_kind_by_name(arg) < 0)
			return report_usage_error("expected oncpu, offcpu or wall:", arg);
		*(c == OPT_FOLDED ? &o->folded : &o->svg) = fold_kind_by_name(arg);
		return -1;
	case 'U':
	case 'K':
		if (o->fold.stacks != FOLD_STACKS_BOTH)
			return report_usage_error("one of -U and -K at a time, not", "both");
		o->fold.stacks = c == 'U' ? FOLD_STACKS_USER : FOLD_STACKS_KERNEL;
		return -1;
	case OPT_PER_THREAD:
	case OPT_PER_ROLE:
		if (o->fold.group != FOLD_BY_PROCESS)
			return report_usage_error("one of --per-thread and --per-role at a time, not", "both");
		o->fold.group = c == OPT_PER_THREAD ? FOLD_BY_THREAD : FOLD_BY_ROLE;
		return -1;
	default:
		if (!parse_double(arg, 0, 1e9, c == OPT_FROM ? &o->from_s : &o->to_s))
			return report_usage_error(c == OPT_FROM ? "--from: expected seconds from the start:" :
						  "--to: expected seconds from the start:", arg);
		o->fold.window = true;
		return -1;
	}
}

/* The options' consistency; -1 to go on, or the exit status. */
static int check_report_options(int argc, char **argv, struct report_opts *o)
{
	bool shaped = o->fold.stacks != FOLD_STACKS_BOTH || o->fold.group != FOLD_BY_PROCESS || o->fold.window;

	if (optind != argc - 1)
		return report_usage_error("expected one PATH, got", optind < argc ? argv[argc - 1] : "none");
	if (o->folded >= 0 && o->svg >= 0)
		return report_usage_error("one of --folded and --svg at a time, not", "both");
	if (shaped && o->folded < 0 && o->svg < 0)
		return report_usage_error("-U, -K, --per-thread, --per-role, --from and --to shape --folded "
					  "or --svg; neither was given:", argv[argc - 1]);
	if (o->fold.window && o->fold.stacks != FOLD_STACKS_BOTH)
		return report_usage_error("a time window has no stacks to keep user or kernel frames of:",
					  o->fold.stacks == FOLD_STACKS_USER ? "-U" : "-K");
	if (o->fold.window && o->to_s >= 0 && o->to_s <= (o->from_s > 0 ? o->from_s : 0))
		return report_usage_error("--to must come after --from:", argv[argc - 1]);
	o->path = argv[optind];
	return -1;
}

/* Returns -1 to go on, or the exit status. */
static int parse_report_options(int argc, char **argv, struct report_opts *o)
{
	int c, rc;

	*o = (struct report_opts){ .folded = -1, .svg = -1, .from_s = -1, .to_s = -1 };
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:qvhUK", report_options, NULL)) != -1) {
		switch (c) {
		case OPT_SPEEDSCOPE: o->speedscope = optarg; break;
		case OPT_PERFETTO: o->perfetto = optarg; break;
		case OPT_CHROME_TRACE: o->chrome_trace = optarg; break;
		case OPT_HTML: o->html = optarg; break;
		case OPT_PUSH: o->push = optarg; break;
		case 'o': o->output = optarg; break;
		case 'q': o->quiet = true; break;
		case 'v': o->verbose = true; break;
		case 'h':
			fputs(report_usage, stdout);
			return 0;
		case '?':
		case ':':
			return report_usage_error("unknown option or missing argument:", argv[optind - 1]);
		default:
			rc = parse_stack_option(c, optarg, o);
			if (rc >= 0)
				return rc;
		}
	}
	return check_report_options(argc, argv, o);
}

/* --folded or --svg, the one export that may go to stdout. */
static bool stream_export(const struct report_opts *o)
{
	return o->folded >= 0 || o->svg >= 0;
}

struct stacks_export {
	const struct run_model *m;
	struct symbolizer *s;
	const struct report_opts *o;
};

/* " (user stacks only, per role, 1.000 s to 2.000 s)": what shaped a graph, for its subtitle. */
static void shape_note(const struct report_opts *o, char *buf, size_t len)
{
	static const char *const stacks[] = { "", "user stacks only", "kernel stacks only" };
	static const char *const groups[] = { "", "per thread", "per role" };
	const char *parts[3] = { stacks[o->fold.stacks], groups[o->fold.group], NULL };
	char window[64] = "";
	size_t used = 0;

	if (o->fold.window) {
		int at = snprintf(window, sizeof(window), "%.3f s to ", o->from_s > 0 ? o->from_s : 0);

		if (o->to_s >= 0)
			snprintf(window + at, sizeof(window) - at, "%.3f s", o->to_s);
		else
			snprintf(window + at, sizeof(window) - at, "the end");
		parts[2] = window;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(parts) && used < len; i++)
		if (parts[i] && parts[i][0])
			used += snprintf(buf + used, len - used, "%s%s", used ? ", " : " (", parts[i]);
	if (used && used < len)
		snprintf(buf + used, len - used, ")");
}

/* The folded stacks or the flame graph --folded / --svg ask for, shaped by -U, -K, --per-*, --from/--to. */
static int render_stacks(FILE *out, const void *ctx)
{
	const struct stacks_export *e = ctx;
	struct fold_opts fo = e->o->fold;
	struct frame_tree *t;
	struct flame_opts fl;
	char note[160], subtitle[PATH_MAX];
	int rc;

	fo.kind = e->o->folded >= 0 ? e->o->folded : e->o->svg;
	if (e->o->folded >= 0)
		return fold_model(e->m, &fo, e->s, out);
	t = frame_tree_new();
	rc = fold_tree_add(e->m, &fo, e->s, t, FOLDED_A);
	flame_opts_default(&fl, fo.kind == FOLD_ONCPU ? FLAME_ONCPU : fo.kind == FOLD_OFFCPU ? FLAME_OFFCPU : FLAME_WALL);
	if (fo.window)   /* the timeline's states, in nanoseconds even on a CPU */
		fl.count_name = "ns";
	shape_note(e->o, note, sizeof(note));
	snprintf(subtitle, sizeof(subtitle), "%s%s", e->m->meta.command ? e->m->meta.command : "", note);
	fl.subtitle = subtitle;
	if (!rc && flamegraph_write_svg(t, &fl, out)) {
		errmsg("cannot write the flame graph");
		rc = -1;
	}
	frame_tree_free(t);
	return rc;
}

/* The window in the model's clock; 2 after a one-line error when the report has no timeline. */
static int resolve_window(struct report_opts *o, const struct run_model *m, const char *path)
{
	uint64_t start = m->meta.start_ns;

	if (!o->fold.window)
		return 0;
	if (!m->timeline.recorded) {
		errmsg("report: --from/--to need a timeline, and %s was recorded without --timeline: its stacks "
		       "are totals of the whole run (record again with --timeline)", path);
		return 2;
	}
	o->fold.from_ns = start + (o->from_s > 0 ? o->from_s * 1e9 : 0);
	o->fold.to_ns = o->to_s >= 0 ? start + o->to_s * 1e9 : UINT64_MAX;
	return 0;
}

/* Every export into the directory -o names (base/outdir.h); 0 or -1. */
static int export_all_to(const char *path, const struct run_model *m, struct symbolizer *s)
{
	struct outdir d;
	int rc = outdir_open(&d, path, NULL) ? -1 : export_all(&d, m, s, false);

	outdir_close(&d);
	return rc;
}

static int one_report_exports(const struct report_opts *o, const struct run_model *m, struct symbolizer *s)
{
	const struct stacks_export stacks = { m, s, o };
	int rc = 0;

	if (stream_export(o))
		rc |= export_render(o->output ? o->output : "-", render_stacks, &stacks);
	if (o->speedscope)
		rc |= export_to_path(o->speedscope, export_speedscope, m, s, FOLD_ONCPU);
	if (o->perfetto)
		rc |= export_to_path(o->perfetto, export_perfetto, m, s, FOLD_ONCPU);
	if (o->chrome_trace)
		rc |= export_to_path(o->chrome_trace, export_trace, m, s, FOLD_ONCPU);
	if (o->html)
		rc |= export_to_path(o->html, export_html, m, s, FOLD_ONCPU);
	if (o->into)
		rc |= export_all(o->into, m, s, false);
	else if (o->output && !stream_export(o))
		rc |= export_all_to(o->output, m, s);
	if (o->push)
		rc |= push_run(o->push, m, s);
	return rc ? 1 : 0;
}

static int report_one(const struct report_opts *given, const char *path)
{
	struct report_opts o = *given;
	struct symbolizer *s;
	struct run_model m;
	char err[512];
	int rc;

	if (report_load(path, &m, err, sizeof(err))) {
		errmsg("report: %s", err);
		return 2;
	}
	rc = resolve_window(&o, &m, path);
	if (!rc && !o.quiet && !(stream_export(&o) && !o.output))
		summary_print(stdout, &m, path, o.verbose);
	if (!rc) {
		s = symbolizer_new("/proc/kallsyms");
		rc = one_report_exports(&o, &m, s);
		symbolizer_free(s);
	}
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

/* The directory TO as seen from directory FROM, with a trailing '/' ("" when they are the same),
 * into OUT (PATH_MAX bytes); -1 when either cannot be resolved. */
static int relative_dir(const char *from, const char *to, char *out)
{
	char a[PATH_MAX], b[PATH_MAX];
	size_t common = 0, used = 0;
	const char *rest;

	if (!realpath(from, a) || !realpath(to, b))
		return -1;
	/* the longest shared prefix that ends at a component boundary */
	for (size_t i = 0; a[i] && a[i] == b[i]; i++)
		if (a[i + 1] == '/' || (!a[i + 1] && (b[i + 1] == '/' || !b[i + 1])))
			common = i + 1;
	if (!strcmp(a, "/") || !strcmp(b, "/"))
		common = 0;
	out[0] = '\0';
	for (const char *p = a + common; *p; p++)   /* up out of what is left of FROM */
		if (*p == '/' && used + 3 < PATH_MAX)
			used += snprintf(out + used, PATH_MAX - used, "../");
	rest = b + common + (b[common] == '/');
	if (*rest && used < PATH_MAX)
		snprintf(out + used, PATH_MAX - used, "%s/", rest);
	return 0;
}

/* The run directory DIR's page at PATH, its links relative to PATH's directory. */
static int write_run_page(const char *path, const char *dir, const struct run_opts *ro, const struct cell *cells,
			  size_t n)
{
	char page_dir[PATH_MAX], href[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(page_dir, sizeof(page_dir), ".");
	else if (slash == path)
		snprintf(page_dir, sizeof(page_dir), "/");
	else
		snprintf(page_dir, sizeof(page_dir), "%.*s", (int)(slash - path), path);
	if (relative_dir(page_dir, dir, href)) {
		errmsg("report: cannot resolve '%s' or '%s': %s", page_dir, dir, strerror(errno));
		return 1;
	}
	return export_matrix_html(NULL, path, ro, cells, n, href) ? 1 : 0;
}

/* -o DIR for a run directory: DIR/index.html, and every export of each cell in DIR/cells/NAME. */
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
	if (!rc && export_matrix_html(&out, "index.html", ro, cells, n, ""))
		rc = 1;
	outdir_close(&cells_out);
	outdir_close(&out);
	return rc;
}

static int report_run(const struct report_opts *o, const char *dir)
{
	char err[512], page[PATH_MAX];
	struct matrix_predictions predictions;
	struct calibration cal;
	struct run_opts ro;
	struct cell *cells;
	size_t n;
	int rc;

	if (stream_export(o) || o->speedscope || o->perfetto || o->chrome_trace) {
		errmsg("report: %s is a run directory: point --folded, --svg, --speedscope, --perfetto and "
		       "--chrome-trace at one cell (%s/cells/NAME)", dir, dir);
		return 2;
	}
	if (run_index_load(dir, &ro, &cells, &n, err, sizeof(err))) {
		errmsg("report: %s", err);
		cells_free(cells, n);
		return 2;
	}
	/* computed anew from the cells' reports; the pages carry it too */
	explain_cells(cells, n, dir);
	if (!o->quiet)
		run_summary_print(stdout, &ro, cells, n, o->verbose);
	ro.verbose = o->verbose;
	if (!matrix_predict(o->quiet ? NULL : stdout, &ro, cells, n, &cal, &predictions))
		predictions_free(&predictions);
	if (o->output) {
		rc = run_exports(dir, o->output, &ro, cells, n);
		snprintf(page, sizeof(page), "%s/index.html", o->output);
	} else {
		if (snprintf(page, sizeof(page), "%s/index.html", dir) >= (int)sizeof(page))
			page[0] = '\0';
		rc = write_run_page(o->html ? o->html : page, dir, &ro, cells, n);
		if (o->html)
			snprintf(page, sizeof(page), "%s", o->html);
	}
	if (!rc && !o->quiet)
		printf("\npage: %s (self-contained; its links lead to the cells' reports)\n", page);
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
