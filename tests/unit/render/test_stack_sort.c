/* Sorting stacks of frame ids (the order unsorted folded input is merged in). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "render/stack_sort.h"

#define MAX_DEPTH 12

/* memcmp-like order of two 0-terminated id sequences, written the obvious way. */
static int reference_compare(const uint32_t *a, const uint32_t *b)
{
	for (size_t i = 0;; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
		if (!a[i])
			return 0;
	}
}

static int compare_pointers(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct sorted_stack *)a)->ids;
	uintptr_t y = (uintptr_t)((const struct sorted_stack *)b)->ids;

	return (x > y) - (x < y);
}

/* Sorts STACKS[0..N) with stack_sort or, when IN_HALVES, as two halves read back merged. */
static void sort_stacks(struct sorted_stack *stacks, size_t n, bool in_halves)
{
	struct sorted_stack *merged;
	struct stack_halves halves;
	const uint32_t *ids;
	size_t i = 0;

	if (!in_halves) {
		stack_sort(stacks, n);
		return;
	}
	merged = calloc(n + 1, sizeof(*merged));
	stack_sort_halves(stacks, n, &halves);
	while ((ids = stack_halves_next(&halves)))
		merged[i < n ? i++ : n].ids = ids;
	cr_assert_eq(i, n);
	cr_assert_null(merged[n].ids, "more stacks out than in");
	memcpy(stacks, merged, n * sizeof(*stacks));
	free(merged);
}

/* N stacks of up to MAX_DEPTH ids from 1..N_IDS (some empty, many sharing prefixes), sorted, must
 * come out in the reference order and be the same stacks. */
static void check_sorts(size_t n, uint32_t n_ids, bool in_halves)
{
	uint32_t *ids = calloc(n * (MAX_DEPTH + 1), sizeof(*ids));
	struct sorted_stack *stacks = calloc(n, sizeof(*stacks)), *before = calloc(n, sizeof(*stacks));
	uint64_t seed = n;

	for (size_t i = 0; i < n; i++) {
		uint32_t *s = ids + i * (MAX_DEPTH + 1);
		size_t depth;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		depth = (seed >> 33) % (MAX_DEPTH + 1);
		for (size_t d = 0; d < depth; d++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			s[d] = 1 + (seed >> 33) % n_ids;
		}
		stacks[i].ids = s;
	}
	memcpy(before, stacks, n * sizeof(*stacks));
	sort_stacks(stacks, n, in_halves);
	for (size_t i = 1; i < n; i++)
		cr_assert_leq(reference_compare(stacks[i - 1].ids, stacks[i].ids), 0, "stacks %zu and %zu", i - 1, i);
	qsort(before, n, sizeof(*before), compare_pointers);
	qsort(stacks, n, sizeof(*stacks), compare_pointers);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(stacks[i].ids, before[i].ids);
	free(ids);
	free(stacks);
	free(before);
}

Test(stack_sort, sorts_few_distinct_ids_into_lexicographic_order)
{
	check_sorts(20000, 3, false);
}

Test(stack_sort, sorts_many_distinct_ids_into_lexicographic_order)
{
	check_sorts(20000, 5000000, false);
}

Test(stack_sort, sorts_tiny_inputs)
{
	for (size_t n = 0; n < 40; n++)
		check_sorts(n, 4, false);
}

/* Large inputs sort in two halves at once (small ones in one), and read back in one order. */
Test(stack_sort, halves_sorted_at_once_read_back_in_lexicographic_order)
{
	check_sorts(20000, 3, true);
	check_sorts(20001, 5000000, true);
	for (size_t n = 0; n < 40; n++)
		check_sorts(n, 4, true);
}

/* Ids at least 2^31 order as unsigned numbers. */
Test(stack_sort, orders_large_ids_as_unsigned)
{
	uint32_t a[] = { 1, 0x80000000u, 0 }, b[] = { 1, 7, 0 }, c[] = { 1, 0 };
	struct sorted_stack s[] = { { .ids = a }, { .ids = b }, { .ids = c } };

	stack_sort(s, 3);
	cr_assert_eq(s[0].ids, c);
	cr_assert_eq(s[1].ids, b);
	cr_assert_eq(s[2].ids, a);
}
