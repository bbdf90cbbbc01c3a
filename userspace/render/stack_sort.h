/* Sorting stacks held as 0-terminated sequences of nonzero 32-bit frame ids.
 *
 * Merging stacks into a frame tree in an order that keeps every shared prefix together touches the
 * tree's nodes one subtree at a time; in arbitrary order every frame is a cache miss. Any
 * lexicographic order keeps shared prefixes together, and sorting ids is cheaper than sorting text.
 */
#ifndef CONCTRACE_STACK_SORT_H
#define CONCTRACE_STACK_SORT_H

#include <stddef.h>
#include <stdint.h>

struct sorted_stack {
	const uint32_t *ids; /* the stack, root-most frame first, ending with a 0 */
	uint64_t key;        /* scratch for the sort */
};

/* Sorts STACKS[0..N) into lexicographic order of their ids (a stack before its extensions). */
void stack_sort(struct sorted_stack *stacks, size_t n);

/* Two sorted halves of an array of stacks, read in their merged order by stack_halves_next. */
struct stack_halves {
	const struct sorted_stack *stacks;
	size_t next[2], end[2];
};

/* Sorts the two halves of STACKS[0..N) at once, one on another thread (when N is large enough to
 * pay for it), into H. */
void stack_sort_halves(struct sorted_stack *stacks, size_t n, struct stack_halves *h);
/* The ids of the next stack in the lexicographic order of both halves; NULL after the last. */
const uint32_t *stack_halves_next(struct stack_halves *h);

#endif
