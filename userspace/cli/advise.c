/* conctrace advise: records a command once (as `record --timeline` does), prints its findings, then
 * the wall time each concurrency model would give it (analyze/advise.h) and the model to use. */
#include "cli/advise.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analyze/advise.h"
#include "analyze/findings.h"
#include "analyze/work.h"
#include "base/util.h"
#include "cli/record.h"
#include "cli/record_opts.h"
#include "cli/usage.h"
#include "matrix/calibrate.h"
#include "model/report_json.h"

static const char advise_usage[] =
	"usage: conctrace advise [record options] [--recalibrate] [-v] -- CMD [ARGS...]\n"
	"       conctrace advise [record options] -p PID [-d SECONDS]\n"
	"  Records the command once with a timeline (the record options: conctrace record --help),\n"
	"  prints its findings, then the wall time it would take under sync, threads, asyncio,\n"
	"  processes and asyncio+processes (each at its best pool size), why, what to change, and\n"
	"  the model to use; or says that it cannot tell (too short, work that does not divide).\n"
	"      --recalibrate          measure this machine's hand-off and start-up costs anew\n"
	"  -v, --verbose              every pool size's prediction, and what the work is made of\n"
	"Exit status: 0, 1 when no report could be written or read, 2 for bad usage or when tracing\n"
	"cannot start; a command that ran and failed is said, not returned; one that could not start\n"
	"(127: not found) ends it with its status.\n";

struct advise_opts {
	bool recalibrate, verbose;
};

/* Takes advise's own options out of ARGV (before any "--"); returns the count left. */
static int own_options(int argc, char **argv, struct advise_opts *a)
{
	int n = 1, i = 1;

	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--recalibrate"))
			a->recalibrate = true;
		else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			a->verbose = true;
		else
			argv[n++] = argv[i];
	}
	for (; i < argc; i++)
		argv[n++] = argv[i];
	argv[n] = NULL;
	return n;
}

/* The interpreter of the run's first Python process, for the calibration; NULL for none. */
static const char *python_of(const struct run_model *m)
{
	for (size_t i = 0; i < m->n_procs; i++)
		if (m->procs[i].python && m->procs[i].exe)
			return m->procs[i].exe;
	return NULL;
}

static void print_findings(FILE *out, const struct explanation *e)
{
	size_t shown = 0;

	for (size_t i = 0; i < e->n_findings; i++) {
		const struct finding *f = &e->findings[i];

		if (f->part_of || f->explained_s <= 0)
			continue;
		fprintf(out, "%s  - %s (%.2f s of the critical path)\n", shown++ ? "" : "findings:\n", f->headline,
			f->explained_s);
	}
	if (!shown)
		fprintf(out, "findings: none explains 10%% of the run%s%s\n", e->path_summary[0] ? "; " : "",
			e->path_summary);
}

static void print_work(FILE *out, const struct work *w, const struct work_verdict *v)
{
	fprintf(out, "work: %.2f s on a CPU (%.2f s user, %.2f s kernel) after %.2f s of start-up; waits: "
		"network %.2f s (%.0f requests), disk %.2f s, sleeps %.2f s; %.0f file calls; %s; %.2f of "
		"%d CPUs to be had\n", w->cpu_user_s + w->cpu_kernel_s, w->cpu_user_s, w->cpu_kernel_s,
		w->startup_s, w->net_s, w->requests, w->disk_wait_s, w->timer_s, w->file_ops, v->why,
		w->cpu_capacity, w->ncpus);
}

static void print_curves(FILE *out, const struct work *w, const struct costs *k)
{
	for (int m = 0; m < PM_COUNT; m++) {
		if (m == PM_SYNC || m == PM_ASYNCIO)
			continue;
		fprintf(out, "  %s by workers:", pmodel_names[m]);
		for (int n = 1; n <= advise_max_workers(w); n = n < 8 ? n + 1 : n * 2) {
			struct prediction p;

			predict(w, k, m, n, &p);
			fprintf(out, " %d: %.2f s", n, p.wall_s);
		}
		fputc('\n', out);
	}
}

/* The table: each model alone on the machine, and as loaded when the load held the run back. */
static void print_advice(FILE *out, const struct advice *a)
{
	fprintf(out, "%-18s %7s %10s %8s %s %s\n", "model", "workers", "predicted", "speed-up",
		a->loaded ? " as loaded (speed-up) " : "", " why / what to change");
	for (int m = 0; m < PM_COUNT; m++) {
		const struct advised_model *r = &a->models[m];
		char loaded[32] = "";

		if (a->loaded)
			snprintf(loaded, sizeof(loaded), " %7.2f s (%5.2fx)    ", r->p.wall_s, r->speedup);
		fprintf(out, "%-18s %7d %8.2f s %7.2fx %s  %s\n", pmodel_names[m], r->alone.workers, r->alone.wall_s,
			r->alone_speedup, loaded, r->why);
		if (r->what[0] && m == a->recommended)
			fprintf(out, "%*s change: %s\n", a->loaded ? 68 : 46, "", r->what);
	}
}

/* Explains the report at PATH and prints the advice; 0, or 1 when it cannot be read. */
static int advise_report(const char *path, const struct advise_opts *a)
{
	struct explanation *e = xcalloc(1, sizeof(*e));
	struct calibration cal;
	struct work_verdict v;
	struct advice advice;
	struct run_model m;
	struct work w;
	char err[512];
	int rc = 1;

	if (report_load(path, &m, err, sizeof(err))) {
		errmsg("advise: %s", err);
		free(e);
		return 1;
	}
	explain_with_work(&m, e, &w, &v);
	fprintf(stdout, "\n`%s` took %.2f s (report: %s)\n", m.meta.command ? m.meta.command : "?", w.wall_s, path);
	print_findings(stdout, e);
	if (calibration_get(python_of(&m), a->recalibrate, &cal, err, sizeof(err))) {
		errmsg("advise: no predictions: %s", err);
		goto out;
	}
	if (a->verbose || !cal.cached)
		calibration_print(stdout, &cal);
	advise_run(&w, &v, e, &cal.costs, &advice);
	if (a->verbose) {
		print_work(stdout, &w, &v);
		print_curves(stdout, &w, &cal.costs);
	}
	if (advice.recommended >= 0)
		print_advice(stdout, &advice);
	fprintf(stdout, "%s %s\n", advice.recommended >= 0 ? "recommended:" : "advice:", advice.verdict);
	rc = 0;
out:
	model_free(&m);
	free(e);
	return rc;
}

int cmd_advise(int argc, char **argv)
{
	struct advise_opts a = { 0 };
	struct record_opts o;
	char err[256], path[PATH_MAX];
	int rc;

	argc = own_options(argc, argv, &a);
	switch (record_parse(argc, argv, &o, err, sizeof(err))) {
	case PARSE_HELP:
		fputs(advise_usage, stdout);
		return 0;
	case PARSE_ERROR:
		return usage_error("advise", "%s", err);
	case PARSE_OK:
		break;
	}
	if ((rc = record_check_environment()))
		return rc;
	o.timeline = true;   /* the critical path: waits in time order, hand-offs followed */
	o.quiet = true;
	rc = record_session(&o, NULL);
	if (snprintf(path, sizeof(path), "%s/report.json", o.outdir) >= (int)sizeof(path)) {
		errmsg("advise: output directory name too long");
		return 1;
	}
	if (rc == 2 || access(path, R_OK))  /* record said why */
		return rc ? rc : 1;
	if (rc)
		fprintf(stdout, "the command exited with status %d; advising on what it did\n", rc);
	return advise_report(path, &a);
}
