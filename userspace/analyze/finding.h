/* A finding and the explanation of a run that holds them: the types every analysis that words
 * findings shares (findings.h computes them). */
#ifndef CONCTRACE_FINDING_H
#define CONCTRACE_FINDING_H

#include <stddef.h>
#include <stdint.h>
#include "analyze/decompose.h"
#include "analyze/waitgraph.h"
#include "model/syscall_names.h"

#define EVIDENCE_MAX 10

struct evidence {
	const char *name;
	double value;
};

struct finding {
	const char *name;
	double explained_s;           /* wall time it explains on the critical path (recorded, or
				       * estimated from aggregates) */
	struct path_scope scope;
	const char *part_of;          /* the earlier finding whose path time holds most of this one's
				       * (it is a part of that mechanism), or NULL */
	char headline[160];           /* one short sentence with the key number, for one-line summaries */
	char text[600];               /* the whole statement: count, unit cost, wall time explained */
	char advice[400];             /* what an expert would change; empty when there is nothing to do */
	int n_evidence;
	struct evidence evidence[EVIDENCE_MAX];
};

#define FINDINGS_MAX 16

struct explanation {
	struct decomposition d;
	struct wait_graph g;
	char path_summary[400];       /* who carried the critical path, in which classes */
	size_t n_findings;
	struct finding findings[FINDINGS_MAX];  /* ranked: most wall time explained first */
	uint64_t sys_count[SYSCALL_NR_MAX], sys_ns[SYSCALL_NR_MAX];  /* whole tree */
};

#endif
