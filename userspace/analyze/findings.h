/* analyze/: the explanation of one run, pure functions of the run model: roles, critical path,
 * decomposition, wait-for graph, findings, table shares, stack tails. It may call model/ and base/;
 * render/ and matrix/ read its results.
 *
 * Named findings of one run, each with its evidence figures, ranked by the wall time it explains
 * (docs/explain.md is the catalogue). */
#ifndef CONCTRACE_FINDINGS_H
#define CONCTRACE_FINDINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "analyze/critpath.h"
#include "analyze/finding.h"
#include "model/model.h"

void explain_run(const struct run_model *m, struct explanation *e);
/* The same with the critical path P already built (NULL: there is none). */
void explain_on_path(const struct run_model *m, const struct critical_path *p, struct explanation *e);
/* The finding called NAME, or NULL. */
const struct finding *explanation_finding(const struct explanation *e, const char *name);
/* F's evidence figure NAME into *VALUE; false when it has none. */
bool finding_evidence(const struct finding *f, const char *name, double *value);

json_t *explanation_json(const struct explanation *e);
/* Everything above for report.json: {"method", "decomposition", "wait_graph", "findings"}. */
json_t *explain_to_json(const struct run_model *m);

#endif
