/* The matrix's explanation (explain_matrix.h): comparisons of models and verdicts on the claims. */
#include "matrix/compare.h"
#include "matrix/rows.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "model/account.h"
#include "model/classify.h"
#include "model/report_json.h"
#include "analyze/stack_tails.h"
#include "analyze/work.h"
#include "base/util.h"

const char *const verdict_names[] = { "supports", "contradicts", "cannot tell" };

/* Thresholds of the verdicts (docs/explain.md): ratios of median walls, each at least 1 + the
 * tie (the noise); and the shortest cell a verdict is drawn from. */
static const struct {
	double slower;       /* "A is slower than B": wall A >= this x wall B */
	double faster;       /* "A helps" / "A is faster": wall B >= this x wall A */
	double far_faster;   /* "far faster" */
	double no_gain;      /* "no speed-up": wall B < this x wall A */
	double tie;          /* walls closer than this share (or the repeats' measured spread) tie */
	double min_wall_s;   /* a shorter cell is mostly start-up: too short to judge */
} verdict_th = { .slower = 1.1, .faster = 1.3, .far_faster = 1.5, .no_gain = 1.2, .tie = 0.1,
		 .min_wall_s = 0.5 };

/* What a thread does in each class, for sentences. */
static const char *const class_phrases[WC_COUNT] = {
	[WC_ONCPU] = "on a CPU", [WC_RUNQUEUE] = "waiting for a CPU", [WC_DISK] = "waiting for the disk",
	[WC_KERNEL_LOCK] = "waiting on kernel locks", [WC_LOCK] = "waiting on locks (futex)",
	[WC_GIL] = "waiting for the GIL", [WC_LOOP_IDLE] = "idle in the event loop",
	[WC_NET] = "waiting on the network", [WC_TIMER] = "sleeping", [WC_CHILD] = "waiting for children",
	[WC_PIPE] = "blocked on pipes", [WC_OTHER_SLEEP] = "in other sleeps",
	[WC_OTHER_D] = "in other uninterruptible waits",
};

/* Pairs of models compared, the second being the baseline. */
static const enum conc_model compared_pairs[][2] = {
	{ CM_THREADS, CM_SYNC }, { CM_ASYNCIO, CM_SYNC }, { CM_PROCESSES, CM_SYNC },
	{ CM_ASYNCIO_PROCESSES, CM_SYNC }, { CM_ASYNCIO, CM_PROCESSES },
};
#define N_PAIRS ARRAY_LEN(compared_pairs)
_Static_assert(N_PAIRS == COMPARE_PAIRS, "COMPARE_PAIRS: one per compared pair");

static void append(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Indices of the (at most) K largest |V[i]| that are not 0, largest first; returns how many. */
static size_t top_by_magnitude(const double *v, size_t n, size_t k, uint32_t *out)
{
	size_t found = 0;

	while (found < k) {
		double best = 0;
		size_t at = n;

		for (size_t i = 0; i < n; i++) {
			bool taken = false;

			for (size_t j = 0; j < found; j++)
				taken |= out[j] == i;
			if (!taken && fabs(v[i]) > best) {
				best = fabs(v[i]);
				at = i;
			}
		}
		if (at == n)
			break;
		out[found++] = (uint32_t)at;
	}
	return found;
}

/* Wall time of CLASS in E: its time on the critical path (PATH), else wall x its share of thread time. */
static double class_wall_s(const struct explanation *e, int class, bool path)
{
	if (path)
		return ns_to_s(e->d.path_class_ns[class]);
	return ns_to_s(e->d.wall_ns) * share(e->d.class_ns[class], e->d.thread_ns);
}

/* " executor 70%, event-loop 25%": the two nodes that carried most of E's critical path. */
static void append_path_carriers(char *buf, size_t len, const struct explanation *e)
{
	double node_s[GN_COUNT];
	uint32_t top[2];
	size_t k;

	for (int g = 0; g < GN_COUNT; g++)
		node_s[g] = ns_to_s(e->d.path_node_ns[g]);
	k = top_by_magnitude(node_s, GN_COUNT, 2, top);
	for (size_t i = 0; i < k; i++)
		append(buf, len, "%s %s %.0f%%", i ? "," : "", graph_node_names[top[i]],
		       100 * share(e->d.path_node_ns[top[i]], e->d.path_ns));
}

void append_class_deltas(char *buf, size_t len, const struct comparison *c)
{
	uint32_t top[3];
	size_t k = top_by_magnitude(c->class_delta_s, WC_COUNT, 3, top);

	for (size_t i = 0; i < k; i++)
		append(buf, len, "%s %s %+.2f s", i ? "," : "", wait_classes[top[i]].name,
		       c->class_delta_s[top[i]]);
}

static void class_delta_sentence(struct comparison *c)
{
	const char *an = model_names[c->a->model], *bn = model_names[c->b->model];

	if (c->on_path)
		append(c->text, sizeof(c->text), " On the critical path, %s - %s:", an, bn);
	else
		append(c->text, sizeof(c->text), " Wall time by wait class (thread time / parallelism), %s - %s:",
		       an, bn);
	append_class_deltas(c->text, sizeof(c->text), c);
	snprintf(c->summary, sizeof(c->summary), "%.*s.", (int)sizeof(c->summary) - 2, c->text);
	if (!c->on_path)
		return;
	append(c->text, sizeof(c->text), "; the path was carried by");
	append_path_carriers(c->text, sizeof(c->text), c->a->explanation);
	append(c->text, sizeof(c->text), " (%s's by", bn);
	append_path_carriers(c->text, sizeof(c->text), c->b->explanation);
	append(c->text, sizeof(c->text), ")");
}

static void class_sentences(struct comparison *c)
{
	const struct explanation *a = c->a->explanation, *b = c->b->explanation;
	const char *bn = model_names[c->b->model];
	double share_growth[WC_COUNT];
	uint32_t grew;

	class_delta_sentence(c);
	for (int w = 0; w < WC_COUNT; w++)
		share_growth[w] = fmax(0, share(a->d.class_ns[w], a->d.thread_ns) -
					     share(b->d.class_ns[w], b->d.thread_ns));
	if (top_by_magnitude(share_growth, WC_COUNT, 1, &grew))
		append(c->text, sizeof(c->text), ". Its threads spent %.0f%% of their time %s vs %.0f%% for %s",
		       100 * share(a->d.class_ns[grew], a->d.thread_ns), class_phrases[grew],
		       100 * share(b->d.class_ns[grew], b->d.thread_ns), bn);
	append(c->text, sizeof(c->text), "; %llu context switches vs %llu; the disk was busy %.1f%% of "
	       "the time vs %.1f%%; mean CPUs busy %.2f vs %.2f.", (unsigned long long)a->d.switches,
	       (unsigned long long)b->d.switches, 100 * a->d.disk_busy, 100 * b->d.disk_busy,
	       a->d.cpus_busy, b->d.cpus_busy);
}

static void syscall_sentence(struct comparison *c)
{
	const struct explanation *a = c->a->explanation, *b = c->b->explanation;
	double delta_ns[SYSCALL_NR_MAX];

	for (size_t nr = 0; nr < SYSCALL_NR_MAX; nr++)
		delta_ns[nr] = (double)a->sys_ns[nr] - (double)b->sys_ns[nr];
	c->n_syscalls = top_by_magnitude(delta_ns, SYSCALL_NR_MAX, COMPARE_SYSCALLS, c->syscalls);
	for (size_t i = 0; i < c->n_syscalls; i++) {
		uint32_t nr = c->syscalls[i];
		const char *name = syscall_name(nr);

		append(c->text, sizeof(c->text), "%s %s %+lld calls (%+.3f s in the calls)",
		       i ? "," : " Syscalls that differ most:", name ? name : "?",
		       (long long)a->sys_count[nr] - (long long)b->sys_count[nr], delta_ns[nr] / 1e9);
	}
	if (c->n_syscalls)
		append(c->text, sizeof(c->text), ".");
}

static void append_tails(char *buf, size_t len, const struct stack_tail_delta *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		append(buf, len, "%s %+.2f s %s", i ? ";" : "", d[i].delta_s, d[i].tail);
	append(buf, len, ".");
}

/* Which code's thread time changed most, overall and in the class that grew most: its time in
 * that class is what lengthened the run. */
static void stack_sentence(struct comparison *c)
{
	/* a class counts as grown from 1 % of the baseline's wall time (and 10 ms): less is noise */
	double min_growth = fmax(0.01, 0.01 * c->wall_b_s);

	c->grown_class = -1;
	for (int w = 0; w < WC_COUNT; w++)
		if (c->class_delta_s[w] >= min_growth &&
		    (c->grown_class < 0 || c->class_delta_s[w] > c->class_delta_s[c->grown_class]))
			c->grown_class = w;
	c->n_stacks = stack_tails_diff(c->a->stack_tails, c->b->stack_tails, -1, COMPARE_STACKS, c->stacks);
	if (c->n_stacks) {
		append(c->text, sizeof(c->text), " Code whose thread time differs most (stack tails of "
		       "wall.folded):");
		append_tails(c->text, sizeof(c->text), c->stacks, c->n_stacks);
	}
	if (c->grown_class >= 0)
		c->n_class_stacks = stack_tails_diff(c->a->stack_tails, c->b->stack_tails, c->grown_class,
						     COMPARE_STACKS, c->class_stacks);
	if (!c->n_class_stacks || c->class_stacks[0].delta_s <= 0)   /* its code must have grown too */
		return;
	append(c->text, sizeof(c->text), " In %s, which grew most (%+.2f s):", wait_classes[c->grown_class].name,
	       c->class_delta_s[c->grown_class]);
	append_tails(c->text, sizeof(c->text), c->class_stacks, c->n_class_stacks);
	append(c->summary, sizeof(c->summary), " The %s time that grew most (%+.2f s) is above all in %s "
	       "(%+.2f s of thread time).", wait_classes[c->grown_class].name,
	       c->class_delta_s[c->grown_class], c->class_stacks[0].tail, c->class_stacks[0].delta_s);
}

static bool has_finding(const struct explanation *e, const char *name)
{
	for (size_t i = 0; i < e->n_findings; i++)
		if (!strcmp(e->findings[i].name, name))
			return true;
	return false;
}

/* What the slower cell did that the other did not: its findings that explain wall time and that
 * the other cell has not, with the text of the first one its cell line does not already show. */
static void findings_sentence(struct comparison *c)
{
	const struct cell *fast = c->wall_a_s >= c->wall_b_s ? c->b : c->a;
	const struct explanation *e;
	const struct finding *told = NULL;
	char s[sizeof(c->summary)];

	c->slower = fast == c->b ? c->a : c->b;
	e = c->slower->explanation;
	for (size_t i = 0; i < e->n_findings && c->n_findings < COMPARE_FINDINGS; i++)
		if (e->findings[i].explained_s > 0 && !has_finding(fast->explanation, e->findings[i].name))
			c->findings[c->n_findings++] = &e->findings[i];
	if (!c->n_findings)
		return;
	snprintf(s, sizeof(s), " Found in %s, not in %s:", model_names[c->slower->model], model_names[fast->model]);
	for (size_t i = 0; i < c->n_findings; i++) {
		append(s, sizeof(s), "%s %s (%.2f s of its wall time)", i ? "," : "", c->findings[i]->name,
		       c->findings[i]->explained_s);
		if (!told && c->findings[i] != &e->findings[0])   /* the cell line shows findings[0] */
			told = c->findings[i];
	}
	if (told)
		append(s, sizeof(s), "; %s: %s", told->name, told->text);
	else
		append(s, sizeof(s), ".");
	append(c->summary, sizeof(c->summary), "%s", s);
	append(c->text, sizeof(c->text), "%s", s);
}

void compare_cells(const struct cell *a, double wall_a_s, const struct cell *b, double wall_b_s,
		   struct comparison *c)
{
	memset(c, 0, sizeof(*c));
	c->a = a;
	c->b = b;
	c->wall_a_s = wall_a_s;
	c->wall_b_s = wall_b_s;
	/* split on both recorded paths; estimated ones are not compared instant by instant */
	c->on_path = !strcmp(a->explanation->d.method, EXPLAIN_METHOD_PATH) &&
		     !strcmp(b->explanation->d.method, EXPLAIN_METHOD_PATH);
	for (int w = 0; w < WC_COUNT; w++)
		c->class_delta_s[w] = class_wall_s(a->explanation, w, c->on_path) -
				      class_wall_s(b->explanation, w, c->on_path);
	snprintf(c->text, sizeof(c->text), "%s took %.2f s vs %.2f s for %s (%.2fx).", model_names[a->model],
		 wall_a_s, wall_b_s, model_names[b->model], wall_b_s > 0 ? wall_a_s / wall_b_s : 0);
	class_sentences(c);
	/* the CPU time of all threads: parallel work that did not shorten the run cost more of it */
	append(c->summary, sizeof(c->summary), " %llu context switches vs %llu; %.2f s on a CPU in all vs "
	       "%.2f s (mean CPUs busy %.2f vs %.2f).", (unsigned long long)a->explanation->d.switches,
	       (unsigned long long)b->explanation->d.switches, ns_to_s(a->explanation->d.class_ns[WC_ONCPU]),
	       ns_to_s(b->explanation->d.class_ns[WC_ONCPU]), a->explanation->d.cpus_busy,
	       b->explanation->d.cpus_busy);
	syscall_sentence(c);
	stack_sentence(c);
	findings_sentence(c);
}

size_t model_comparisons(const struct cell *cells, size_t n, enum workload w, enum runtime r,
			 struct comparison out[COMPARE_PAIRS])
{
	size_t found = 0;

	for (size_t p = 0; p < N_PAIRS; p++) {
		const struct cell *a, *b;
		double wa = median_wall(cells, n, w, r, compared_pairs[p][0], &a);
		double wb = median_wall(cells, n, w, r, compared_pairs[p][1], &b);

		if (wa >= 0 && wb >= 0 && a->explanation && b->explanation)
			compare_cells(a, wa, b, wb, &out[found++]);
	}
	return found;
}

/* Walls of models A and B of workload W in Python; false (and WHY said) when one did not run, or
 * ran too briefly to be judged: mostly interpreter start-up. */
static bool python_walls(const struct cell *cells, size_t n, enum workload w, enum conc_model a,
			 enum conc_model b, double *wa, double *wb, char *why, size_t len)
{
	*wa = median_wall(cells, n, w, RT_PYTHON, a, NULL);
	*wb = median_wall(cells, n, w, RT_PYTHON, b, NULL);
	if (*wa < 0 || *wb < 0) {
		snprintf(why, len, "needs the %s python cells %s and %s; not run or not ok: %s%s%s",
			 workload_names[w], model_names[a], model_names[b], *wa < 0 ? model_names[a] : "",
			 *wa < 0 && *wb < 0 ? " and " : "", *wb < 0 ? model_names[b] : "");
		return false;
	}
	if (*wa < verdict_th.min_wall_s || *wb < verdict_th.min_wall_s) {
		snprintf(why, len, "too short to judge: %s ran %.2f s and %s %.2f s; under %.1f s a cell is "
			 "mostly start-up (run a larger --size)", model_names[a], *wa, model_names[b], *wb,
			 verdict_th.min_wall_s);
		return false;
	}
	return true;
}

/* The share under which two walls of workload W tie: the verdicts' floor, or the largest spread the
 * repeats of W's Python cells measured. */
static double tie_share(const struct cell *cells, size_t n, enum workload w)
{
	double tie = verdict_th.tie;

	for (int m = 0; m < CM_COUNT; m++) {
		struct row row;

		gather_row(cells, n, w, RT_PYTHON, m, &row);
		if (row.ok > 1 && row.spread > tie)
			tie = row.spread;
	}
	return tie;
}

/* A ratio threshold raised to the noise: 1 + the tie, at least. */
static double above_noise(double threshold, double tie)
{
	return threshold > 1 + tie ? threshold : 1 + tie;
}

/* The top finding of the shown cell of W, python, M that explains some wall time, as " M's top
 * finding, NAME: ..."; else its critical path's summary (a finding that only rules a cause out,
 * like disk-not-bottleneck, does not say why). */
static void append_top_finding(char *buf, size_t len, const struct cell *cells, size_t n,
			       enum workload w, enum conc_model m)
{
	const struct cell *c;
	const struct explanation *e;

	if (median_wall(cells, n, w, RT_PYTHON, m, &c) < 0 || !c->explanation)
		return;
	e = c->explanation;
	for (size_t i = 0; i < e->n_findings; i++)
		if (e->findings[i].explained_s > 0) {
			append(buf, len, " %s's top finding, %s: %s", model_names[m], e->findings[i].name,
			       e->findings[i].text);
			return;
		}
	if (e->path_summary[0])
		append(buf, len, " %s: %s", model_names[m], e->path_summary);
}

/* " On the critical path, A - B: gil +1.00 s, ..." for the shown Python cells of W (nothing when one
 * is missing or unexplained). */
static void append_pair_split(char *buf, size_t len, const struct cell *cells, size_t n, enum workload w,
			      enum conc_model a, enum conc_model b)
{
	const struct cell *ca, *cb;
	double wa = median_wall(cells, n, w, RT_PYTHON, a, &ca), wb = median_wall(cells, n, w, RT_PYTHON, b, &cb);
	struct comparison c;

	if (wa < 0 || wb < 0 || !ca->explanation || !cb->explanation)
		return;
	compare_cells(ca, wa, cb, wb, &c);
	append(buf, len, " %s, %s - %s:", c.on_path ? "On the critical path" : "By aggregate shares",
	       model_names[a], model_names[b]);
	append_class_deltas(buf, len, &c);
	append(buf, len, ".");
}

static void verdict_c1(const struct cell *cells, size_t n, struct claim_verdict *v)
{
	double sync, asyncio, procs, unused;
	bool slower, far;

	v->claim = "disk I/O: asyncio is slower than sync, multiprocessing far faster";
	v->label = "disk: asyncio slower than sync, processes far faster";
	if (!python_walls(cells, n, WL_DISK, CM_ASYNCIO, CM_SYNC, &asyncio, &sync, v->why, sizeof(v->why)) ||
	    !python_walls(cells, n, WL_DISK, CM_PROCESSES, CM_SYNC, &procs, &unused, v->why, sizeof(v->why)))
		return;
	slower = asyncio >= above_noise(verdict_th.slower, tie_share(cells, n, WL_DISK)) * sync;
	far = sync >= above_noise(verdict_th.far_faster, tie_share(cells, n, WL_DISK)) * procs;
	v->verdict = slower && far ? VERDICT_SUPPORTS : VERDICT_CONTRADICTS;
	snprintf(v->reason, sizeof(v->reason), "asyncio: %.2fx sync's wall (%s); processes: %.2fx "
		 "speed-up over sync (%s %.1fx)", asyncio / sync, slower ? "slower" : "not slower", sync / procs,
		 far ? "at least" : "below", above_noise(verdict_th.far_faster, tie_share(cells, n, WL_DISK)));
	snprintf(v->why, sizeof(v->why), "asyncio %.2f s vs sync %.2f s (%.2fx the time: %s); processes "
		 "%.2f s, a %.2fx speed-up over sync (%s %.1fx).", asyncio, sync, asyncio / sync,
		 slower ? "slower" : "not slower", procs, sync / procs, far ? "at least" : "below",
		 verdict_th.far_faster);
	append_pair_split(v->why, sizeof(v->why), cells, n, WL_DISK, CM_ASYNCIO, CM_SYNC);
	append_pair_split(v->why, sizeof(v->why), cells, n, WL_DISK, CM_PROCESSES, CM_SYNC);
	append_top_finding(v->why, sizeof(v->why), cells, n, WL_DISK, CM_ASYNCIO);
}

/* Multiprocessing is processes and asyncio+processes: the faster of the two that ran. */
static enum conc_model multiprocessing(const struct cell *cells, size_t n, enum workload w)
{
	double procs = median_wall(cells, n, w, RT_PYTHON, CM_PROCESSES, NULL);
	double both = median_wall(cells, n, w, RT_PYTHON, CM_ASYNCIO_PROCESSES, NULL);

	return both >= 0 && (procs < 0 || both < procs) ? CM_ASYNCIO_PROCESSES : CM_PROCESSES;
}

static void verdict_c2(const struct cell *cells, size_t n, struct claim_verdict *v)
{
	enum conc_model mp = multiprocessing(cells, n, WL_CPU);
	double sync, procs, tie = tie_share(cells, n, WL_CPU);
	const char *beaten_by = NULL;

	v->claim = "CPU-bound Python: multiprocessing is the model to use";
	v->label = "cpu: multiprocessing is the model to use";
	if (!python_walls(cells, n, WL_CPU, mp, CM_SYNC, &procs, &sync, v->why, sizeof(v->why)))
		return;
	for (int m = CM_SYNC; m <= CM_ASYNCIO; m++) {   /* the models that are not multiprocessing */
		double wall = median_wall(cells, n, WL_CPU, RT_PYTHON, m, NULL);

		if (wall >= 0 && wall * (1 + tie) < procs)
			beaten_by = model_names[m];
	}
	v->verdict = !beaten_by && sync >= above_noise(verdict_th.faster, tie) * procs ? VERDICT_SUPPORTS :
		     VERDICT_CONTRADICTS;
	snprintf(v->reason, sizeof(v->reason), "%s: %.2fx speed-up over sync (%.1fx needed); %s%s",
		 model_names[mp], sync / procs, above_noise(verdict_th.faster, tie),
		 beaten_by ? "slower than " : "no other model faster", beaten_by ? beaten_by : "");
	snprintf(v->why, sizeof(v->why), "multiprocessing (%s) %.2f s vs sync %.2f s (a %.2fx speed-up; "
		 "%.1fx needed); %s%s%s.", model_names[mp], procs, sync, sync / procs,
		 above_noise(verdict_th.faster, tie), beaten_by ? "slower than " : "no other model was faster "
		 "beyond the noise", beaten_by ? beaten_by : "", beaten_by ? " beyond the noise" : "");
	append_pair_split(v->why, sizeof(v->why), cells, n, WL_CPU, mp, CM_SYNC);
	append_top_finding(v->why, sizeof(v->why), cells, n, WL_CPU, mp);
}

/* A claim about model M's speed-up over sync at workload W: supported when the speed-up is at least
 * THRESHOLD (GAIN_CLAIMED) or below it (a claim of no gain). */
static void speedup_verdict(const struct cell *cells, size_t n, struct claim_verdict *v, enum workload w,
			    enum conc_model m, double threshold, bool gain_claimed)
{
	double sync, wall;
	bool gain;

	if (!python_walls(cells, n, w, m, CM_SYNC, &wall, &sync, v->why, sizeof(v->why)))
		return;
	gain = sync >= above_noise(threshold, tie_share(cells, n, w)) * wall;
	v->verdict = gain == gain_claimed ? VERDICT_SUPPORTS : VERDICT_CONTRADICTS;
	snprintf(v->reason, sizeof(v->reason), "%s: %.2fx speed-up over sync (%s %.1fx)", model_names[m],
		 sync / wall, gain ? "at least" : "below", above_noise(threshold, tie_share(cells, n, w)));
	snprintf(v->why, sizeof(v->why), "%s %.2f s vs sync %.2f s: %.2fx speed-up (%s %.1fx).",
		 model_names[m], wall, sync, sync / wall, gain ? "at least" : "below",
		 above_noise(threshold, tie_share(cells, n, w)));
	append_pair_split(v->why, sizeof(v->why), cells, n, w, m, CM_SYNC);
	append_top_finding(v->why, sizeof(v->why), cells, n, w, m);
}

static void verdict_c3(const struct cell *cells, size_t n, struct claim_verdict *v)
{
	v->claim = "threads do not speed up CPU-bound Python (the GIL)";
	v->label = "cpu: threads give no speed-up (the GIL)";
	speedup_verdict(cells, n, v, WL_CPU, CM_THREADS, verdict_th.no_gain, false);
}

static void verdict_c4(const struct cell *cells, size_t n, struct claim_verdict *v)
{
	v->claim = "slow network I/O: asyncio beats sequential requests";
	v->label = "net: asyncio beats sequential requests";
	speedup_verdict(cells, n, v, WL_NET, CM_ASYNCIO, verdict_th.faster, true);
}

void claim_verdicts(const struct cell *cells, size_t n, struct claim_verdict out[CLAIM_COUNT])
{
	static const char *const ids[CLAIM_COUNT] = { "C1", "C2", "C3", "C4" };
	static void (*const judge[CLAIM_COUNT])(const struct cell *, size_t, struct claim_verdict *) = {
		verdict_c1, verdict_c2, verdict_c3, verdict_c4,
	};

	for (int i = 0; i < CLAIM_COUNT; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].id = ids[i];
		out[i].verdict = VERDICT_CANNOT_TELL;
		judge[i](cells, n, &out[i]);
		if (out[i].verdict == VERDICT_CANNOT_TELL)
			snprintf(out[i].reason, sizeof(out[i].reason), "%s", out[i].why);
	}
}

static json_t *comparison_syscalls_json(const struct comparison *c)
{
	json_t *syscalls = json_array();

	for (size_t i = 0; i < c->n_syscalls; i++) {
		uint32_t nr = c->syscalls[i];
		const char *name = syscall_name(nr);

		json_array_append_new(syscalls, json_pack(
			"{s:s, s:I, s:I}", "name", name ? name : "?",
			"count_delta", (json_int_t)c->a->explanation->sys_count[nr] -
				       (json_int_t)c->b->explanation->sys_count[nr],
			"ns_delta", (json_int_t)c->a->explanation->sys_ns[nr] -
				    (json_int_t)c->b->explanation->sys_ns[nr]));
	}
	return syscalls;
}

static json_t *tails_json(const struct stack_tail_delta *d, size_t n)
{
	json_t *tails = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(tails, json_pack("{s:s, s:f}", "tail", d[i].tail, "thread_delta_s",
						       d[i].delta_s));
	return tails;
}

static json_t *findings_json(const struct comparison *c)
{
	json_t *findings = json_array();

	for (size_t i = 0; i < c->n_findings; i++)
		json_array_append_new(findings, json_pack("{s:s, s:f}", "name", c->findings[i]->name,
							  "explained_s", c->findings[i]->explained_s));
	return findings;
}

static json_t *comparison_json(const struct comparison *c)
{
	json_t *classes = json_object();

	for (int w = 0; w < WC_COUNT; w++)
		json_object_set_new(classes, wait_classes[w].name, json_real(c->class_delta_s[w]));
	return json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:s, s:o, s:o, s:o, s:s?, s:o, s:s, s:o, s:s, s:s}",
			 "workload", workload_names[c->a->workload], "runtime", runtime_names[c->a->runtime],
			 "model", model_names[c->a->model], "baseline", model_names[c->b->model],
			 "wall_s", c->wall_a_s, "baseline_wall_s", c->wall_b_s, "method", c->on_path ? EXPLAIN_METHOD_PATH : EXPLAIN_METHOD,
			 "class_wall_delta_s", classes, "syscalls", comparison_syscalls_json(c),
			 "stacks", tails_json(c->stacks, c->n_stacks),
			 "grown_class", c->grown_class >= 0 ? wait_classes[c->grown_class].name : NULL,
			 "grown_class_stacks", tails_json(c->class_stacks, c->n_class_stacks),
			 "slower", model_names[c->slower->model], "slower_only_findings", findings_json(c),
			 "summary", c->summary, "text", c->text);
}

/* "critical path" when every comparison was split on the critical path, "aggregate shares" when
 * none was, else "mixed" (each comparison names its own). */
static const char *matrix_method(size_t on_path, size_t compared)
{
	return on_path == compared ? EXPLAIN_METHOD_PATH : on_path ? "mixed" : EXPLAIN_METHOD;
}

json_t *matrix_explanation_json(const struct run_opts *o, const struct cell *cells, size_t n)
{
	json_t *comparisons = json_array(), *verdicts = json_array();
	struct claim_verdict v[CLAIM_COUNT];
	struct comparison c[N_PAIRS];
	size_t on_path = 0;

	for (int w = 0; w < WL_COUNT; w++)
		for (int r = 0; r < RT_COUNT && o->workloads[w]; r++)
			for (size_t i = 0, k = model_comparisons(cells, n, w, r, c); i < k; i++) {
				json_array_append_new(comparisons, comparison_json(&c[i]));
				on_path += c[i].on_path;
			}
	claim_verdicts(cells, n, v);
	for (int i = 0; i < CLAIM_COUNT; i++)
		json_array_append_new(verdicts, json_pack("{s:s, s:s, s:s, s:s, s:s}", "claim", v[i].id,
							  "statement", v[i].claim, "verdict",
							  verdict_names[v[i].verdict], "reason", v[i].reason,
							  "why", v[i].why));
	return json_pack("{s:s, s:o, s:o}", "method", matrix_method(on_path, json_array_size(comparisons)),
			 "comparisons", comparisons, "verdicts", verdicts);
}

/* Thread time by stack tail from OUTDIR/cells/<name>/wall.folded; NULL when it is not there. */
static json_t *read_stack_tails(const char *outdir, const struct cell *c)
{
	char path[4096];
	FILE *f;
	json_t *tails;

	snprintf(path, sizeof(path), "%s/cells/%s/wall.folded", outdir, c->name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	tails = stack_tails_read(f);
	fclose(f);
	return tails;
}

void explain_cells(struct cell *cells, size_t n, const char *outdir)
{
	for (size_t i = 0; i < n; i++) {
		char path[4096], err[200];
		struct run_model m;

		if (cells[i].status != CELL_OK || !cells[i].has_stats)
			continue;
		snprintf(path, sizeof(path), "%s/cells/%s/report.json", outdir, cells[i].name);
		model_init(&m);
		if (report_load(path, &m, err, sizeof(err)) == 0) {
			cells[i].explanation = xcalloc(1, sizeof(*cells[i].explanation));
			cells[i].work = xcalloc(1, sizeof(*cells[i].work));
			explain_with_work(&m, cells[i].explanation, cells[i].work, &(struct work_verdict){ 0 });
			cells[i].stack_tails = read_stack_tails(outdir, &cells[i]);
		} else {
			errmsg("cannot explain %s: %s", cells[i].name, err);
		}
		model_free(&m);
	}
}
