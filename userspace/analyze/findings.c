/* The findings of one run (findings.h): every detector (detect_cpu.h, detect_waits.h) runs on the
 * critical path (recorded, or estimated from aggregates); a finding is kept when it explains at
 * least min_explained of the path, ranked by the path time it explains, and marked part of an
 * earlier one whose path time holds most of its own. docs/explain.md is the catalogue. */
#include "analyze/findings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/detect_cpu.h"
#include "analyze/detect_waits.h"
#include "analyze/estpath.h"
#include "analyze/finding_ctx.h"
#include "analyze/thresholds.h"
#include "base/util.h"
#include "model/account.h"
#include "model/classify.h"

/* In this order, which breaks ties of explained time: the more specific finding first. Notes
 * (disk-not-bottleneck) explain no time: they follow every finding, never first. */
static const struct {
	const char *name;
	detect_fn detect;
	bool note;
} finding_rules[] = {
	{ "thread-pool-handoff", thread_pool_handoff, false },   /* a loop busy handing off is its symptom */
	{ "loop-blocked", loop_blocked, false },
	{ "no-concurrency", no_concurrency, false },
	{ "ipc-bound", ipc_bound, false },   /* round trips' plumbing threads take turns on the GIL */
	{ "gil-bound", gil_bound, false },   /* under the GIL, a lock's holder loses the CPU at each switch */
	{ "lock-contention", lock_contention, false },
	{ "process-startup", process_startup, false },
	{ "cpu-bound-single-thread", cpu_bound_single_thread, false },
	{ "network-bound", network_bound, false },
	{ "disk-bound", disk_bound, false },
	{ "timer-bound", timer_bound, false },
	{ "runqueue-saturation", runqueue_saturation, false },
	{ "cpu-contention", cpu_contention, false },
	{ "wakeup-latency", wakeup_latency, false },
	{ "parallel", parallel, false },
	{ "disk-not-bottleneck", disk_not_bottleneck, true },
};

/* Index of the largest of N values, skipping those flagged in TAKEN (a bitmask); -1 if all are 0. */
static int heaviest(const uint64_t *v, int n, unsigned taken)
{
	int best = -1;

	for (int i = 0; i < n; i++)
		if (v[i] && !(taken & 1u << i) && (best < 0 || v[i] > v[best]))
			best = i;
	return best;
}

/* Who carried the command's wall time on the path, by class and by node. */
static void path_summary(const struct decomposition *d, char *text, size_t len)
{
	int c1 = heaviest(d->path_class_ns, WC_COUNT, 0), c2, n1;

	text[0] = '\0';
	if (!d->path_ns || c1 < 0)
		return;
	c2 = heaviest(d->path_class_ns, WC_COUNT, 1u << c1);
	n1 = heaviest(d->path_node_ns, GN_COUNT, 0);
	snprintf(text, len, "On the %s of the command (%.3f s): %.0f%% %s, %.0f%% %s; %.0f%% of it carried "
		 "by %s.", d->method, ns_to_s(d->path_ns), 100 * share(d->path_class_ns[c1], d->path_ns),
		 wait_classes[c1].name, c2 < 0 ? 0 : 100 * share(d->path_class_ns[c2], d->path_ns),
		 c2 < 0 ? "other" : wait_classes[c2].name, 100 * share(d->path_node_ns[n1], d->path_ns),
		 graph_node_names[n1]);
}

static void syscall_sums(const struct run_model *m, struct explanation *e)
{
	for (size_t i = 0; i < m->n_syscalls; i++) {
		uint32_t nr = m->syscalls[i].nr;

		if (nr < SYSCALL_NR_MAX) {
			e->sys_count[nr] += m->syscalls[i].s.count;
			e->sys_ns[nr] += m->syscalls[i].s.total_ns;
		}
	}
}

/* Inserts F, whose rule comes after every finding's already ranked, after each that explains as
 * much within the tie: a later, less specific rule must explain more than that to rank higher, so
 * noise does not swap two findings that explain the same time. */
static void rank(struct explanation *e, const struct finding *f)
{
	size_t at;

	if (e->n_findings == FINDINGS_MAX)
		return;
	for (at = e->n_findings;
	     at > 0 && e->findings[at - 1].explained_s * (1 + explain_th.rank_tie) < f->explained_s; at--)
		e->findings[at] = e->findings[at - 1];
	e->findings[at] = *f;
	e->n_findings++;
}

/* A finding most of whose path time an earlier finding's scope holds is part of that mechanism. */
static void mark_parts(const struct finding_ctx *c, struct explanation *e)
{
	for (size_t i = 1; i < e->n_findings; i++) {
		struct finding *f = &e->findings[i];
		uint64_t own = path_time(c->m, c->p, &f->scope);

		for (size_t j = 0; j < i && own && !f->part_of; j++)
			if (!e->findings[j].part_of &&
			    path_overlap(c->m, c->p, &f->scope, &e->findings[j].scope) >= explain_th.part_of * own)
				f->part_of = e->findings[j].name;
	}
}

void explain_on_path(const struct run_model *m, const struct critical_path *p, struct explanation *e)
{
	struct finding notes[ARRAY_LEN(finding_rules)];
	struct finding_ctx c;
	size_t n_notes = 0;

	memset(e, 0, sizeof(*e));
	decompose_on_path(m, p, &e->d);
	wait_graph_build(m, &e->g);
	syscall_sums(m, e);
	path_summary(&e->d, e->path_summary, sizeof(e->path_summary));
	if (!p)
		return;
	finding_ctx_init(&c, m, p, e);
	for (size_t r = 0; r < ARRAY_LEN(finding_rules); r++) {
		struct finding f = { .name = finding_rules[r].name };

		if (!finding_rules[r].detect(&c, &f))
			continue;
		if (finding_rules[r].note)
			notes[n_notes++] = f;
		else if (f.explained_s >= explain_th.min_explained * ns_to_s(c.wall_ns) && f.explained_s > 0)
			rank(e, &f);
	}
	mark_parts(&c, e);
	for (size_t i = 0; i < n_notes && e->n_findings; i++)   /* notes never stand alone */
		rank(e, &notes[i]);
	finding_ctx_free(&c);
}

void explain_run(const struct run_model *m, struct explanation *e)
{
	struct critical_path p;
	bool has_path = critical_path_of(m, &p);

	explain_on_path(m, has_path ? &p : NULL, e);
	critical_path_free(&p);
}

const struct finding *explanation_finding(const struct explanation *e, const char *name)
{
	for (size_t i = 0; i < e->n_findings; i++)
		if (!strcmp(e->findings[i].name, name))
			return &e->findings[i];
	return NULL;
}

bool finding_evidence(const struct finding *f, const char *name, double *value)
{
	for (int i = 0; i < f->n_evidence; i++)
		if (!strcmp(f->evidence[i].name, name)) {
			*value = f->evidence[i].value;
			return true;
		}
	return false;
}

json_t *explanation_json(const struct explanation *e)
{
	json_t *findings = json_array();

	for (size_t i = 0; i < e->n_findings; i++) {
		const struct finding *f = &e->findings[i];
		json_t *ev = json_object();

		for (int k = 0; k < f->n_evidence; k++)
			json_object_set_new(ev, f->evidence[k].name, json_real(f->evidence[k].value));
		json_array_append_new(findings, json_pack("{s:s, s:f, s:o, s:s, s:s, s:s, s:o}", "name", f->name,
			"explained_s", f->explained_s, "part_of", f->part_of ? json_string(f->part_of) : json_null(),
			"headline", f->headline, "text", f->text, "advice", f->advice, "evidence", ev));
	}
	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "method", e->d.method,
			 "decomposition", decomposition_json(&e->d), "wait_graph", wait_graph_json(&e->g),
			 "path_summary", e->path_summary[0] ? json_string(e->path_summary) : json_null(),
			 "findings", findings);
}

json_t *explain_to_json(const struct run_model *m)
{
	struct explanation *e = xcalloc(1, sizeof(*e));
	struct critical_path path;
	bool has_path = critical_path_of(m, &path);
	json_t *j;

	explain_on_path(m, has_path ? &path : NULL, e);
	j = explanation_json(e);
	free(e);
	if (has_path && !path.estimated)
		json_object_set_new(j, "critical_path", critical_path_json(m, &path));
	critical_path_free(&path);
	return j;
}
