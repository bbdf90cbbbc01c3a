/* `conctrace run`'s explanation: each cell's findings, pairs of models compared (which wait classes
 * grew, which syscalls differ) and verdicts on the notes' claims C1-C4 (seeds/CLAIMS.md), all
 * computed from the cells' measurements. Pure except explain_cells(), which loads the reports. */
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

/* Needs both cells' explanations. */
void compare_cells(const struct cell *a, double wall_a_s, const struct cell *b, double wall_b_s,
		   struct comparison *c);

enum verdict { VERDICT_SUPPORTS, VERDICT_CONTRADICTS, VERDICT_CANNOT_TELL };
extern const char *const verdict_names[];

enum claim { CLAIM_C1, CLAIM_C2, CLAIM_C3, CLAIM_C4, CLAIM_COUNT };

struct claim_verdict {
	const char *id, *claim;
	enum verdict verdict;
	char why[1200];
};

/* Verdicts on the Python claims from the ok cells. */
void claim_verdicts(const struct cell *cells, size_t n, struct claim_verdict out[CLAIM_COUNT]);

/* {"method", "comparisons": [...], "verdicts": [...]} for index.json. */
json_t *matrix_explanation_json(const struct run_opts *o, const struct cell *cells, size_t n);
/* A few lines per workload and runtime, then the verdicts. */
void print_explanations(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n);

/* Loads each ok cell's OUTDIR/cells/<name>/report.json, explains it into cell->explanation, then
 * prints the explanations to OUT (NULL: not printed): the one call `conctrace run` makes after its
 * tables. */
void explain_cells(FILE *out, const struct run_opts *o, struct cell *cells, size_t n, const char *outdir);

#endif
