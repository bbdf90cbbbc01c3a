/* Where thread time went, by stack tail: the innermost frames of each folded stack that a reader
 * recognises (the innermost Python function, or native function when there is no Python frame,
 * with its caller) and the wait class the stack ended in. Comparing two runs' tails names the code
 * whose time grew or shrank, which a whole differential flame graph shows but a sentence cannot.
 *
 *   "BaseSelectorEventLoop._write_to_self (selector_events.py) <- BaseEventLoop.call_soon_threadsafe
 *    (base_events.py) [lock]"
 *
 * Pure functions over folded text (fold.h's format: nanoseconds for wall.folded). */
#ifndef CONCTRACE_STACK_TAILS_H
#define CONCTRACE_STACK_TAILS_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#define STACK_TAIL_LEN 240

/* The tail of the folded stack STACK (frames joined by ';', no count) into OUT. */
void stack_tail(const char *stack, size_t len, char *out, size_t outlen);

/* Reads folded lines ("stack COUNT", COUNT in nanoseconds) into {tail: seconds}; bad lines are
 * skipped. NULL (after no message) when IN cannot be read. */
json_t *stack_tails_read(FILE *in);

struct stack_tail_delta {
	char tail[STACK_TAIL_LEN];
	double delta_s;           /* A's seconds minus B's */
};

/* The wait class a tail ends in (classify.h's WC_*; WC_ONCPU for "(on CPU)"), -1 when none. */
int stack_tail_class(const char *tail);

/* The (at most) K tails of wait class CLASS (-1: any) whose seconds differ most between A and B
 * (NULL is empty), largest difference first; returns how many. */
size_t stack_tails_diff(const json_t *a, const json_t *b, int class, size_t k, struct stack_tail_delta *out);

#endif
