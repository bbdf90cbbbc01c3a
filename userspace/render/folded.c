#include "render/folded.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "render/stack_sort.h"
#include "base/util.h"

/* Open-addressing tables. A name slot's ID is a name_list index + 1 (0: empty), with the name's
 * hash so most mismatches skip the text. A child slot holds its whole key, so a probe reads only
 * the table; NODE 0 means empty. */
struct name_slot {
	uint32_t id;
	uint32_t hash;
};

struct child_slot {
	uint32_t node, parent, name;
};

/* Children of a parent with at most this many are found by scanning its list: most frames have a
 * few callees, and a node just created has none, so this spares the hash table's cache misses. */
#define SCAN_LIMIT 8
#define READ_CHUNK (1u << 20)
#define MAP_WINDOW (16u << 20) /* of a file parsed in place */
/* Inputs this large are parsed in two halves at once, the second on a thread of its own. */
#define SPLIT_MIN_BYTES (256u << 10)
#define PROBE_BYTES (64u << 10) /* read from the middle of an input to choose where to split it */

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static uint64_t load8(const char *s)
{
	uint64_t w;

	memcpy(&w, s, 8);
	return w;
}

static uint32_t load4(const char *s)
{
	uint32_t w;

	memcpy(&w, s, 4);
	return w;
}

/* Names are hashed eight bytes per step, the last step's bytes past the end zeroed, and the length
 * mixed in at the end, so a parser can hash a name while it looks for the ';' that ends it. */
#define GOLDEN 0x9e3779b97f4a7c15ULL
#define BYTES_01 0x0101010101010101ULL
#define BYTES_80 0x8080808080808080ULL

static uint64_t hash_step(uint64_t h, uint64_t word)
{
	h = (h ^ word) * GOLDEN;
	return (h << 29) | (h >> 35);
}

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = GOLDEN, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8)
		h = hash_step(h, load8(s + i));
	if (i < len) {
		w = 0;
		memcpy(&w, s + i, len - i);
		h = hash_step(h, w);
	}
	return mix64(h ^ len);
}

/* The length of the frame name at S, which ends at the first ';' or after MAX bytes, and its
 * hash_bytes in *HASH: for unsorted input every frame of every line is hashed, and one pass
 * over the bytes does both. */
static size_t scan_name(const char *s, size_t max, uint64_t *hash)
{
	uint64_t h = GOLDEN;
	size_t len = 0;

	for (;;) {
		size_t avail = max - len < 8 ? max - len : 8;
		uint64_t w = 0, x, semis;

		if (avail == 8) /* a constant size: one load, not a copy loop */
			w = load8(s + len);
		else
			memcpy(&w, s + len, avail);
		x = w ^ (BYTES_01 * ';');
		semis = (x - BYTES_01) & ~x & BYTES_80; /* lowest set bit: the first ';' */
		if (semis && (size_t)__builtin_ctzll(semis) / 8 < avail)
			avail = (size_t)__builtin_ctzll(semis) / 8;
		if (avail < 8) {
			if (avail)
				h = hash_step(h, w & (~0ULL >> (64 - 8 * avail)));
			len += avail;
			break;
		}
		h = hash_step(h, w);
		len += 8;
	}
	*hash = mix64(h ^ len);
	return len;
}

static size_t child_hash(uint32_t parent, uint32_t name)
{
	return mix64(((uint64_t)parent << 32 | name) * GOLDEN);
}

static void child_insert(struct child_slot *slots, size_t mask, struct child_slot s)
{
	size_t i = child_hash(s.parent, s.name) & mask;

	while (slots[i].node)
		i = (i + 1) & mask;
	slots[i] = s;
}

/* Indexes NODE, a child of PARENT, in the child table, doubling it to keep the load at most
 * one half. */
static void child_index(struct frame_tree *t, uint32_t parent, uint32_t node)
{
	if (++t->n_indexed * 2 > t->child_mask) {
		size_t old_n = t->child_mask + 1;
		struct child_slot *old = t->child_slots;

		t->child_mask = old_n * 2 - 1;
		t->child_slots = xcalloc(old_n * 2, sizeof(*old));
		for (size_t i = 0; i < old_n; i++)
			if (old[i].node)
				child_insert(t->child_slots, t->child_mask, old[i]);
		free(old);
	}
	child_insert(t->child_slots, t->child_mask,
		     (struct child_slot){ .node = node, .parent = parent, .name = t->nodes[node].name });
}

static void name_slots_grow(struct frame_tree *t)
{
	size_t old_n = t->name_mask + 1;
	struct name_slot *old = t->name_slots;

	t->name_mask = old_n * 2 - 1;
	t->name_slots = xcalloc(old_n * 2, sizeof(*old));
	for (size_t i = 0; i < old_n; i++) {
		size_t j = old[i].hash & t->name_mask;

		if (!old[i].id)
			continue;
		while (t->name_slots[j].id)
			j = (j + 1) & t->name_mask;
		t->name_slots[j] = old[i];
	}
	free(old);
}

/* Makes room for NEED elements of ELEM bytes in ITEMS, doubling its capacity *CAP. Unlike
 * vec_grow it leaves the new room unwritten: the node array and the stack arena are the big
 * allocations, every element they use is written when added, and untouched room costs no memory. */
static void *reserve(void *items, size_t need, size_t *cap, size_t elem)
{
	if (need <= *cap)
		return items;
	*cap = need > *cap * 2 ? need : *cap * 2;
	items = realloc(items, *cap * elem);
	if (!items) {
		errmsg("out of memory");
		exit(1);
	}
	return items;
}

struct frame_tree *frame_tree_new(void)
{
	struct frame_tree *t = xcalloc(1, sizeof(*t));

	t->nodes = reserve(NULL, 1024, &t->cap_nodes, sizeof(*t->nodes));
	t->nodes[t->n_nodes++] = (struct frame_node){ 0 };  /* the root, */
	VEC_PUSH(t->name_list, t->n_names, t->cap_names); /* named "" at offset 0 */
	t->names = xcalloc(1, 1);
	t->names_len = t->names_cap = 1;
	t->name_mask = 1023;
	t->name_slots = xcalloc(t->name_mask + 1, sizeof(*t->name_slots));
	t->child_mask = 1023;
	t->child_slots = xcalloc(t->child_mask + 1, sizeof(*t->child_slots));
	return t;
}

void frame_tree_free(struct frame_tree *t)
{
	if (!t)
		return;
	free(t->nodes);
	free(t->names);
	free(t->name_list);
	free(t->name_slots);
	free(t->child_slots);
	free(t);
}

/* memcmp(A, B, LEN) == 0 inline, in overlapping words with no byte loop: unsorted input compares
 * every frame of every line with its interned name. */
static bool same_bytes(const char *a, const char *b, size_t len)
{
	size_t i = 0;

	if (len < 8) {
		if (len >= 4)
			return load4(a) == load4(b) && load4(a + len - 4) == load4(b + len - 4);
		for (; i < len; i++)
			if (a[i] != b[i])
				return false;
		return true;
	}
	for (; i + 8 < len; i += 8)
		if (load8(a + i) != load8(b + i))
			return false;
	return load8(a + len - 8) == load8(b + len - 8);
}

static bool name_equals(const struct frame_tree *t, uint32_t id, const char *name, size_t len)
{
	return t->name_list[id].len == len && same_bytes(t->names + t->name_list[id].off, name, len);
}

static void append_name_text(struct frame_tree *t, const char *name, size_t len)
{
	t->names = reserve(t->names, t->names_len + len + 1, &t->names_cap, 1);
	memcpy(t->names + t->names_len, name, len);
	t->names[t->names_len + len] = 0;
	t->names_len += len + 1;
}

/* The name_list index of NAME, whose hash_bytes is HASH, adding it the first time it is seen. */
static uint32_t intern_hashed(struct frame_tree *t, const char *name, size_t len, uint64_t hash)
{
	size_t i = hash & t->name_mask;

	for (; t->name_slots[i].id; i = (i + 1) & t->name_mask)
		if (t->name_slots[i].hash == (uint32_t)hash && name_equals(t, t->name_slots[i].id - 1, name, len))
			return t->name_slots[i].id - 1;
	*VEC_PUSH(t->name_list, t->n_names, t->cap_names) =
		(struct frame_name){ .off = t->names_len, .len = len };
	append_name_text(t, name, len);
	t->name_slots[i] = (struct name_slot){ .id = t->n_names, .hash = (uint32_t)hash };
	if (t->n_names * 2 > t->name_mask)
		name_slots_grow(t);
	return t->n_names - 1;
}

static uint32_t intern_name(struct frame_tree *t, const char *name, size_t len)
{
	return intern_hashed(t, name, len, hash_bytes(name, len));
}

static uint32_t child_find(const struct frame_tree *t, uint32_t parent, uint32_t name)
{
	size_t i;

	if (t->nodes[parent].n_children <= SCAN_LIMIT) {
		uint32_t c = t->nodes[parent].first_child;

		while (c != FRAME_NONE && t->nodes[c].name != name)
			c = t->nodes[c].next_sibling;
		return c;
	}
	for (i = child_hash(parent, name) & t->child_mask; t->child_slots[i].node; i = (i + 1) & t->child_mask)
		if (t->child_slots[i].parent == parent && t->child_slots[i].name == name)
			return t->child_slots[i].node;
	return FRAME_NONE;
}

/* A new child of PARENT with name_list index NAME_ID and zero counts. */
static uint32_t child_new(struct frame_tree *t, uint32_t parent, uint32_t name_id)
{
	uint32_t node = t->n_nodes;
	struct frame_node *p;

	t->nodes = reserve(t->nodes, t->n_nodes + 1, &t->cap_nodes, sizeof(*t->nodes));
	t->nodes[t->n_nodes++] =
		(struct frame_node){ .name = name_id, .next_sibling = t->nodes[parent].first_child };
	p = &t->nodes[parent];
	p->first_child = node;
	if (++p->n_children == SCAN_LIMIT + 1) /* from now on found by hash: index them all */
		for (uint32_t c = node; c != FRAME_NONE; c = t->nodes[c].next_sibling)
			child_index(t, parent, c);
	else if (p->n_children > SCAN_LIMIT)
		child_index(t, parent, node);
	return node;
}

/* The child of PARENT with name_list index NAME_ID, created (with zero counts) when absent. */
static uint32_t child_get(struct frame_tree *t, uint32_t parent, uint32_t name_id)
{
	uint32_t node = child_find(t, parent, name_id);

	return node != FRAME_NONE ? node : child_new(t, parent, name_id);
}

void frame_tree_add(struct frame_tree *t, enum folded_side side, const char *const *frames, size_t n,
		    uint64_t count)
{
	uint32_t node = 0, depth = 0;

	t->nodes[0].value[side] += count;
	for (size_t i = 0; i < n; i++) {
		if (!frames[i] || !*frames[i])
			continue;
		node = child_get(t, node, intern_name(t, frames[i], strlen(frames[i])));
		t->nodes[node].value[side] += count;
		depth++;
	}
	if (depth > t->max_depth)
		t->max_depth = depth;
}

uint64_t frame_tree_lookup(const struct frame_tree *t, enum folded_side side, const char *const *frames,
			   size_t n)
{
	uint32_t node = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(frames[i]);
		uint32_t c = t->nodes[node].first_child;

		while (c != FRAME_NONE && !name_equals(t, t->nodes[c].name, frames[i], len))
			c = t->nodes[c].next_sibling;
		if (c == FRAME_NONE)
			return 0;
		node = c;
	}
	return t->nodes[node].value[side];
}

/* Parsing keeps the previous stack and its frames: consecutive folded lines usually share their
 * root-most frames, and those need no hashing at all.
 *
 * Stacks in byte order (as folded files are written) go straight into the tree, which they visit
 * one subtree at a time. From the first stack out of order on, the rest wait in an arena as name
 * ids and are sorted before they are merged (see stack_sort.h): merging them as they come would
 * make nearly every frame a cache miss in a tree of hundreds of megabytes.
 *
 * A large unsorted input is parsed in two parts at once (see parse_parts), the second straight
 * into an arena of its own; both arenas are sorted in halves at once too (see stack_sort_halves). */
struct path_step {
	size_t end;    /* offset just past the frame's name in the stack text */
	uint32_t name; /* name_list index */
};

struct folded_parser {
	struct frame_tree *tree;
	enum folded_side side;
	struct folded_stats *stats;
	uint64_t line_no;
	uint64_t total;           /* the counts this parser added, and the side's before it */
	const char *prev;         /* the previous stack: in the input while it stays there, else in KEPT */
	size_t prev_len;
	char *kept;
	size_t kept_cap;
	struct path_step *path;   /* the previous stack's frames */
	size_t path_len, path_cap;
	uint32_t *nodes;          /* nodes[i]: the node of path[i], while stacks go straight in */
	size_t nodes_cap;
	bool unsorted;            /* stacks go to the arena: one came out of order, or a later part */
	uint32_t *arena;          /* per stack: count (low, high 32 bits), name ids, 0 */
	size_t arena_len, arena_cap, n_waiting;
};

static size_t common_prefix(const char *a, size_t a_len, const char *b, size_t b_len)
{
	size_t n = a_len < b_len ? a_len : b_len, i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x = load8(a + i), y = load8(b + i);

		if (x != y)
			return i + __builtin_ctzll(x ^ y) / 8;
	}
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* Whether A sorts before B in byte order, given that they share their first SAME bytes. */
static bool sorts_before(const char *a, size_t a_len, const char *b, size_t b_len, size_t same)
{
	if (same == a_len)
		return a_len < b_len;
	return same < b_len && (unsigned char)a[same] < (unsigned char)b[same];
}

/* Adds COUNT to the root and to each of NODES[0..DEPTH) on SIDE. */
static void add_count(struct frame_tree *t, enum folded_side side, const uint32_t *nodes, size_t depth,
		      uint64_t count)
{
	t->nodes[0].value[side] += count;
	for (size_t i = 0; i < depth; i++)
		t->nodes[nodes[i]].value[side] += count;
	if (depth > t->max_depth)
		t->max_depth = depth;
}

/* Fills p->path with STACK's frames, keeping those of the previous stack within its first SAME
 * bytes; returns how many were kept. */
static size_t split_frames(struct folded_parser *p, const char *stack, size_t len, size_t same)
{
	size_t kept = 0, pos;

	while (kept < p->path_len && p->path[kept].end <= same &&
	       (p->path[kept].end == len || stack[p->path[kept].end] == ';'))
		kept++;
	p->path_len = kept;
	pos = kept ? p->path[kept - 1].end : 0;
	while (pos < len) {
		uint64_t hash;
		size_t name_len;

		if (stack[pos] == ';') {
			pos++;
			continue;
		}
		name_len = scan_name(stack + pos, len - pos, &hash);
		*VEC_PUSH(p->path, p->path_len, p->path_cap) = (struct path_step){
			.end = pos + name_len, .name = intern_hashed(p->tree, stack + pos, name_len, hash)
		};
		pos += name_len;
	}
	return kept;
}

static void arena_append(struct folded_parser *p, uint64_t count)
{
	uint32_t *rec;

	p->arena = reserve(p->arena, p->arena_len + p->path_len + 3, &p->arena_cap, sizeof(*p->arena));
	rec = p->arena + p->arena_len;
	rec[0] = (uint32_t)count;
	rec[1] = (uint32_t)(count >> 32);
	for (size_t i = 0; i < p->path_len; i++)
		rec[2 + i] = p->path[i].name;
	rec[2 + p->path_len] = 0;
	p->arena_len += p->path_len + 3;
	p->n_waiting++;
}

/* Adds one stack; false when it holds no frame name. */
static bool add_stack(struct folded_parser *p, const char *stack, size_t len, uint64_t count)
{
	struct frame_tree *t = p->tree;
	size_t same = common_prefix(p->prev, p->prev_len, stack, len), kept;

	if (sorts_before(stack, len, p->prev, p->prev_len, same))
		p->unsorted = true;
	kept = split_frames(p, stack, len, same);
	if (!p->path_len)
		return false;
	p->prev = stack;
	p->prev_len = len;
	if (p->unsorted) {
		arena_append(p, count);
		return true;
	}
	p->nodes = reserve(p->nodes, p->path_len, &p->nodes_cap, sizeof(*p->nodes));
	for (size_t i = kept; i < p->path_len; i++)
		p->nodes[i] = child_get(t, i ? p->nodes[i - 1] : 0, p->path[i].name);
	add_count(t, p->side, p->nodes, p->path_len, count);
	return true;
}

/* Points STACKS[*N..] at the stacks waiting in P's arena, turning their name ids into the tree's
 * through MAP when P interned names of its own (NULL: they are the tree's already). */
static void collect_waiting(struct folded_parser *p, const uint32_t *map, struct sorted_stack *stacks,
			    size_t *n)
{
	for (size_t i = 0, pos = 0; i < p->n_waiting; i++) {
		stacks[(*n)++].ids = p->arena + pos + 2;
		for (pos += 2; p->arena[pos]; pos++)
			if (map)
				p->arena[pos] = map[p->arena[pos]];
		pos++;
	}
}

/* Merges STACKS into T's SIDE in sorted order, each sharing the nodes of the one before. The
 * children a node made during this merge has so far came from the stacks just before, all with
 * lower ids at its depth: a stack that diverges below it needs a new child, not a lookup. */
static void merge_stacks(struct frame_tree *t, enum folded_side side, struct sorted_stack *stacks, size_t n)
{
	uint32_t first_made = t->n_nodes, *nodes = NULL;
	size_t nodes_cap = 0, depth = 0;
	const uint32_t *ids, *prev = NULL;
	struct stack_halves sorted;

	stack_sort_halves(stacks, n, &sorted);
	while ((ids = stack_halves_next(&sorted))) {
		size_t k = 0;

		while (k < depth && ids[k] == prev[k])
			k++;
		for (; ids[k]; k++) {
			uint32_t parent = k ? nodes[k - 1] : 0;

			nodes = reserve(nodes, k + 1, &nodes_cap, sizeof(*nodes));
			nodes[k] = parent >= first_made ? child_new(t, parent, ids[k]) : child_get(t, parent, ids[k]);
		}
		add_count(t, side, nodes, k, (uint64_t)ids[-1] << 32 | ids[-2]);
		prev = ids;
		depth = k;
	}
	free(nodes);
}

/* A whole unsigned decimal integer: 0, -EINVAL when S is not one, -ERANGE when it does not fit
 * 64 bits. */
static int parse_count(const char *s, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	bool overflow = false;

	if (s == end)
		return -EINVAL;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		overflow |= __builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v);
	}
	*out = v;
	return overflow ? -ERANGE : 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A count that does not fit 64 bits, alone or added to those before it, would wrap the totals
 * round to a wrong graph: it stops the parse (parse_parts reports -ERANGE). */
static void parse_line(struct folded_parser *p, const char *line, size_t len)
{
	const char *space;
	size_t stack_len;
	uint64_t count, total;
	int rc;

	p->line_no++;
	while (len && is_blank(line[len - 1]))
		len--;
	if (!len)
		return;
	space = memrchr(line, ' ', len);
	stack_len = space ? (size_t)(space - line) : 0;
	while (stack_len && is_blank(line[stack_len - 1]))
		stack_len--;
	rc = space ? parse_count(space + 1, line + len, &count) : -EINVAL;
	if (rc == -ERANGE || (!rc && __builtin_add_overflow(p->total, count, &total))) {
		p->stats->overflow_line = p->line_no;
		return;
	}
	if (!rc && add_stack(p, line, stack_len, count)) {
		p->total = total;
		p->stats->good_lines++;
		return;
	}
	if (!p->stats->bad_lines++)
		p->stats->first_bad_line = p->line_no;
}

/* Parses the complete lines of BUF[0..LEN); returns how many bytes they took (all of them after
 * an overflow, which ends the parse). */
static size_t parse_lines(struct folded_parser *p, const char *buf, size_t len)
{
	size_t pos = 0;

	for (;;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);

		if (p->stats->overflow_line)
			return len;
		if (!nl)
			return pos;
		parse_line(p, buf + pos, nl - (buf + pos));
		pos = nl - buf + 1;
	}
}

/* Where a parser's bytes come from: BUF[0..LEN) when BUF is set, else IN to its end when IN is
 * set, else the range [POS, END) of the regular file FD. */
struct byte_source {
	const char *buf;
	size_t len;
	FILE *in;
	int fd;
	off_t pos, end;
};

/* Copies the previous stack out of the input, whose bytes are about to be reused or unmapped. */
static void keep_prev(struct folded_parser *p)
{
	if (!p->prev || p->prev == p->kept)
		return;
	p->kept = reserve(p->kept, p->prev_len, &p->kept_cap, 1);
	memcpy(p->kept, p->prev, p->prev_len);
	p->prev = p->kept;
}

/* Parses every line of BUF[0..LEN), the last one whether or not a line break ends it. */
static void parse_all(struct folded_parser *p, const char *buf, size_t len)
{
	size_t done = parse_lines(p, buf, len);

	if (done < len && !p->stats->overflow_line)
		parse_line(p, buf + done, len - done);
}

/* Parses IN's lines to its end, read in chunks; returns 0 or -errno. */
static int parse_stream(struct folded_parser *p, FILE *in)
{
	size_t cap = READ_CHUNK * 4, have = 0, got, done;
	char *buf = xcalloc(cap, 1);
	int err = 0;

	for (;;) {
		if (cap - have < READ_CHUNK) { /* a line longer than the buffer: make room */
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf) {
				errmsg("out of memory");
				exit(1);
			}
		}
		got = fread(buf + have, 1, cap - have, in);
		if (!got || p->stats->overflow_line) {
			err = ferror(in) ? -(errno ? errno : EIO) : 0;
			break;
		}
		have += got;
		done = parse_lines(p, buf, have);
		keep_prev(p);
		memmove(buf, buf + done, have - done);
		have -= done;
	}
	if (have && !err && !p->stats->overflow_line)
		parse_line(p, buf, have);
	free(buf);
	return err;
}

/* Parses the lines of the file range [POS, END) of FD through a window of it mapped at a time:
 * read() would copy every byte (that copy was 40 % of a flame graph of a sorted 385 MB input),
 * and a window keeps what is mapped, which counts in the RSS, bounded. Returns 0 or -errno. */
static int parse_mapped(struct folded_parser *p, int fd, off_t pos, off_t end)
{
	size_t page = sysconf(_SC_PAGESIZE), window = MAP_WINDOW;

	while (pos < end && !p->stats->overflow_line) {
		off_t at = pos - pos % page;
		size_t len = end - at < (off_t)window ? (size_t)(end - at) : window, skip = pos - at, done;
		char *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, at);

		if (map == MAP_FAILED)
			return -errno;
		madvise(map, len, MADV_SEQUENTIAL);
		if (at + (off_t)len == end) {
			parse_all(p, map + skip, len - skip);
			keep_prev(p);
			munmap(map, len);
			break;
		}
		done = parse_lines(p, map + skip, len - skip);
		keep_prev(p);
		munmap(map, len);
		if (!done)
			window *= 2;  /* a line longer than the window */
		pos += done;
	}
	return 0;
}

/* Parses all of SRC's lines; returns 0 or -errno. */
static int parse_source(struct folded_parser *p, struct byte_source *src)
{
	if (src->buf) {
		parse_all(p, src->buf, src->len);
		return 0;
	}
	return src->in ? parse_stream(p, src->in) : parse_mapped(p, src->fd, src->pos, src->end);
}

/* One of the consecutive parts an input is parsed in, each at the same time as the others. The
 * first goes into the tree; later ones wait in their arenas whatever their order, and intern
 * their names in NAMES, a tree of their own, to be mapped to the tree's. */
struct parse_part {
	struct folded_parser p;
	struct folded_stats stats;
	struct frame_tree *names;
	struct byte_source src;
	int err;
};

static void *run_parse_part(void *part)
{
	struct parse_part *pp = part;

	pp->err = parse_source(&pp->p, &pp->src);
	return NULL;
}

/* map[i]: T's name_list index for the name NAMES holds at I. */
static uint32_t *map_names(struct frame_tree *t, const struct frame_tree *names)
{
	uint32_t *map = xcalloc(names->n_names, sizeof(*map));

	for (size_t i = 1; i < names->n_names; i++)
		map[i] = intern_name(t, names->names + names->name_list[i].off, names->name_list[i].len);
	return map;
}

/* Merges the stacks waiting in PARTS[0..N) (N is 1 or 2) into T's SIDE. */
static void merge_parts(struct frame_tree *t, enum folded_side side, struct parse_part *parts, size_t n)
{
	uint32_t *map = n == 2 ? map_names(t, parts[1].names) : NULL;
	size_t n_waiting = 0, n_stacks = 0;
	struct sorted_stack *stacks;

	for (size_t i = 0; i < n; i++)
		n_waiting += parts[i].p.n_waiting;
	stacks = xcalloc(n_waiting, sizeof(*stacks));
	for (size_t i = 0; i < n; i++)
		collect_waiting(&parts[i].p, i ? map : NULL, stacks, &n_stacks);
	merge_stacks(t, side, stacks, n_stacks);
	free(stacks);
	free(map);
}

/* Adds the counts of PART, whose line numbers follow LINES_BEFORE lines, to ST. */
static void add_stats(struct folded_stats *st, const struct folded_stats *part, uint64_t lines_before)
{
	if (!st->first_bad_line && part->first_bad_line)
		st->first_bad_line = lines_before + part->first_bad_line;
	st->good_lines += part->good_lines;
	st->bad_lines += part->bad_lines;
}

static void parser_free(struct folded_parser *p)
{
	free(p->kept);
	free(p->path);
	free(p->nodes);
	free(p->arena);
}

/* The line where the counts of PARTS[0..N) overflowed 64 bits, 0 when they did not. Two parts
 * are parsed at once, neither seeing the other's counts: when they overflow only together, it is
 * the input's last line, by which the total had overflowed. */
static uint64_t parts_overflow_line(const struct parse_part *parts, size_t n)
{
	uint64_t sum;

	if (parts[0].stats.overflow_line || n == 1)
		return parts[0].stats.overflow_line;
	if (parts[1].stats.overflow_line)
		return parts[0].p.line_no + parts[1].stats.overflow_line;
	if (__builtin_add_overflow(parts[0].p.total, parts[1].p.total, &sum))
		return parts[0].p.line_no + parts[1].p.line_no;
	return 0;
}

/* Parses SRCS[0..N), N (1 or 2) consecutive parts of one input, into T's SIDE. */
static int parse_parts(struct frame_tree *t, enum folded_side side, const struct byte_source *srcs, size_t n,
		       struct folded_stats *st)
{
	struct parse_part parts[2];
	int err = 0;

	for (size_t i = 0; i < n; i++) {
		parts[i] = (struct parse_part){ .names = i ? frame_tree_new() : NULL, .src = srcs[i] };
		parts[i].p = (struct folded_parser){ .tree = i ? parts[i].names : t, .side = side,
						     .stats = &parts[i].stats, .unsorted = i > 0,
						     .total = i ? 0 : t->nodes[0].value[side] };
	}
	if (n == 2)
		run_both(run_parse_part, &parts[1], run_parse_part, &parts[0]);
	else
		run_parse_part(&parts[0]);
	*st = (struct folded_stats){ 0 };
	for (size_t i = 0; i < n; i++) {
		add_stats(st, &parts[i].stats, i ? parts[0].p.line_no : 0);
		err = err ? err : parts[i].err;
	}
	st->overflow_line = parts_overflow_line(parts, n);
	if (!err && !st->overflow_line)
		merge_parts(t, side, parts, n);
	for (size_t i = 0; i < n; i++) {
		parser_free(&parts[i].p);
		frame_tree_free(parts[i].names);
	}
	if (err)
		return err;
	if (st->overflow_line)
		return -ERANGE;
	return st->good_lines ? 0 : -EINVAL;
}

/* Where an input whose middle part is BLOCK[0..LEN) is parsed in two parts at once: just past the
 * block's first line break. 0 when it has none, or when its whole lines are in order: sorted input
 * (as folded files are mostly written) goes straight into the tree, and one thread does that with
 * less work and memory than two that must merge the second part after. */
static size_t split_offset(const char *block, size_t len)
{
	const char *first_nl = memchr(block, '\n', len), *prev = NULL, *line, *nl;
	size_t prev_len = 0;

	if (!first_nl)
		return 0;
	for (line = first_nl + 1; (nl = memchr(line, '\n', block + len - line)); line = nl + 1) {
		const char *space = memrchr(line, ' ', nl - line);
		size_t stack_len = space ? (size_t)(space - line) : (size_t)(nl - line);

		if (prev && sorts_before(line, stack_len, prev, prev_len,
					 common_prefix(line, stack_len, prev, prev_len)))
			return first_nl + 1 - block;
		prev = line;
		prev_len = stack_len;
	}
	return 0;
}

int folded_parse_buf(struct frame_tree *t, enum folded_side side, const char *buf, size_t len,
		     struct folded_stats *st)
{
	struct byte_source srcs[2] = { { .buf = buf, .len = len } };
	size_t mid = len / 2, cut = 0;

	if (len >= SPLIT_MIN_BYTES)
		cut = split_offset(buf + mid, len - mid < PROBE_BYTES ? len - mid : PROBE_BYTES);
	if (!cut || mid + cut == len)
		return parse_parts(t, side, srcs, 1, st);
	srcs[0].len = mid + cut;
	srcs[1] = (struct byte_source){ .buf = buf + mid + cut, .len = len - (mid + cut) };
	return parse_parts(t, side, srcs, 2, st);
}

/* What is left of IN, when it is a regular file, as a range of it mapped while parsed, in two parts
 * when large enough (see split_offset); returns how many parts SRCS holds. */
static size_t split_file(FILE *in, struct byte_source srcs[2])
{
	int fd = fileno(in);
	off_t start = ftello(in), mid;
	struct stat sb;
	char *block;
	ssize_t got;
	size_t cut = 0;

	if (fd < 0 || start < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode))
		return 1;
	srcs[0] = (struct byte_source){ .fd = fd, .pos = start, .end = sb.st_size };
	if (sb.st_size - start < SPLIT_MIN_BYTES)
		return 1;
	mid = start + (sb.st_size - start) / 2;
	block = xcalloc(PROBE_BYTES, 1);
	got = pread(fd, block, PROBE_BYTES, mid);
	if (got > 0)
		cut = split_offset(block, got);
	free(block);
	if (!cut || mid + (off_t)cut >= sb.st_size)
		return 1;
	srcs[0] = (struct byte_source){ .fd = fd, .pos = start, .end = mid + cut };
	srcs[1] = (struct byte_source){ .fd = fd, .pos = mid + cut, .end = sb.st_size };
	return 2;
}

int folded_parse_file(struct frame_tree *t, enum folded_side side, FILE *in, struct folded_stats *st)
{
	struct byte_source srcs[2] = { { .in = in } };

	return parse_parts(t, side, srcs, split_file(in, srcs), st);
}

/* Walking: each level holds the children of the node being walked at that depth, sorted by name.
 * Each child carries its name's first eight bytes as a big-endian number, so most comparisons are
 * of two integers side by side instead of two names reached through the node and name arrays. */
struct walk_kid {
	uint64_t key;
	uint32_t node;
};

struct walk_level {
	struct walk_kid *kids;
	size_t n, cap, next;
};

static uint64_t name_key(const char *name, size_t len)
{
	uint64_t key = 0;

	for (size_t i = 0; i < 8; i++)
		key = key << 8 | (i < len ? (unsigned char)name[i] : 0);
	return key;
}

static int compare_kids(const void *a, const void *b, void *tree)
{
	const struct walk_kid *ka = a, *kb = b;
	const struct frame_tree *t = tree;
	const struct frame_name *x, *y;
	int c;

	if (ka->key != kb->key)
		return ka->key < kb->key ? -1 : 1;
	x = &t->name_list[t->nodes[ka->node].name];
	y = &t->name_list[t->nodes[kb->node].name];
	c = memcmp(t->names + x->off, t->names + y->off, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void load_children(const struct frame_tree *t, uint32_t node, struct walk_level *l)
{
	l->n = l->next = 0;
	l->kids = reserve(l->kids, t->nodes[node].n_children, &l->cap, sizeof(*l->kids));
	for (uint32_t c = t->nodes[node].first_child; c != FRAME_NONE; c = t->nodes[c].next_sibling)
		l->kids[l->n++] = (struct walk_kid){ name_key(frame_node_name(t, &t->nodes[c]),
							      frame_node_name_len(t, &t->nodes[c])), c };
	if (l->n > 1) /* a leaf's list is NULL, which qsort_r must not be given */
		qsort_r(l->kids, l->n, sizeof(*l->kids), compare_kids, (void *)t);
}

void frame_tree_walk(const struct frame_tree *t, frame_visit_fn visit, void *ctx)
{
	struct walk_level *levels = NULL;
	size_t n_levels = 0, cap_levels = 0, depth = 0;

	if (!visit(t, 0, 0, ctx))
		return;
	load_children(t, 0, VEC_PUSH(levels, n_levels, cap_levels));
	for (;;) {
		uint32_t node;

		if (levels[depth].next == levels[depth].n) {
			if (depth == 0)
				break;
			depth--;
			continue;
		}
		node = levels[depth].kids[levels[depth].next++].node;
		if (!visit(t, node, depth + 1, ctx) || t->nodes[node].first_child == FRAME_NONE)
			continue;
		if (++depth == n_levels)
			VEC_PUSH(levels, n_levels, cap_levels);
		load_children(t, node, &levels[depth]);
	}
	for (size_t i = 0; i < n_levels; i++)
		free(levels[i].kids);
	free(levels);
}

struct folded_writer {
	enum folded_side side;
	FILE *out;
	uint32_t *path; /* path[d]: the node being walked at depth d */
	size_t path_len, path_cap;
};

static bool write_node(const struct frame_tree *t, uint32_t node, uint32_t depth, void *ctx)
{
	struct folded_writer *w = ctx;
	const struct frame_node *n = &t->nodes[node];
	uint64_t self = n->value[w->side];

	if (node && !self)
		return false;
	w->path_len = depth;
	*VEC_PUSH(w->path, w->path_len, w->path_cap) = node;
	for (uint32_t c = n->first_child; c != FRAME_NONE; c = t->nodes[c].next_sibling)
		self -= t->nodes[c].value[w->side];
	if (!self || !depth)
		return true;
	for (uint32_t d = 1; d <= depth; d++) {
		if (d > 1)
			fputc(';', w->out);
		fwrite(frame_node_name(t, &t->nodes[w->path[d]]), 1, frame_node_name_len(t, &t->nodes[w->path[d]]),
		       w->out);
	}
	fprintf(w->out, " %llu\n", (unsigned long long)self);
	return true;
}

int folded_write(const struct frame_tree *t, enum folded_side side, FILE *out)
{
	struct folded_writer w = { .side = side, .out = out };

	frame_tree_walk(t, write_node, &w);
	free(w.path);
	return ferror(out) ? -EIO : 0;
}
