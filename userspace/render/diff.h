/* Two runs side by side: wall, thread time per wait class (absolute and share) with deltas, and
 * the syscalls whose total time changed most. Pure formatting of account.c's figures. */
#ifndef CONCTRACE_DIFF_H
#define CONCTRACE_DIFF_H

#include <stdio.h>
#include "model/model.h"

#define DIFF_TOP_SYSCALLS 8

void diff_print(FILE *out, const struct run_model *a, const struct run_model *b, const char *name_a,
		const char *name_b);

#endif
