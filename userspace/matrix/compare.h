/* `conctrace run`'s explanation: each cell's findings, pairs of models compared (which wait classes
 * grew, which syscalls differ) and verdicts on the notes' claims C1-C4 (seeds/CLAIMS.md), all
 * computed from the cells' measurements. Pure except explain_cells(), which loads the reports;
 * run_summary.c prints them, matrix_html.c draws them. */
#ifndef CONCTRACE_EXPLAIN_MATRIX_H
#define CONCTRACE_EXPLAIN_MATRIX_H

#include <jansson.h>
#include <stdio.h>
#include "analyze/findings.h"
#include "matrix/matrix.h"
#include "analyze/stack_tails.h"

#define COMPARE_SYSCALLS 3
#define COMPARE_STACKS 3
#define COMPARE_FINDINGS 2

/* Cell A against cell B of the same workload and runtime. */
struct comparison {
	const struct cell *a, *b;
	double wall_a_s, wall_b_s;         /* median walls of their repeats */
	bool on_path;                      /* both cells have a critical path: the split is on it */
	double class_delta_s[WC_COUNT];    /* a - b of each class's time on the path, else of wall x
					    * the class's share of thread time */
	size_t n_syscalls;
	uint32_t syscalls[COMPARE_SYSCALLS];  /* whose time differs most */
	size_t n_stacks;
	struct stack_tail_delta stacks[COMPARE_STACKS];  /* thread time differing most, by stack tail */
	int grown_class;                   /* the class whose wall time grew most; -1 when none grew */
	size_t n_class_stacks;
	struct stack_tail_delta class_stacks[COMPARE_STACKS];  /* ... differing most in that class */
	const struct cell *slower;         /* a, or b when b took longer */
	size_t n_findings;
	const struct finding *findings[COMPARE_FINDINGS];  /* the slower cell's that explain wall time
							    * and that the other cell has not */
	char summary[1200];                /* the walls, the class split, the most changed code and
					    * the slower cell's own findings */
	char text[3200];                   /* all of it */
};

/* Appends " gil +10.06 s, oncpu +6.16 s, runqueue +3.32 s" to BUF: the three classes whose wall
 * time (on the critical path when C.on_path) changed most. */
void append_class_deltas(char *buf, size_t len, const struct comparison *c);

/* Needs both cells' explanations. */
void compare_cells(const struct cell *a, double wall_a_s, const struct cell *b, double wall_b_s,
		   struct comparison *c);

enum verdict { VERDICT_SUPPORTS, VERDICT_CONTRADICTS, VERDICT_CANNOT_TELL };
extern const char *const verdict_names[];

enum claim { CLAIM_C1, CLAIM_C2, CLAIM_C3, CLAIM_C4, CLAIM_COUNT };

struct claim_verdict {
	const char *id, *claim;
	const char *label;      /* the claim in a few words, for one-line summaries */
	enum verdict verdict;
	char reason[200];       /* the one reason: the ratio of walls the verdict turned on */
	char why[1200];         /* all of it: walls, ratios, class split, the model's top finding */
};

/* Verdicts on the Python claims from the ok cells. */
void claim_verdicts(const struct cell *cells, size_t n, struct claim_verdict out[CLAIM_COUNT]);

/* The compared pairs of workload W and runtime R whose cells both finished ok and were explained,
 * into OUT (COMPARE_PAIRS of them at most); returns how many. */
#define COMPARE_PAIRS 5
size_t model_comparisons(const struct cell *cells, size_t n, enum workload w, enum runtime r,
			 struct comparison out[COMPARE_PAIRS]);

/* {"method", "comparisons": [...], "verdicts": [...]} for index.json. */
json_t *matrix_explanation_json(const struct run_opts *o, const struct cell *cells, size_t n);

/* Loads each ok cell's OUTDIR/cells/<name>/report.json and explains it into cell->explanation:
 * the one call `conctrace run` and `report RUNDIR` make before printing (run_summary.h). */
void explain_cells(struct cell *cells, size_t n, const char *outdir);

#endif
