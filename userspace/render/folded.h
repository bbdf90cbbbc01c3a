/* Folded stacks ("root;caller;leaf 42", as read by FlameGraph and speedscope) and the frame tree
 * they build.
 *
 * A frame_tree holds up to two inputs, side A (FOLDED_A) and side B (FOLDED_B), merged into one
 * tree so a differential graph can compare them frame by frame; an ordinary graph uses side A.
 *
 *   struct frame_tree *t = frame_tree_new();
 *   const char *stack[] = { "main", "work", "[disk]" };
 *   frame_tree_add(t, FOLDED_A, stack, 3, 1500);     // or folded_parse_file(t, FOLDED_A, f, &st)
 *   flamegraph_write_svg(t, &opts, out);               // see flamegraph.h
 *   frame_tree_free(t);
 *
 * Node 0 is the root (it stands for "all"); every count added to a stack is added to each frame
 * on its path, so a node's value is inclusive and its self count is value minus its children's.
 */
#ifndef CONCTRACE_FOLDED_H
#define CONCTRACE_FOLDED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum folded_side { FOLDED_A = 0, FOLDED_B = 1 };

#define FRAME_NONE 0 /* "no child" / "no sibling": node 0 is the root, never anyone's child */

struct frame_node {
	uint32_t name;         /* index into frame_tree.name_list */
	uint32_t first_child;  /* children in insertion order; walks sort them by name */
	uint32_t next_sibling;
	uint32_t n_children;
	uint64_t value[2];     /* inclusive count per side */
};

struct frame_name {
	uint32_t off, len;     /* the name is frame_tree.names[off .. off + len), NUL-terminated */
};

struct frame_tree {
	struct frame_node *nodes;
	size_t n_nodes, cap_nodes;
	char *names;           /* interned frame names, each stored once */
	size_t names_len, names_cap;
	struct frame_name *name_list;
	size_t n_names, cap_names;
	struct name_slot *name_slots;   /* name text -> name_list index */
	size_t name_mask;
	struct child_slot *child_slots; /* (parent, name) -> node, for parents with many children */
	size_t child_mask, n_indexed;
	uint32_t max_depth;    /* deepest stack added, in frames */
};

struct folded_stats {
	uint64_t good_lines;     /* stacks added (a count of 0 is a good line that adds nothing) */
	uint64_t bad_lines;      /* no count, a count that is not an integer, or an empty stack */
	uint64_t first_bad_line; /* 1-based line number of the first bad line; 0 when none */
	uint64_t overflow_line;  /* the line whose count does not fit 64 bits, alone or added to the
				    side's counts before it (see folded_parse_file); 0 when none */
};

struct frame_tree *frame_tree_new(void);
void frame_tree_free(struct frame_tree *t);

/* Adds COUNT to the stack FRAMES[0] (root-most) .. FRAMES[N-1] (leaf) on SIDE.
 * Empty names are skipped; a stack of no names adds only to the root. */
void frame_tree_add(struct frame_tree *t, enum folded_side side, const char *const *frames, size_t n,
		    uint64_t count);

/* The inclusive count of the frame path FRAMES[0..N) on SIDE; 0 when absent; N = 0: the total. */
uint64_t frame_tree_lookup(const struct frame_tree *t, enum folded_side side, const char *const *frames,
			   size_t n);
static inline uint64_t frame_tree_total(const struct frame_tree *t, enum folded_side side)
{
	return t->nodes[0].value[side];
}
static inline const char *frame_node_name(const struct frame_tree *t, const struct frame_node *n)
{
	return t->names + t->name_list[n->name].off;
}
static inline size_t frame_node_name_len(const struct frame_tree *t, const struct frame_node *n)
{
	return t->name_list[n->name].len;
}

/* Parses folded lines into T's SIDE. Blank lines are ignored; bad lines are counted in ST and
 * skipped. Returns 0, -EINVAL when not one good line was found, -ERANGE when the counts overflow
 * 64 bits (the side's total would wrap: the parse stops there, and T is only fit to be freed), or
 * -errno on a read error.
 * Large unsorted input is parsed in two parts at once, on two threads; when two such parts overflow
 * only together, ST's overflow_line is the input's last line. A regular file IN is read in place
 * (mapped a window at a time), which leaves its position as it was. */
int folded_parse_file(struct frame_tree *t, enum folded_side side, FILE *in, struct folded_stats *st);
int folded_parse_buf(struct frame_tree *t, enum folded_side side, const char *buf, size_t len,
		     struct folded_stats *st);

/* Writes SIDE of T as folded lines, one per frame with a self count, in depth-first name order
 * (so the output is sorted frame by frame and identical for identical trees). Names are written
 * as they are: ones added with frame_tree_add must not hold ';' or a newline to read back. */
int folded_write(const struct frame_tree *t, enum folded_side side, FILE *out);

/* Depth-first walk from the root (depth 0) with each node's children in name order. VISIT returns
 * false to skip the node's children. Iterative, so any stack depth is safe. */
typedef bool (*frame_visit_fn)(const struct frame_tree *t, uint32_t node, uint32_t depth, void *ctx);
void frame_tree_walk(const struct frame_tree *t, frame_visit_fn visit, void *ctx);

#endif
