/* Each cell predicts every model's wall time of its workload and runtime (predictions.h). */
#include "matrix/predictions.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/work.h"
#include "base/util.h"
#include "matrix/rows.h"

_Static_assert((int)PM_COUNT == (int)CM_COUNT, "one concurrency model list");

struct work_hint cell_work_hint(const struct run_opts *o, const struct cell *c)
{
	const struct work_params *p = &o->params;

	switch (c->workload) {
	case WL_DISK:  /* open, one write per line, close: each a call aiofiles hands off */
		return (struct work_hint){ (double)p->files, (double)p->files * (p->lines + 2) };
	case WL_CPU:
		return (struct work_hint){ (double)p->count, 0 };
	case WL_NET:
		return (struct work_hint){ (double)p->requests, 0 };
	case WL_COUNT:
		break;
	}
	return WORK_HINT_NONE;
}

/* The work of cell C with what the matrix knows of it. */
static void cell_work(const struct run_opts *o, const struct cell *c, struct work *w)
{
	struct work_hint hint = cell_work_hint(o, c);
	struct work_verdict v = { 0 };

	*w = *c->work;
	work_apply_hint(w, &hint, &v);
}

static int workers_of(const struct run_opts *o, enum conc_model m, int ncpus)
{
	if (o->params.workers && (m == CM_THREADS || m == CM_PROCESSES || m == CM_ASYNCIO_PROCESSES))
		return (int)o->params.workers;
	return predict_default_workers((enum pmodel)m, ncpus);
}

static double rel(double a, double b)
{
	return b > 0 ? (a - b) / b : 0;
}

/* Which measured part of the work differed most between the predicting cell and the measured one,
 * as "what: X s from the trace of FROM, Y s in TO's". */
static void differing_part(const struct work *a, const struct work *b, const char *to, char *out, size_t len)
{
	const struct {
		const char *what;
		double x, y;
	} parts[] = {
		{ "the units' CPU time", a->cpu_user_s + a->cpu_kernel_s, b->cpu_user_s + b->cpu_kernel_s },
		{ "the network waits", a->net_s, b->net_s },
		{ "the disk waits", a->disk_wait_s, b->disk_wait_s },
		{ "the sleeps", a->timer_s, b->timer_s },
		{ "the start-up", a->startup_s, b->startup_s },
	};
	size_t top = 0;
	double worst = 0;

	for (size_t i = 0; i < ARRAY_LEN(parts); i++) {
		double d = fabs(parts[i].x - parts[i].y) / fmax(fmax(parts[i].x, parts[i].y), 0.05 * a->wall_s);

		if (d > worst) {
			worst = d;
			top = i;
		}
	}
	snprintf(out, len, "%s: %.2f s here, %.2f s in %s's trace", parts[top].what, parts[top].x, parts[top].y, to);
}

/* Why R missed: the machine's other load changed (at the measured cell's own CPU capacity the
 * prediction holds), else the measured part that changed most, else the model's own costs. */
static void diagnose(const struct run_opts *o, const struct matrix_prediction *r, const struct cell *to,
		     char *out, size_t len)
{
	const struct work *a = r->from->work, *b = to->work;
	struct work tw;
	char part[320];

	if (fabs(rel(r->own_capacity_s, r->measured_s)) <= PREDICTION_TOLERANCE) {
		snprintf(out, len, "the machine's load changed: the run could get %.2f CPUs when %s ran, %.2f when "
			 "%s did (the model assumes the source's)", a->cpu_capacity, r->from->name, b->cpu_capacity,
			 to->name);
		return;
	}
	cell_work(o, to, &tw);
	differing_part(a, &tw, to->name, part, sizeof(part));
	snprintf(out, len, "%s the same under every model (%s); predicted %s-bound, %.2f s of it the model's "
		 "own costs", strstr(part, "CPU") ? "assumed the units' CPU time is" : "assumed the units' waits are",
		 part, bound_names[r->p.bound], r->p.overhead_s);
}

static void predict_one(const struct run_opts *o, const struct cell *from, const struct cell *to, double measured,
			const struct costs *k, struct matrix_prediction *r)
{
	struct work w;
	struct prediction own;

	cell_work(o, from, &w);
	memset(r, 0, sizeof(*r));
	r->from = from;
	r->model = to->model;
	r->measured_s = measured;
	predict(&w, k, (enum pmodel)to->model, workers_of(o, to->model, w.ncpus), &r->p);
	w.cpu_capacity = to->work->cpu_capacity;
	predict(&w, k, (enum pmodel)to->model, workers_of(o, to->model, w.ncpus), &own);
	r->own_capacity_s = own.wall_s;
	r->error = rel(r->p.wall_s, measured);
	if (fabs(r->error) > PREDICTION_TOLERANCE)
		diagnose(o, r, to, r->miss, sizeof(r->miss));
}

void predictions_of(const struct run_opts *o, const struct cell *cells, size_t n, const struct costs *k,
		    struct matrix_predictions *out)
{
	memset(out, 0, sizeof(*out));
	out->rows = xcalloc(WL_COUNT * RT_COUNT * CM_COUNT * CM_COUNT, sizeof(*out->rows));
	for (int wl = 0; wl < WL_COUNT; wl++)
		for (int rt = 0; rt < RT_COUNT; rt++)
			for (int from = 0; from < CM_COUNT; from++) {
				const struct cell *src, *dst;

				if (median_wall(cells, n, wl, rt, from, &src) < 0 || !src->work)
					continue;
				for (int to = 0; to < CM_COUNT; to++) {
					double measured = median_wall(cells, n, wl, rt, to, &dst);

					if (measured > 0 && dst->work)
						predict_one(o, src, dst, measured, k, &out->rows[out->n++]);
				}
			}
}

void predictions_free(struct matrix_predictions *p)
{
	free(p->rows);
	memset(p, 0, sizeof(*p));
}

json_t *predictions_json(const struct matrix_predictions *p)
{
	json_t *list = json_array();

	for (size_t i = 0; i < p->n; i++) {
		const struct matrix_prediction *r = &p->rows[i];

		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:i, s:f, s:f, s:f, s:s, s:f, s:s?}",
			"workload", workload_names[r->from->workload], "runtime", runtime_names[r->from->runtime],
			"from", model_names[r->from->model], "model", model_names[r->model], "workers", r->p.workers,
			"predicted_wall_s", r->p.wall_s, "measured_wall_s", r->measured_s, "error", r->error,
			"bound", bound_names[r->p.bound], "own_capacity_wall_s", r->own_capacity_s,
			"miss", r->miss[0] ? r->miss : NULL));
	}
	return list;
}

void predictions_add_json(json_t *index, const struct matrix_predictions *p, const struct calibration *cal)
{
	json_object_set_new(index, "predictions", predictions_json(p));
	json_object_set_new(index, "calibration", calibration_json(cal));
}

static bool within(double predicted, double measured)
{
	return fabs(rel(predicted, measured)) <= PREDICTION_TOLERANCE;
}

/* The table of one workload and runtime: a row per predicting cell, a column per model. */
static void print_table(FILE *out, const struct matrix_predictions *p, enum workload wl, enum runtime rt)
{
	bool header = false;

	for (size_t i = 0; i < p->n; i++) {
		const struct matrix_prediction *r = &p->rows[i];

		if (r->from->workload != wl || r->from->runtime != rt)
			continue;
		if (!header) {
			fprintf(out, "  %s %s, predicted wall (error) [error at the measured cell's CPU share] "
				"from each cell:\n  %-18s", workload_names[wl], runtime_names[rt], "from \\ model");
			for (int m = 0; m < CM_COUNT; m++)
				fprintf(out, " %22.22s", model_names[m]);
			header = true;
		}
		if (i == 0 || p->rows[i - 1].from != r->from)
			fprintf(out, "\n  %-18s", model_names[r->from->model]);
		for (int m = i == 0 || p->rows[i - 1].from != r->from ? 0 : p->rows[i - 1].model + 1; m < (int)r->model; m++)
			fprintf(out, " %22s", "-");
		fprintf(out, " %6.2fs %+5.0f%% [%+5.0f%%]", r->p.wall_s, 100 * r->error,
			100 * rel(r->own_capacity_s, r->measured_s));
	}
	if (!header)
		return;
	for (size_t i = 0; i < p->n; i++) {
		const struct work *w = p->rows[i].from->work;

		if (p->rows[i].from->workload != wl || p->rows[i].from->runtime != rt || p->rows[i].model)
			continue;
		fprintf(out, "\n  %-18s work: CPU %.2f s user + %.2f s kernel, start-up %.2f s, network %.2f s, "
			"disk %.2f s (device %.2f s), sleeps %.2f s, %.0f file calls; %.2f of %d CPUs to be had",
			model_names[p->rows[i].from->model], w->cpu_user_s, w->cpu_kernel_s, w->startup_s,
			w->net_s, w->disk_wait_s, w->device_s, w->timer_s, w->file_ops, w->cpu_capacity, w->ncpus);
	}
	fprintf(out, "\n  %-18s", "measured");
	for (int m = 0; m < CM_COUNT; m++) {
		double measured = -1;

		for (size_t i = 0; i < p->n; i++)
			if (p->rows[i].from->workload == wl && p->rows[i].from->runtime == rt && (int)p->rows[i].model == m)
				measured = p->rows[i].measured_s;
		if (measured > 0)
			fprintf(out, " %6.2fs %14s", measured, "");
		else
			fprintf(out, " %22s", "-");
	}
	fputc('\n', out);
}

void predictions_print(FILE *out, const struct matrix_predictions *p, bool verbose)
{
	size_t n[WL_COUNT] = { 0 }, ok[WL_COUNT] = { 0 }, all = 0, own = 0;
	const char *sep = "";

	for (size_t i = 0; i < p->n; i++) {
		const struct matrix_prediction *r = &p->rows[i];

		n[r->from->workload]++;
		ok[r->from->workload] += within(r->p.wall_s, r->measured_s);
		own += within(r->own_capacity_s, r->measured_s);
		all++;
	}
	fprintf(out, "what-if predictions within %.0f %% of the measured wall:", 100 * PREDICTION_TOLERANCE);
	for (int wl = 0; wl < WL_COUNT; wl++, sep = n[wl - 1] ? "," : sep)
		if (n[wl])
			fprintf(out, "%s %s %zu of %zu", sep, workload_names[wl], ok[wl], n[wl]);
	fprintf(out, " (at each cell's own CPU share: %zu of %zu)%s\n", own, all,
		verbose ? "" : "; every one: -v");
	for (int wl = 0; verbose && wl < WL_COUNT; wl++) {
		for (int rt = 0; rt < RT_COUNT; rt++)
			print_table(out, p, wl, rt);
		for (size_t i = 0; i < p->n; i++) {
			const struct matrix_prediction *r = &p->rows[i];

			if ((int)r->from->workload == wl && r->miss[0])
				fprintf(out, "  %s from %s: %+.0f%%: %s\n", model_names[r->model], r->from->name,
					100 * r->error, r->miss);
		}
	}
}

int matrix_predict(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n,
		   struct calibration *cal, struct matrix_predictions *p)
{
	const char *python = o->python ? o->python : RUN_PYTHON;  /* index.json does not keep it */
	char err[256];

	memset(p, 0, sizeof(*p));
	if (calibration_get(o->runtimes[RT_PYTHON] ? python : NULL, o->recalibrate, cal, err, sizeof(err))) {
		errmsg("no predictions: %s", err);
		return -1;
	}
	predictions_of(o, cells, n, &cal->costs, p);
	if (out && p->n) {
		if (o->verbose)
			calibration_print(out, cal);
		predictions_print(out, p, o->verbose);
	}
	return 0;
}
