#include "render/fold.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/roles.h"
#include "base/util.h"
#include "model/classify.h"

#define FRAME_LEN 1024

const char *const fold_kind_names[FOLD_KIND_COUNT] = {
	[FOLD_ONCPU] = "oncpu", [FOLD_OFFCPU] = "offcpu", [FOLD_WALL] = "wall",
};

const char *const fold_group_names[FOLD_GROUP_COUNT] = {
	[FOLD_BY_PROCESS] = "process", [FOLD_BY_THREAD] = "thread", [FOLD_BY_ROLE] = "role",
};

int fold_kind_by_name(const char *name)
{
	for (int i = 0; i < FOLD_KIND_COUNT; i++)
		if (!strcmp(name, fold_kind_names[i]))
			return i;
	return -1;
}

/* A lookup table by id (pid, tid or stack id), sorted for binary search. */
struct index_entry {
	int64_t key;
	const void *item;
	struct sym_maps *maps;  /* processes only: their parsed mappings */
	enum role role;         /* threads only, when folded by role */
};
struct index {
	struct index_entry *entries;
	size_t n, cap;
};

static int cmp_index_entry(const void *a, const void *b)
{
	const struct index_entry *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static const struct index_entry *index_find(const struct index *ix, int64_t key)
{
	struct index_entry probe = { .key = key };

	if (!ix->n) /* then entries is NULL, which bsearch must not be given */
		return NULL;
	return bsearch(&probe, ix->entries, ix->n, sizeof(probe), cmp_index_entry);
}

static void index_sort(struct index *ix)
{
	vec_sort(ix->entries, ix->n, sizeof(*ix->entries), cmp_index_entry);
}

struct fold_ctx {
	const struct run_model *m;
	const struct fold_opts *o;
	struct symbolizer *sym;
	struct index procs, threads, stacks, pystacks;
};

static void fold_ctx_init(struct fold_ctx *c, const struct run_model *m, const struct fold_opts *o,
			  struct symbolizer *sym)
{
	*c = (struct fold_ctx){ .m = m, .o = o, .sym = sym };
	for (size_t i = 0; i < m->n_procs; i++)
		*VEC_PUSH(c->procs.entries, c->procs.n, c->procs.cap) = (struct index_entry){
			.key = m->procs[i].pid, .item = &m->procs[i],
			.maps = symbolizer_maps(sym, m->procs[i].maps),
		};
	for (size_t i = 0; i < m->n_threads; i++)
		*VEC_PUSH(c->threads.entries, c->threads.n, c->threads.cap) = (struct index_entry){
			.key = m->threads[i].acct.tid, .item = &m->threads[i],
			/* a role costs a pass over the syscalls: taken once per thread, when needed */
			.role = o->group == FOLD_BY_ROLE ? thread_role(m, &m->threads[i].acct) : ROLE_MAIN,
		};
	for (size_t i = 0; i < m->n_stacks; i++)
		*VEC_PUSH(c->stacks.entries, c->stacks.n, c->stacks.cap) = (struct index_entry){
			.key = m->stacks[i].id, .item = &m->stacks[i],
		};
	for (size_t i = 0; i < m->n_pystacks; i++)
		*VEC_PUSH(c->pystacks.entries, c->pystacks.n, c->pystacks.cap) = (struct index_entry){
			.key = m->pystacks[i].id, .item = &m->pystacks[i],
		};
	index_sort(&c->procs);
	index_sort(&c->threads);
	index_sort(&c->stacks);
	index_sort(&c->pystacks);
}

static void fold_ctx_free(struct fold_ctx *c)
{
	free(c->procs.entries);
	free(c->threads.entries);
	free(c->stacks.entries);
	free(c->pystacks.entries);
}

/* One aggregate's frames, root first, each malloc'd. */
struct frame_list {
	char **names;
	size_t n, cap;
};

static void frame_list_push(struct frame_list *l, const char *name, const char *suffix)
{
	char *copy;

	if (asprintf(&copy, "%s%s", name, suffix) < 0)
		copy = NULL;
	*VEC_PUSH(l->names, l->n, l->cap) = copy;
}

static void frame_list_clear(struct frame_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	l->n = 0;
}

static void push_root(const struct fold_ctx *c, struct frame_list *l, uint32_t tid, uint32_t tgid)
{
	const struct index_entry *p = index_find(&c->procs, tgid);
	const struct index_entry *t = index_find(&c->threads, tid);
	const char *proc_comm = p ? ((const struct model_process *)p->item)->comm : "";
	const char *thread_comm = t ? ((const struct model_thread *)t->item)->acct.comm : "";
	bool per_thread = c->o->group == FOLD_BY_THREAD;
	/* Each falls back on the other: a thread may be missing, or a process never named. */
	const char *comm = per_thread ? (thread_comm[0] ? thread_comm : proc_comm)
				      : (proc_comm[0] ? proc_comm : thread_comm);
	char root[COMM_LEN + 32];

	if (c->o->group == FOLD_BY_ROLE && t)
		snprintf(root, sizeof(root), "%s", graph_node_names[t->role]);
	else if (c->o->group == FOLD_BY_ROLE)   /* a thread the tracer never accounted */
		snprintf(root, sizeof(root), "[unknown role]");
	else if (!comm[0])
		snprintf(root, sizeof(root), "[pid %u]", tgid);
	else if (per_thread)
		snprintf(root, sizeof(root), "%.*s-%u", COMM_LEN, comm, tid);
	else
		snprintf(root, sizeof(root), "%.*s", COMM_LEN, comm);
	frame_list_push(l, root, "");
}

static const struct model_stack *stack_of(const struct fold_ctx *c, uint64_t id)
{
	const struct index_entry *e = id ? index_find(&c->stacks, (int64_t)id) : NULL;

	return e ? e->item : NULL;
}

static struct sym_maps *maps_of(const struct fold_ctx *c, uint32_t tgid)
{
	const struct index_entry *p = index_find(&c->procs, tgid);

	return p ? p->maps : symbolizer_maps(c->sym, NULL);
}

/* Whether NAME repeats the frame L ends with and both are addresses outside every mapping: a run of
 * those (a frame-pointer walk through code built without them) is one frame, not a tower. */
static bool repeats_unknown(const struct frame_list *l, const char *name, const char *suffix)
{
	const char *last = l->n ? l->names[l->n - 1] : NULL;
	size_t len = strlen(name);

	return !strcmp(name, "[unknown]") && last && !strncmp(last, name, len) && !strcmp(last + len, suffix);
}

/* Pushes the innermost DEPTH frames of ST (kernel ones, or user ones named through MAPS) outermost
 * first (BPF stacks are innermost first), up to the first frame of the tracer itself, a run of
 * unresolvable addresses as one "[unknown]"; returns the frames pushed. */
static size_t push_stack(const struct fold_ctx *c, struct frame_list *l, const struct model_stack *st,
			 uint32_t depth, struct sym_maps *maps)
{
	bool kernel = !maps;
	char buf[FRAME_LEN];
	size_t pushed = 0;

	if (!st)
		return 0;
	for (uint32_t i = depth < st->depth ? depth : st->depth; i-- > 0;) {
		uint64_t ip = st->ips[i];
		const char *name = kernel ? symbolize_kernel(c->sym, ip, buf, sizeof(buf))
					  : symbolize_user_maps(c->sym, maps, ip, buf, sizeof(buf));

		if (!name)
			break;
		if (pushed && repeats_unknown(l, name, kernel ? "_[k]" : ""))
			continue;
		frame_list_push(l, name, kernel ? "_[k]" : "");
		pushed++;
	}
	return pushed;
}

/* Whether IP lies in the interpreter (python3.X, libpython3.X.so), whose frames the Python ones
 * replace. */
static bool in_interpreter(struct sym_maps *maps, uint64_t ip)
{
	const char *path = symbolize_user_file(maps, ip), *base;

	if (!path)
		return false;
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	return !strncmp(base, "python", 6) || !strncmp(base, "libpython", 9);
}

/* Pushes the user frames of A, outermost first. With a Python stack, its frames replace the
 * interpreter's and everything outside them (the eval loop, the interpreter's main): what
 * remains native is what the innermost Python function called, below the innermost interpreter
 * frame. */
static size_t push_user_stack(const struct fold_ctx *c, struct frame_list *l, const struct model_stack_agg *a)
{
	const struct index_entry *e = a->k.pystack ? index_find(&c->pystacks, (int64_t)a->k.pystack) : NULL;
	const struct model_pystack *py = e ? e->item : NULL;
	const struct model_stack *st = stack_of(c, a->k.ustack);
	struct sym_maps *maps = maps_of(c, a->k.tgid);
	uint32_t native = st ? st->depth : 0;

	if (!py)
		return push_stack(c, l, st, native, maps);
	for (uint32_t i = 0; i < native; i++)
		if (in_interpreter(maps, st->ips[i])) {
			native = i;
			break;
		}
	for (uint32_t i = py->depth; i-- > 0;)
		frame_list_push(l, py->frames[i], "");
	return py->depth + push_stack(c, l, st, native, maps);
}

/* The frames of aggregate A into L; false when out of memory. */
/* "[disk]": the pseudo-frame of wait class WC. */
static void push_class(struct frame_list *l, uint32_t wc)
{
	char leaf[64];

	snprintf(leaf, sizeof(leaf), "[%s]", wc < WC_COUNT ? wait_classes[wc].name : "unknown");
	frame_list_push(l, leaf, "");
}

/* Hands the frames in L to FN; -1 after a one-line error when one could not be allocated. */
static int emit(const struct frame_list *l, const struct model_stack_agg *a, uint64_t weight,
		fold_stack_fn fn, void *ctx)
{
	for (size_t i = 0; i < l->n; i++)
		if (!l->names[i]) {
			errmsg("out of memory folding stacks");
			return -1;
		}
	return fn(a, (const char *const *)l->names, l->n, weight, ctx);
}

static void agg_frames(const struct fold_ctx *c, const struct model_stack_agg *a, struct frame_list *l)
{
	size_t frames = 0;

	frame_list_clear(l);
	push_root(c, l, a->k.tid, a->k.tgid);
	if (c->o->stacks != FOLD_STACKS_KERNEL)
		frames += push_user_stack(c, l, a);
	if (c->o->stacks != FOLD_STACKS_USER)
		frames += push_stack(c, l, stack_of(c, a->k.kstack), UINT32_MAX, NULL);
	if (!frames)
		frame_list_push(l, "[no stack]", "");
	if (a->k.wait_class != WC_ONCPU)
		push_class(l, a->k.wait_class);
}

/* The weight of aggregate A in a graph of KIND, or false when A does not belong there. */
static bool agg_weight(const struct model_stack_agg *a, enum fold_kind kind, uint32_t freq_hz,
		       uint64_t *weight)
{
	bool oncpu = a->k.wait_class == WC_ONCPU;

	switch (kind) {
	case FOLD_ONCPU:
		*weight = a->s.count;
		return oncpu;
	case FOLD_OFFCPU:
		*weight = a->s.ns;
		return !oncpu;
	case FOLD_WALL:
		*weight = !oncpu ? a->s.ns : freq_hz ? a->s.count * NSEC_PER_SEC / freq_hz : 0;
		return true;
	default:
		return false;
	}
}

static bool has_oncpu_samples(const struct run_model *m)
{
	for (size_t i = 0; i < m->n_stack_aggs; i++)
		if (m->stack_aggs[i].k.wait_class == WC_ONCPU && m->stack_aggs[i].s.count)
			return true;
	return false;
}

struct tree_side {
	struct frame_tree *tree;
	enum folded_side side;
};

static bool class_in_kind(uint32_t wc, enum fold_kind kind)
{
	return kind == FOLD_WALL || (kind == FOLD_ONCPU) == (wc == WC_ONCPU);
}

/* Nanoseconds each thread spent in each class inside the window, from the timeline. */
static uint64_t (*window_ns(const struct fold_ctx *c))[WC_COUNT]
{
	const struct run_model *m = c->m;
	uint64_t (*ns)[WC_COUNT] = xcalloc(m->n_threads ? m->n_threads : 1, sizeof(*ns));

	for (size_t i = 0; i < m->timeline.n_intervals; i++) {
		const struct model_interval *iv = &m->timeline.intervals[i];
		uint64_t from = iv->start_ns > c->o->from_ns ? iv->start_ns : c->o->from_ns;
		uint64_t to = iv->end_ns < c->o->to_ns ? iv->end_ns : c->o->to_ns;
		const struct index_entry *t = index_find(&c->threads, iv->tid);

		if (to > from && t && iv->wait_class < WC_COUNT)
			ns[(const struct model_thread *)t->item - m->threads][iv->wait_class] += to - from;
	}
	return ns;
}

/* The window's states: root, thread, class, weighted by the time inside the window. */
static int fold_window(const struct fold_ctx *c, struct frame_list *l, fold_stack_fn fn, void *ctx)
{
	const struct run_model *m = c->m;
	uint64_t (*ns)[WC_COUNT];
	int ret = 0;

	if (!m->timeline.recorded) {
		errmsg("a time window needs the timeline, and this run was recorded without --timeline");
		return -1;
	}
	ns = window_ns(c);
	for (size_t i = 0; i < m->n_threads && !ret; i++)
		for (uint32_t wc = 0; wc < WC_COUNT && !ret; wc++) {
			const struct thread_acct *t = &m->threads[i].acct;
			struct model_stack_agg a = { .k = { .tid = t->tid, .tgid = t->tgid, .wait_class = wc },
						     .s = { .ns = ns[i][wc] } };
			char thread[COMM_LEN + 16];

			if (!ns[i][wc] || !class_in_kind(wc, c->o->kind))
				continue;
			frame_list_clear(l);
			push_root(c, l, t->tid, t->tgid);
			snprintf(thread, sizeof(thread), "%.*s-%u", COMM_LEN, t->comm, t->tid);
			if (c->o->group != FOLD_BY_THREAD)
				frame_list_push(l, thread, "");
			push_class(l, wc);
			ret = emit(l, &a, ns[i][wc], fn, ctx);
		}
	free(ns);
	return ret;
}

static int fold_stacks(const struct fold_ctx *c, struct frame_list *l, fold_stack_fn fn, void *ctx)
{
	const struct run_model *m = c->m;
	int ret = 0;

	if (c->o->kind == FOLD_WALL && !m->meta.freq_hz && has_oncpu_samples(m)) {
		errmsg("the run has on-CPU samples but no sampling frequency: no wall-clock scale");
		return -1;
	}
	for (size_t i = 0; i < m->n_stack_aggs && !ret; i++) {
		const struct model_stack_agg *a = &m->stack_aggs[i];
		uint64_t weight;

		if (!agg_weight(a, c->o->kind, m->meta.freq_hz, &weight) || !weight)
			continue;
		agg_frames(c, a, l);
		ret = emit(l, a, weight, fn, ctx);
	}
	return ret;
}

int fold_each_stack(const struct run_model *m, const struct fold_opts *o, struct symbolizer *s,
		    fold_stack_fn fn, void *ctx)
{
	struct frame_list frames = { 0 };
	struct fold_ctx c;
	int ret;

	fold_ctx_init(&c, m, o, s);
	ret = o->window ? fold_window(&c, &frames, fn, ctx) : fold_stacks(&c, &frames, fn, ctx);
	frame_list_clear(&frames);
	free(frames.names);
	fold_ctx_free(&c);
	return ret;
}

static int add_to_tree(const struct model_stack_agg *a, const char *const *frames, size_t n,
		       uint64_t weight, void *tree_side)
{
	struct tree_side *ts = tree_side;

	(void)a;
	frame_tree_add(ts->tree, ts->side, frames, n, weight);
	return 0;
}

int fold_tree_add(const struct run_model *m, const struct fold_opts *o, struct symbolizer *s,
		  struct frame_tree *t, enum folded_side side)
{
	struct tree_side ts = { .tree = t, .side = side };

	return fold_each_stack(m, o, s, add_to_tree, &ts);
}

struct folded {
	char *text;
	uint64_t count;
};

struct folded_lines {
	struct folded *lines;
	size_t n, cap;
};

/* Joins FRAMES with ';': neither ';' nor a line break may appear inside a frame. */
static int add_line(const struct model_stack_agg *a, const char *const *frames, size_t n,
		    uint64_t weight, void *folded_lines)
{
	struct folded_lines *fl = folded_lines;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)a;
	if (!f) {
		errmsg("out of memory folding stacks");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(';', f);
		for (const char *p = frames[i]; *p; p++)
			fputc(*p == ';' || (unsigned char)*p < ' ' ? '_' : *p, f);
	}
	if (fclose(f)) {
		free(text);
		errmsg("out of memory folding stacks");
		return -1;
	}
	*VEC_PUSH(fl->lines, fl->n, fl->cap) = (struct folded){ .text = text, .count = weight };
	return 0;
}

static int cmp_folded(const void *a, const void *b)
{
	return strcmp(((const struct folded *)a)->text, ((const struct folded *)b)->text);
}

/* Sorts LINES, then prints each distinct line once with the sum of its counts. */
static int write_merged(struct folded *lines, size_t n, FILE *out)
{
	vec_sort(lines, n, sizeof(*lines), cmp_folded);
	for (size_t i = 0; i < n;) {
		uint64_t sum = 0;
		size_t j = i;

		for (; j < n && !strcmp(lines[j].text, lines[i].text); j++)
			sum += lines[j].count;
		fprintf(out, "%s %" PRIu64 "\n", lines[i].text, sum);
		i = j;
	}
	if (fflush(out) || ferror(out)) {
		errmsg("cannot write folded stacks");
		return -1;
	}
	return 0;
}

int fold_model(const struct run_model *m, const struct fold_opts *o, struct symbolizer *s, FILE *out)
{
	struct folded_lines fl = { 0 };
	int ret = fold_each_stack(m, o, s, add_line, &fl);

	if (!ret)
		ret = write_merged(fl.lines, fl.n, out);
	for (size_t i = 0; i < fl.n; i++)
		free(fl.lines[i].text);
	free(fl.lines);
	return ret;
}
