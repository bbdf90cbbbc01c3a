/* Progress of a long post-processing step on the terminal: one line on stderr, rewritten in
 * place, once the work has taken more than a second and only when stderr is a terminal, so quick
 * runs, logs and tests see nothing. */
#ifndef CONCTRACE_PROGRESS_H
#define CONCTRACE_PROGRESS_H

#include <stdint.h>

/* Starts the clock of a whole post-processing (nested begins are ignored until the outer end). */
void progress_begin(void);
/* Says that STEP has done DONE of TOTAL (TOTAL 0: a count without an end); cheap when nothing is
 * printed, and printed at most ten times a second. */
void progress_update(const char *step, uint64_t done, uint64_t total);
/* Clears the line, if one was printed, when the outermost begin ends. */
void progress_end(void);

#endif
