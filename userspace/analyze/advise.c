/* The advice of `conctrace advise` (advise.h; docs/predict.md). */
#include "analyze/advise.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include "analyze/findings.h"

/* Findings that name what a part of the work spent its time on, most specific first. */
static const char *const cpu_findings[] = {
	"gil-bound", "loop-blocked", "cpu-bound-single-thread", "thread-pool-handoff", "lock-contention",
	"ipc-bound", "process-startup", "parallel", "runqueue-saturation",
};

int advise_max_workers(const struct work *w)
{
	int n = w->units > 2 * w->ncpus ? (int)fmin(w->units, 128) : 2 * w->ncpus;

	return n > predict_default_workers(PM_THREADS, w->ncpus) ? n : predict_default_workers(PM_THREADS, w->ncpus);
}

static double waits_of(const struct work *w)
{
	return w->net_s + w->timer_s + w->disk_wait_s;
}

/* The finding about the larger part of the work: its waits (by cause) or its CPU time. */
static const struct finding *driving_finding(const struct work *w, const struct explanation *e)
{
	const struct finding *f = NULL;

	if (waits_of(w) > w->cpu_user_s + w->cpu_kernel_s) {
		f = explanation_finding(e, w->net_s >= fmax(w->timer_s, w->disk_wait_s) ? "network-bound" :
					   w->timer_s >= w->disk_wait_s ? "timer-bound" : "disk-bound");
		if (!f)
			f = explanation_finding(e, "no-concurrency");
	}
	for (size_t i = 0; !f && i < sizeof(cpu_findings) / sizeof(cpu_findings[0]); i++)
		f = explanation_finding(e, cpu_findings[i]);
	return f ? f : e->n_findings ? &e->findings[0] : NULL;
}

/* What limits prediction P of W, in words. */
static void limit_of(const struct work *w, const struct prediction *p, char *out, size_t len)
{
	double cpu = w->cpu_user_s + w->cpu_kernel_s;

	switch (p->bound) {
	case BOUND_CHAIN:
		snprintf(out, len, "%s one after another: %.2f s of waits, %.2f s of CPU in all", p->workers > 1 ?
			 "each worker does its units" : "the units", waits_of(w), cpu);
		break;
	case BOUND_CPU:
		snprintf(out, len, "the CPUs: %.2f s of CPU work%s on the %.2f CPUs the machine gives", cpu,
			 p->overhead_s > 0.01 ? " and the model's own" : "", w->cpu_capacity);
		break;
	case BOUND_GIL:
		snprintf(out, len, w->python ? "the GIL: %.2f s of Python code runs one thread at a time" :
			 "one event loop thread runs %.2f s of the work", w->cpu_user_s);
		break;
	case BOUND_DEVICE:
		snprintf(out, len, "the disk: %.2f s of device time, one request at a time", w->device_s);
		break;
	case BOUND_COUNT:
		out[0] = '\0';
		break;
	}
}

/* The finding behind the limit of P, for its advice. */
static const struct finding *limit_finding(const struct work *w, const struct prediction *p,
					   const struct explanation *e)
{
	if (p->bound == BOUND_DEVICE)
		return explanation_finding(e, "disk-bound");
	if (p->bound == BOUND_GIL)
		return explanation_finding(e, w->python ? "gil-bound" : "loop-blocked");
	return p->bound == BOUND_CHAIN ? driving_finding(w, e) : NULL;
}

static void explain_model(const struct work *w, const struct explanation *e, struct advised_model *a)
{
	const struct finding *f;

	if (a->alone_speedup >= ADVISE_MIN_GAIN && (f = driving_finding(w, e))) {
		snprintf(a->why, sizeof(a->why), "%s", f->headline);
		snprintf(a->what, sizeof(a->what), "%s", f->advice);
		return;
	}
	limit_of(w, &a->alone, a->why, sizeof(a->why));
	f = limit_finding(w, &a->alone, e);
	snprintf(a->what, sizeof(a->what), "%s", f ? f->advice : "");
}

/* The fastest model, or the simplest (the first in model order) that saves nearly as much time. */
static int recommend(const struct advice *a)
{
	double sync = a->models[PM_SYNC].alone.wall_s;
	int best = 0, pick;

	for (int m = 1; m < PM_COUNT; m++)
		if (a->models[m].alone.wall_s < a->models[best].alone.wall_s)
			best = m;
	for (pick = 0; pick < best; pick++)
		if (sync - a->models[pick].alone.wall_s >= ADVISE_SAVED * (sync - a->models[best].alone.wall_s))
			break;
	return pick;
}

static const char *workers_noun(int m)
{
	return m == PM_THREADS ? "threads" : m == PM_PROCESSES || m == PM_ASYNCIO_PROCESSES ? "processes" : "thread";
}

/* The recommendation (sync when no model gains ADVISE_MIN_GAIN), and what the machine's other load
 * does to it now. */
static void verdict(const struct work *w, int pick, struct advice *out)
{
	const struct advised_model *r = &out->models[pick];
	char now[200] = "";
	int n = 0;

	out->recommended = r->alone_speedup < ADVISE_MIN_GAIN ? PM_SYNC : pick;
	if (out->recommended != pick)
		n = snprintf(out->verdict, sizeof(out->verdict), "concurrency gains little, keep it as it is: %s; "
			     "the best, ", r->why);
	if (out->loaded)
		snprintf(now, sizeof(now), "; with the machine as loaded while it ran (%.2f of %d CPUs to be had): "
			 "%.2f s, %.2fx the recorded %.2f s", w->cpu_capacity, w->ncpus, r->p.wall_s, r->speedup,
			 w->wall_s);
	snprintf(out->verdict + n, sizeof(out->verdict) - n, "%s with %d %s: %.2f s with the %d CPUs to itself, "
		 "%.2fx sync's %.2f s%s", pmodel_names[pick], r->alone.workers, workers_noun(pick), r->alone.wall_s,
		 w->ncpus, r->alone_speedup, out->models[PM_SYNC].alone.wall_s, now);
}

void advise_run(const struct work *w, const struct work_verdict *v, const struct explanation *e,
		const struct costs *k, struct advice *out)
{
	struct work alone = *w;

	memset(out, 0, sizeof(*out));
	alone.cpu_capacity = w->ncpus;
	out->loaded = w->cpu_capacity < 0.9 * w->ncpus;
	for (int m = 0; m < PM_COUNT; m++) {
		struct advised_model *a = &out->models[m];

		predict_best(w, k, m, advise_max_workers(w), &a->p);
		predict_best(&alone, k, m, advise_max_workers(w), &a->alone);
		a->speedup = a->p.wall_s > 0 ? w->wall_s / a->p.wall_s : 0;
	}
	for (int m = 0; m < PM_COUNT; m++) {
		struct advised_model *a = &out->models[m];

		a->alone_speedup = a->alone.wall_s > 0 ? out->models[PM_SYNC].alone.wall_s / a->alone.wall_s : 0;
		explain_model(&alone, e, a);
	}
	if (v->cannot_tell) {
		out->recommended = -1;
		snprintf(out->verdict, sizeof(out->verdict), "cannot tell: %s", v->why);
		return;
	}
	verdict(w, recommend(out), out);
}
