/* The terminal summary of one run: per process, where thread time went, and the cross-checks
 * with the kernel's own accounting. Formats only what account.c computes. */
#ifndef CONCTRACE_SUMMARY_H
#define CONCTRACE_SUMMARY_H

#include <stdio.h>
#include "model/model.h"

#define SUMMARY_MAX_PROCS 12  /* processes listed before the rest is folded into one line */

void summary_print(FILE *out, const struct run_model *m, const char *report_path);

#endif
