/* What `conctrace advise` concludes from one run: each concurrency model's predicted wall time at
 * its best pool size (predict.h), why it gains or not (the finding that drives it, else what
 * limits the model), what to change (that finding's advice), and the model to use; or that it
 * cannot tell (docs/predict.md, "Advice"). Pure. */
#ifndef CONCTRACE_ADVISE_H
#define CONCTRACE_ADVISE_H

#include <stdbool.h>
#include "analyze/finding.h"
#include "analyze/predict.h"
#include "analyze/work.h"

#define ADVISE_MIN_GAIN 1.5   /* a model must be this much faster than sync to be worth a rewrite:
			       * well beyond the predictions' stated tolerance (25 %) */
#define ADVISE_SAVED 0.9      /* a simpler model that saves this share of the time the fastest
			       * saves is advised instead */

struct advised_model {
	struct prediction p;      /* with the CPUs the run could get (other load as recorded) */
	double speedup;           /* the recorded wall / p's */
	struct prediction alone;  /* with every CPU to itself */
	double alone_speedup;     /* sync's wall then / alone's */
	char why[200];
	char what[400];
};

struct advice {
	struct advised_model models[PM_COUNT];
	bool loaded;              /* other load held the run back: the two predictions differ */
	int recommended;          /* index in models, from the predictions alone on the machine (the
				   * program's own structure); -1 when it cannot tell */
	char verdict[600];        /* the recommendation in a sentence, or why it cannot tell */
};

/* Pool sizes tried: 1 up to this (the CPUs and beyond: waits overlap past them). */
int advise_max_workers(const struct work *w);

void advise_run(const struct work *w, const struct work_verdict *v, const struct explanation *e,
		const struct costs *k, struct advice *out);

#endif
