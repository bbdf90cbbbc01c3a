/* The terminal summary of one run, answer first: the command's wall time and the findings with
 * their advice, the critical path, where thread time went, the processes that took at least 1 %
 * of it (the rest folded into one line), block I/O and drops, and last the cross-check with the
 * kernel's own accounting: one line when every figure agrees within its tolerance. */
#ifndef CONCTRACE_SUMMARY_H
#define CONCTRACE_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>
#include "model/model.h"

#define SUMMARY_MAX_PROCS 12      /* processes listed before the rest is folded into one line */
#define SUMMARY_PROC_SHARE 0.01   /* processes under this share of thread time are folded */
#define SUMMARY_FINDINGS 3

/* VERBOSE adds each finding's whole text and the cross-check's every line. */
void summary_print(FILE *out, const struct run_model *m, const char *report_path, bool verbose);

#endif
