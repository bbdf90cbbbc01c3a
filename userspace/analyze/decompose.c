/* The decomposition of a run: thread time by class and role, parallelism, the disk, and the
 * critical path's split (decompose.h; docs/explain.md). */
#include "analyze/decompose.h"

#include <stdlib.h>
#include <string.h>
#include "base/util.h"
#include "model/account.h"
#include "model/classify.h"
#include "model/syscall_names.h"

/* Bytes written by the tree's write-family syscalls, whatever the descriptor (older reports). */
static uint64_t syscall_write_bytes(const struct run_model *m)
{
	static const char *const writes[] = { "write", "pwrite64", "writev", "pwritev", "pwritev2" };
	uint64_t bytes = 0;

	for (size_t i = 0; i < m->n_syscalls; i++)
		for (size_t w = 0; w < ARRAY_LEN(writes); w++)
			if (m->syscalls[i].nr == syscall_nr(writes[w]))
				bytes += m->syscalls[i].s.bytes;
	return bytes;
}

/* The busiest device: partitions repeat their disk's counters, so devices are never summed. */
static void busiest_disk(const struct run_model *m, uint64_t *io_ticks_ms, uint64_t *sectors_written)
{
	*io_ticks_ms = *sectors_written = 0;
	for (size_t i = 0; i < m->n_disks; i++) {
		if (m->disks[i].io_ticks_ms > *io_ticks_ms)
			*io_ticks_ms = m->disks[i].io_ticks_ms;
		if (m->disks[i].sectors_written > *sectors_written)
			*sectors_written = m->disks[i].sectors_written;
	}
}

/* The tree's read/write-family calls and bytes by descriptor kind. */
static void io_totals(const struct run_model *m, struct io_stat io[FK_COUNT][2])
{
	memset(io, 0, sizeof(struct io_stat) * FK_COUNT * 2);
	for (size_t i = 0; i < m->n_threads; i++)
		for (int k = 0; k < FK_COUNT; k++)
			for (int dir = 0; dir < 2; dir++) {
				io[k][dir].calls += m->threads[i].acct.io[k][dir].calls;
				io[k][dir].bytes += m->threads[i].acct.io[k][dir].bytes;
			}
}

/* With a critical path P (recorded, or estimated), its split goes into D. */
static void path_split(const struct critical_path *p, struct decomposition *d)
{
	d->method = !p ? EXPLAIN_METHOD : p->estimated ? EXPLAIN_METHOD_ESTIMATE : EXPLAIN_METHOD_PATH;
	if (!p)
		return;
	d->path_ns = p->end_ns - p->start_ns;
	memcpy(d->path_class_ns, p->class_ns, sizeof(d->path_class_ns));
	memcpy(d->path_node_ns, p->node_ns, sizeof(d->path_node_ns));
}

void decompose_on_path(const struct run_model *m, const struct critical_path *p, struct decomposition *d)
{
	struct acct_totals t;
	uint64_t io_ticks_ms;

	memset(d, 0, sizeof(*d));
	totals_of(m, 0, &t);
	d->ncpus = m->meta.ncpus;
	d->wall_ns = command_wall_ns(m);
	d->thread_ns = t.life_ns;
	memcpy(d->class_ns, t.ns, sizeof(d->class_ns));
	d->cpus_busy = share(t.ns[WC_ONCPU], d->wall_ns);
	d->runnable = share(t.ns[WC_RUNQUEUE], d->wall_ns);
	d->switches = t.nvcsw + t.nivcsw;
	for (size_t i = 0; i < m->n_threads; i++) {
		const struct thread_acct *a = &m->threads[i].acct;
		struct role_time *r = &d->roles[thread_role(m, a)];

		r->threads++;
		r->life_ns += thread_lifetime(a);
		for (int c = 0; c < WC_COUNT; c++)
			r->ns[c] += a->ns[c];
	}
	busiest_disk(m, &io_ticks_ms, &d->sectors_written);
	d->disk_busy = share(io_ticks_ms * 1000000, d->wall_ns);
	io_totals(m, d->io);
	d->write_bytes = m->meta.wait_causes ? d->io[FK_FILE][1].bytes : syscall_write_bytes(m);
	path_split(p, d);
}

void decompose(const struct run_model *m, struct decomposition *d)
{
	struct critical_path p;
	bool has_path = critical_path_build(m, &p);

	decompose_on_path(m, has_path ? &p : NULL, d);
	critical_path_free(&p);
}

static bool in_scope(const struct run_model *m, const struct path_scope *s, const struct path_cell *c)
{
	const struct thread_acct *a;

	if (!(s->classes & CLASS_BIT(c->wait_class)) || (s->tid && c->tid != s->tid))
		return false;
	a = s->tgid && c->tid ? model_find_thread(m, c->tid) : NULL;
	if (s->tgid && (!a || a->tgid != s->tgid))
		return false;
	return !s->nodes || (s->nodes & 1u << c->node) || (c->tid && (s->nodes & 1u << c->thread_node));
}

/* A pseudo node's segment is a wait of the thread of the thread segment before it: walking back,
 * the path goes on in the waiting thread from the wait's start, where that thread ran to block
 * (critpath.h's cells say so). Segments in scope A, and in scope B too when B is given. */
static struct path_sum path_sum_both(const struct run_model *m, const struct critical_path *p,
				     const struct path_scope *a, const struct path_scope *b)
{
	struct path_sum sum = { 0, 0 };
	struct path_cell *cells = p ? p->cells : NULL, *own = NULL;
	size_t n = p ? p->n_cells : 0;

	if (p && !n && p->n_segments) {  /* an estimated path, or one made by hand */
		critical_path_cells(p, &own, &n);
		cells = own;
	}
	for (size_t i = 0; i < n; i++)
		if (in_scope(m, a, &cells[i]) && (!b || in_scope(m, b, &cells[i]))) {
			sum.ns += cells[i].ns;
			sum.count += cells[i].count;
		}
	free(own);
	return sum;
}

struct path_sum path_sum(const struct run_model *m, const struct critical_path *p, const struct path_scope *s)
{
	return path_sum_both(m, p, s, NULL);
}

uint64_t path_time(const struct run_model *m, const struct critical_path *p, const struct path_scope *s)
{
	return path_sum_both(m, p, s, NULL).ns;
}

uint64_t path_overlap(const struct run_model *m, const struct critical_path *p, const struct path_scope *a,
		      const struct path_scope *b)
{
	return path_sum_both(m, p, a, b).ns;
}

static json_t *class_ns_json(const uint64_t ns[WC_COUNT])
{
	json_t *j = json_object();

	for (int c = 0; c < WC_COUNT; c++)
		json_object_set_new(j, wait_classes[c].name, json_integer((json_int_t)ns[c]));
	return j;
}

/* The critical path's wall time per class and per node; null without a timeline. */
static json_t *path_split_json(const struct decomposition *d)
{
	json_t *nodes;

	if (!d->path_ns)
		return json_null();
	nodes = json_object();
	for (int g = 0; g < GN_COUNT; g++)
		if (d->path_node_ns[g])
			json_object_set_new(nodes, graph_node_names[g], json_integer((json_int_t)d->path_node_ns[g]));
	return json_pack("{s:I, s:o, s:o}", "wall_ns", (json_int_t)d->path_ns,
			 "class_ns", class_ns_json(d->path_class_ns), "node_ns", nodes);
}

json_t *decomposition_json(const struct decomposition *d)
{
	json_t *roles = json_object(), *j;

	for (int r = 0; r < ROLE_COUNT; r++)
		json_object_set_new(roles, graph_node_names[r],
				    json_pack("{s:i, s:I, s:o}", "threads", d->roles[r].threads,
					      "life_ns", (json_int_t)d->roles[r].life_ns,
					      "ns", class_ns_json(d->roles[r].ns)));
	j = json_pack("{s:i, s:I, s:I, s:f, s:f, s:o, s:o, s:I, s:f, s:I, s:I}", "ncpus", d->ncpus,
			 "wall_ns", (json_int_t)d->wall_ns, "thread_ns", (json_int_t)d->thread_ns,
			 "cpus_busy", d->cpus_busy, "runnable_threads", d->runnable,
			 "class_ns", class_ns_json(d->class_ns), "roles", roles,
			 "switches", (json_int_t)d->switches, "disk_busy", d->disk_busy,
			 "write_file_bytes", (json_int_t)d->write_bytes,
			 "device_bytes_written", (json_int_t)(d->sectors_written * 512));
	json_object_set_new(j, "critical_path", path_split_json(d));
	return j;
}
