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

#endif
