#include "model/model.h"

#include <stdlib.h>
#include <string.h>
#include "base/util.h"

const char *const counter_names[CNT_COUNT] = {
	[CNT_SWITCH] = "switch", [CNT_WAKEUP] = "wakeup", [CNT_SYSCALL] = "syscall",
	[CNT_SAMPLE] = "sample", [CNT_BLOCK_RQ] = "block_rq", [CNT_FORK] = "fork",
	[CNT_EXEC] = "exec", [CNT_EXIT] = "exit", [CNT_SWITCH_IN_UNSEEN] = "switch_in_unseen",
	[DROP_THREAD_MAP_FULL] = "thread_storage_full", [DROP_PROC_SLOTS_FULL] = "proc_slots_full",
	[DROP_WAKEUP_MAP_FULL] = "wakeup_map_full",
	[DROP_STACK_AGG_FULL] = "stack_agg_full", [DROP_STACK_MAP_FULL] = "stack_map_full",
	[DROP_STACK_ERROR] = "stack_error", [DROP_RINGBUF_FULL] = "ringbuf_full",
	[DROP_BLOCK_MAP_FULL] = "block_map_full", [DROP_PY_STACK_MAP_FULL] = "py_stack_map_full",
	[DROP_TIMELINE_FULL] = "timeline_full",
	[DROP_PROG_MISSED] = "prog_runs_missed",
};

int counter_by_name(const char *name)
{
	for (int i = 0; i < CNT_COUNT; i++)
		if (counter_names[i] && strcmp(counter_names[i], name) == 0)
			return i;
	return -1;
}

void model_init(struct run_model *m)
{
	memset(m, 0, sizeof(*m));
	m->meta.exit_status = -1;
}

void model_free(struct run_model *m)
{
	for (size_t i = 0; i < m->n_procs; i++) {
		free(m->procs[i].exe);
		free(m->procs[i].cmdline);
		free(m->procs[i].maps);
		free(m->procs[i].python);
	}
	for (size_t i = 0; i < m->n_stacks; i++)
		free(m->stacks[i].ips);
	for (size_t i = 0; i < m->n_pystacks; i++) {
		for (uint32_t j = 0; j < m->pystacks[i].depth; j++)
			free(m->pystacks[i].frames[j]);
		free(m->pystacks[i].frames);
	}
	free(m->pystacks);
	free(m->procs);
	free(m->threads);
	free(m->syscalls);
	free(m->wakeups);
	free(m->stack_aggs);
	free(m->stacks);
	free(m->blks);
	free(m->disks);
	free(m->timeline.intervals);
	free(m->timeline.wakes);
	free(m->meta.version);
	free(m->meta.kernel);
	free(m->meta.hostname);
	free(m->meta.user);
	free(m->meta.command);
	memset(m, 0, sizeof(*m));
}

const struct model_process *model_find_process(const struct run_model *m, uint32_t pid)
{
	for (size_t i = 0; i < m->n_procs; i++)
		if (m->procs[i].pid == pid)
			return &m->procs[i];
	return NULL;
}

struct model_process *model_process(struct run_model *m, uint32_t pid)
{
	return (struct model_process *)model_find_process(m, pid);
}

const struct thread_acct *model_find_thread(const struct run_model *m, uint32_t tid)
{
	for (size_t i = 0; i < m->n_threads; i++)
		if (m->threads[i].acct.tid == tid)
			return &m->threads[i].acct;
	return NULL;
}

static int cmp_tid_start(const void *a, const void *b, void *threads)
{
	const struct thread_acct *x = &((const struct model_thread *)threads)[*(const size_t *)a].acct;
	const struct thread_acct *y = &((const struct model_thread *)threads)[*(const size_t *)b].acct;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

void thread_index_build(struct thread_index *x, const struct run_model *m)
{
	x->m = m;
	x->order = xcalloc(m->n_threads, sizeof(*x->order));
	for (size_t i = 0; i < m->n_threads; i++)
		x->order[i] = i;
	qsort_r(x->order, m->n_threads, sizeof(*x->order), cmp_tid_start, m->threads);
}

void thread_index_free(struct thread_index *x)
{
	free(x->order);
	x->order = NULL;
}

ssize_t thread_index_at(const struct thread_index *x, uint32_t tid, uint64_t ts_ns)
{
	size_t lo = 0, hi = x->m->n_threads;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->m->threads[x->order[mid]].acct.tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < x->m->n_threads && x->m->threads[x->order[lo]].acct.tid == tid; lo++) {
		const struct thread_acct *a = &x->m->threads[x->order[lo]].acct;

		if (a->start_ns <= ts_ns && ts_ns <= a->end_ns)
			return x->order[lo];
	}
	return -1;
}

struct model_process *model_add_process(struct run_model *m, uint32_t pid)
{
	struct model_process *p = model_process(m, pid);

	if (p)
		return p;
	p = VEC_PUSH(m->procs, m->n_procs, m->cap_procs);
	p->pid = pid;
	p->exit_status = -1;
	p->gil_switches = -1;
	return p;
}

struct model_thread *model_add_thread(struct run_model *m, const struct thread_acct *a)
{
	struct model_thread *t = VEC_PUSH(m->threads, m->n_threads, m->cap_threads);
	struct model_process *p = model_add_process(m, a->tgid);

	t->acct = *a;
	if (!p->start_ns || a->start_ns < p->start_ns)
		p->start_ns = a->start_ns;
	if (a->end_ns > p->end_ns)
		p->end_ns = a->end_ns;
	if (!p->comm[0] || a->tid == a->tgid)
		memcpy(p->comm, a->comm, COMM_LEN);
	return t;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_proc(const void *a, const void *b)
{
	return cmp_u32(((const struct model_process *)a)->pid, ((const struct model_process *)b)->pid);
}

static int cmp_thread(const void *a, const void *b)
{
	const struct thread_acct *x = &((const struct model_thread *)a)->acct;
	const struct thread_acct *y = &((const struct model_thread *)b)->acct;

	return cmp_u32(x->tgid, y->tgid) ?: cmp_u32(x->tid, y->tid) ?:
	       (x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns);
}

static int cmp_syscall(const void *a, const void *b)
{
	const struct model_syscall *x = a, *y = b;

	return cmp_u32(x->tgid, y->tgid) ?: cmp_u32(x->nr, y->nr);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_stack(const void *a, const void *b)
{
	return cmp_u64(((const struct model_stack *)a)->id, ((const struct model_stack *)b)->id);
}

static int cmp_pystack(const void *a, const void *b)
{
	return cmp_u64(((const struct model_pystack *)a)->id, ((const struct model_pystack *)b)->id);
}

/* Keys are plain structs of integers with explicit padding, so bytes order them stably. */
static int cmp_wakeup(const void *a, const void *b)
{
	return memcmp(&((const struct model_wakeup *)a)->k, &((const struct model_wakeup *)b)->k,
		      sizeof(struct wakeup_key));
}

static int cmp_stack_agg(const void *a, const void *b)
{
	return memcmp(&((const struct model_stack_agg *)a)->k, &((const struct model_stack_agg *)b)->k,
		      sizeof(struct stack_key));
}

static int cmp_interval(const void *a, const void *b)
{
	const struct model_interval *x = a, *y = b;

	return cmp_u32(x->tid, y->tid) ?: (x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns);
}

static int cmp_wake_edge(const void *a, const void *b)
{
	const struct model_wake_edge *x = a, *y = b;

	return cmp_u32(x->wakee_tid, y->wakee_tid) ?: (x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns);
}

static int cmp_blk(const void *a, const void *b)
{
	return memcmp(&((const struct model_blk *)a)->k, &((const struct model_blk *)b)->k,
		      sizeof(struct blk_key));
}

/* qsort, after a check that costs one pass: the timeline's arrays are built, and read back, in
 * order, and sorting millions of intervals again would cost more than building them. */
static void sort_array(void *items, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	const char *p = items;

	for (size_t i = 1; i < n; i++)
		if (cmp(p + (i - 1) * size, p + i * size) > 0) {
			vec_sort(items, n, size, cmp);
			return;
		}
}

#define SORT(array, n, cmp) sort_array((array), (n), sizeof(*(array)), (cmp))

void model_sort(struct run_model *m)
{
	SORT(m->procs, m->n_procs, cmp_proc);
	SORT(m->threads, m->n_threads, cmp_thread);
	SORT(m->syscalls, m->n_syscalls, cmp_syscall);
	SORT(m->wakeups, m->n_wakeups, cmp_wakeup);
	SORT(m->stack_aggs, m->n_stack_aggs, cmp_stack_agg);
	SORT(m->stacks, m->n_stacks, cmp_stack);
	SORT(m->pystacks, m->n_pystacks, cmp_pystack);
	SORT(m->blks, m->n_blks, cmp_blk);
	SORT(m->timeline.intervals, m->timeline.n_intervals, cmp_interval);
	SORT(m->timeline.wakes, m->timeline.n_wakes, cmp_wake_edge);
}

/* The first of the N items of SIZE bytes, sorted by a u64 id at offset 0, whose id is ID; NULL
 * when none. */
static const void *find_by_id(const void *items, size_t n, size_t size, uint64_t id)
{
	const char *base = items;
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t mid_id;

		memcpy(&mid_id, base + mid * size, sizeof(mid_id));
		if (mid_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && id && !memcmp(base + lo * size, &id, sizeof(id)))
		return base + lo * size;
	return NULL;
}

const struct model_stack *model_find_stack(const struct run_model *m, uint64_t id)
{
	return find_by_id(m->stacks, m->n_stacks, sizeof(*m->stacks), id);
}

const struct model_pystack *model_find_pystack(const struct run_model *m, uint64_t id)
{
	return find_by_id(m->pystacks, m->n_pystacks, sizeof(*m->pystacks), id);
}

uint64_t model_drops(const struct run_model *m)
{
	uint64_t sum = 0;

	for (int i = CNT_EVENTS_END; i < CNT_COUNT; i++)
		sum += m->counters[i];
	return sum;
}

enum drop_loss counter_drop_loss(int counter)
{
	switch (counter) {
	case DROP_STACK_AGG_FULL:
	case DROP_STACK_MAP_FULL:
	case DROP_STACK_ERROR:
	case DROP_PY_STACK_MAP_FULL:
		return LOSS_STACK;
	case DROP_PROC_SLOTS_FULL:
		return LOSS_SYSCALL_OWNER;
	default:
		return LOSS_TIME;
	}
}

uint64_t model_drops_losing(const struct run_model *m, enum drop_loss loss)
{
	uint64_t sum = 0;

	for (int i = CNT_EVENTS_END; i < CNT_COUNT; i++)
		if (counter_drop_loss(i) == loss)
			sum += m->counters[i];
	return sum;
}

uint64_t model_events(const struct run_model *m)
{
	uint64_t sum = 0;

	for (int i = 0; i < CNT_EVENTS_END; i++)
		sum += m->counters[i];
	return sum;
}
