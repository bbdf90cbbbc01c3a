/* analyze/: the explanation of one run, pure functions of the run model: roles, critical path,
 * decomposition, wait-for graph, findings, table shares, stack tails. It may call model/ and base/;
 * render/ and matrix/ read its results.
 *
 * Named findings of one run, each with its evidence figures, ranked by the wall time it explains
 * (docs/explain.md is the catalogue). */
#ifndef CONCTRACE_FINDINGS_H
#define CONCTRACE_FINDINGS_H

#include <jansson.h>
#include <stdint.h>
#include "analyze/critpath.h"
#include "analyze/decompose.h"
#include "analyze/waitgraph.h"
#include "model/model.h"
#include "model/syscall_names.h"

#define EVIDENCE_MAX 7

struct evidence {
	const char *name;
	double value;
};

struct finding {
	const char *name;
	double explained_s;           /* wall time it explains: on the critical path when there is one */
	struct path_scope scope;
	char headline[160];           /* one short sentence with the key number, for one-line summaries */
	char text[400];               /* the whole statement: count, unit cost, wall time explained */
	char advice[320];             /* what an expert would change; empty when there is nothing to do */
	int n_evidence;
	struct evidence evidence[EVIDENCE_MAX];
};

#define FINDINGS_MAX 16

struct explanation {
	struct decomposition d;
	struct wait_graph g;
	char path_summary[400];       /* who carried the critical path; empty without a timeline */
	size_t n_findings;
	struct finding findings[FINDINGS_MAX];  /* ranked: most wall time explained first */
	uint64_t sys_count[SYSCALL_NR_MAX], sys_ns[SYSCALL_NR_MAX];  /* whole tree */
};

void explain_run(const struct run_model *m, struct explanation *e);
/* The same with the critical path P already built (NULL: there is none). */
void explain_on_path(const struct run_model *m, const struct critical_path *p, struct explanation *e);
/* The finding called NAME, or NULL. */
const struct finding *explanation_finding(const struct explanation *e, const char *name);

json_t *explanation_json(const struct explanation *e);
/* Everything above for report.json: {"method", "decomposition", "wait_graph", "findings"}. */
json_t *explain_to_json(const struct run_model *m);

#endif
