#include "render/stack_sort.h"

#include <stdbool.h>
#include <stdlib.h>
#include "base/util.h"

/* Multikey quicksort (Bentley and Sedgewick): partition on the id at one depth into less, equal
 * and greater, then sort the equal part on the next depth. Stacks share long root-most prefixes,
 * which this compares once per part rather than once per comparison. Each stack's id at the
 * current depth is copied into its key first, so partitioning reads one array in order and the
 * copies' independent loads overlap. */

#define SMALL_RANGE 16   /* ranges this short are insertion-sorted */
#define SPLIT_MIN 4096   /* fewer stacks are not worth a thread: sorted as one half */
#define PREFETCH_AHEAD 16 /* stacks whose ids are requested before they are read */

struct sort_range {
	size_t begin, n;
	size_t depth;     /* ids before this depth are equal throughout the range */
	bool keys_loaded; /* keys hold the ids from DEPTH */
};

static bool stack_less(const uint32_t *a, const uint32_t *b, size_t depth)
{
	while (a[depth] && a[depth] == b[depth])
		depth++;
	return a[depth] < b[depth];
}

static void insertion_sort(struct sorted_stack *s, size_t n, size_t depth)
{
	for (size_t i = 1; i < n; i++) {
		struct sorted_stack x = s[i];
		size_t j = i;

		for (; j && stack_less(x.ids, s[j - 1].ids, depth); j--)
			s[j] = s[j - 1];
		s[j] = x;
	}
}

/* The ids at DEPTH and DEPTH + 1, or 0 in place of those past the stack's end: two per key halve
 * the passes over the long prefixes most stacks share. */
static uint64_t key_at(const uint32_t *ids, size_t depth)
{
	return ids[depth] ? (uint64_t)ids[depth] << 32 | ids[depth + 1] : 0;
}

/* The stacks lie anywhere in memory: each load is a likely cache miss, so later ones are
 * requested early. */
static void load_keys(struct sorted_stack *s, size_t n, size_t depth)
{
	for (size_t i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n)
			__builtin_prefetch(s[i + PREFETCH_AHEAD].ids + depth);
		s[i].key = key_at(s[i].ids, depth);
	}
}

static uint64_t median_of_3(uint64_t a, uint64_t b, uint64_t c)
{
	if (a > b) {
		uint64_t t = a;

		a = b;
		b = t;
	}
	return c < a ? a : c > b ? b : c;
}

static void swap(struct sorted_stack *s, size_t i, size_t j)
{
	struct sorted_stack t = s[i];

	s[i] = s[j];
	s[j] = t;
}

/* Partitions S[0..N) on PIVOT into [0, *LT) less, [*LT, *GT) equal and [*GT, N) greater. */
static void partition(struct sorted_stack *s, size_t n, uint64_t pivot, size_t *lt, size_t *gt)
{
	size_t less = 0, i = 0, greater = n;

	while (i < greater) {
		if (s[i].key < pivot)
			swap(s, less++, i++);
		else if (s[i].key > pivot)
			swap(s, i, --greater);
		else
			i++;
	}
	*lt = less;
	*gt = greater;
}

/* Sorts R down to its part equal to the end of stacks, pushing the less and greater parts it
 * splits off onto TODO. */
static void sort_range(struct sorted_stack *stacks, struct sort_range r, struct sort_range **todo, size_t *n_todo,
		       size_t *cap_todo)
{
	while (r.n > SMALL_RANGE) {
		struct sorted_stack *s = stacks + r.begin;
		size_t lt, gt;
		uint64_t pivot;

		if (!r.keys_loaded)
			load_keys(s, r.n, r.depth);
		pivot = median_of_3(s[0].key, s[r.n / 2].key, s[r.n - 1].key);
		partition(s, r.n, pivot, &lt, &gt);
		if (lt > 1)
			*VEC_PUSH(*todo, *n_todo, *cap_todo) = (struct sort_range){ r.begin, lt, r.depth, true };
		if (r.n - gt > 1)
			*VEC_PUSH(*todo, *n_todo, *cap_todo) = (struct sort_range){ r.begin + gt, r.n - gt, r.depth, true };
		if (!(pivot >> 32) || !(uint32_t)pivot) /* the equal part's stacks end here: all the same */
			return;
		r = (struct sort_range){ r.begin + lt, gt - lt, r.depth + 2, false };
	}
	insertion_sort(stacks + r.begin, r.n, r.depth);
}

void stack_sort(struct sorted_stack *stacks, size_t n)
{
	struct sort_range *todo = NULL;
	size_t n_todo = 0, cap_todo = 0;

	*VEC_PUSH(todo, n_todo, cap_todo) = (struct sort_range){ 0, n, 0, false };
	while (n_todo) {
		struct sort_range r = todo[--n_todo];

		sort_range(stacks, r, &todo, &n_todo, &cap_todo);
	}
	free(todo);
}

struct sort_job {
	struct sorted_stack *stacks;
	size_t n;
};

static void *run_sort_job(void *job)
{
	struct sort_job *j = job;

	stack_sort(j->stacks, j->n);
	return NULL;
}

void stack_sort_halves(struct sorted_stack *stacks, size_t n, struct stack_halves *h)
{
	size_t half = n < SPLIT_MIN ? n : n / 2;
	struct sort_job first = { stacks, half }, second = { stacks + half, n - half };

	if (half < n)
		run_both(run_sort_job, &second, run_sort_job, &first);
	else
		stack_sort(stacks, n);
	*h = (struct stack_halves){ .stacks = stacks, .next = { 0, half }, .end = { half, n } };
}

/* Requests the cache lines of a stack's first 30 ids and of the two words before them (where
 * folded.c keeps its count): the merge reads them all just after comparing them. */
static void prefetch_stack(const uint32_t *ids)
{
	for (int line = 0; line < 3; line++)
		__builtin_prefetch(ids - 2 + 16 * line);
}

/* The stacks' ids lie anywhere in memory, so those a few places ahead in each half are requested
 * before they are compared. */
const uint32_t *stack_halves_next(struct stack_halves *h)
{
	bool left, right = h->next[1] < h->end[1];

	if (h->next[0] == h->end[0] && !right)
		return NULL;
	for (int i = 0; i < 2; i++)
		if (h->next[i] + PREFETCH_AHEAD < h->end[i])
			prefetch_stack(h->stacks[h->next[i] + PREFETCH_AHEAD].ids);
	left = h->next[0] < h->end[0] &&
	       (!right || !stack_less(h->stacks[h->next[1]].ids, h->stacks[h->next[0]].ids, 0));
	return h->stacks[h->next[left ? 0 : 1]++].ids;
}
