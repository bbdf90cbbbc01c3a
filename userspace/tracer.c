#include "tracer_ctl.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "classify.h"
#include "proc.h"
#include "tracer.skel.h"
#include "util.h"

struct tracer {
	struct tracer_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link **sample_links;
	int *sample_fds;
	int ncpus;
	struct run_model *m;
	uint64_t maps_refreshed_ns;
};

void tracer_default_opts(struct tracer_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->freq_hz = 99;
	o->offcpu_stacks = true;
	o->offcpu_stack_period_ns = 0;
	o->max_threads = 32768;
	o->max_procs = 8192;
	o->max_syscalls = 16384;
	o->max_wakeups = 65536;
	o->max_stack_aggs = 131072;
	o->max_stacks = 32768;
}

static int silence_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("CONCTRACE_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static void set_sizes(struct tracer_bpf *s, const struct tracer_opts *o)
{
	bpf_map__set_max_entries(s->maps.threads, o->max_threads);
	bpf_map__set_max_entries(s->maps.traced_procs, o->max_procs);
	bpf_map__set_max_entries(s->maps.syscall_stats, o->max_syscalls);
	bpf_map__set_max_entries(s->maps.wakeups, o->max_wakeups);
	bpf_map__set_max_entries(s->maps.stack_aggs, o->max_stack_aggs);
	bpf_map__set_max_entries(s->maps.stacks, o->max_stacks);
}

static int set_knobs(struct tracer_bpf *s, const struct tracer_opts *o, char *err, size_t errlen)
{
	struct krange ranges[KRANGE_MAX];
	int n = classify_kernel_ranges("/proc/kallsyms", ranges, KRANGE_MAX);

	if (n < 0) {
		snprintf(err, errlen, "cannot read /proc/kallsyms: %s", strerror(errno));
		return -1;
	}
	classify_syscalls((uint8_t *)s->rodata->syscall_kind);
	memcpy((void *)s->rodata->kranges, ranges, n * sizeof(ranges[0]));
	s->rodata->nkranges = n;
	s->rodata->offcpu_stacks = o->offcpu_stacks;
	s->rodata->offcpu_stack_period_ns = o->offcpu_stack_period_ns;
	s->rodata->sample_period_ns = o->freq_hz ? NSEC_PER_SEC / o->freq_hz : 0;
	return 0;
}

/* One software cpu-clock sampling event per CPU, each running the sample program. */
static int attach_sampling(struct tracer *t, uint32_t freq, char *err, size_t errlen)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE, .config = PERF_COUNT_SW_CPU_CLOCK,
		.size = sizeof(attr), .freq = 1, .sample_freq = freq,
	};

	t->ncpus = libbpf_num_possible_cpus();
	t->sample_links = xcalloc(t->ncpus, sizeof(*t->sample_links));
	t->sample_fds = xcalloc(t->ncpus, sizeof(*t->sample_fds));
	for (int cpu = 0; cpu < t->ncpus; cpu++) {
		t->sample_fds[cpu] = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (t->sample_fds[cpu] < 0) {
			if (errno == ENODEV)  /* possible but offline CPU */
				continue;
			snprintf(err, errlen, "perf_event_open(cpu-clock, cpu %d): %s", cpu, strerror(errno));
			return -1;
		}
		t->sample_links[cpu] = bpf_program__attach_perf_event(t->skel->progs.on_cpu_sample,
								      t->sample_fds[cpu]);
		if (!t->sample_links[cpu]) {
			snprintf(err, errlen, "attaching the CPU sampler: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int handle_event(void *ctx, void *data, size_t size);

struct tracer *tracer_start(const struct tracer_opts *o, struct run_model *m, char *err, size_t errlen)
{
	struct tracer *t = xcalloc(1, sizeof(*t));

	libbpf_set_print(silence_libbpf);
	t->m = m;
	t->skel = tracer_bpf__open();
	if (!t->skel) {
		snprintf(err, errlen, "opening the BPF object: %s", strerror(errno));
		goto fail;
	}
	set_sizes(t->skel, o);
	if (set_knobs(t->skel, o, err, errlen))
		goto fail;
	if (tracer_bpf__load(t->skel)) {
		snprintf(err, errlen, "loading the BPF programs: %s (set CONCTRACE_DEBUG=1 for the verifier log)",
			 strerror(errno));
		goto fail;
	}
	if (tracer_bpf__attach(t->skel)) {
		snprintf(err, errlen, "attaching the tracepoints: %s", strerror(errno));
		goto fail;
	}
	if (o->freq_hz && attach_sampling(t, o->freq_hz, err, errlen))
		goto fail;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), handle_event, t, NULL);
	if (!t->rb) {
		snprintf(err, errlen, "opening the ring buffer: %s", strerror(errno));
		goto fail;
	}
	return t;
fail:
	tracer_free(t);
	return NULL;
}

int tracer_follow(struct tracer *t, pid_t tgid)
{
	__u32 key = tgid;
	__u8 one = 1;
	struct model_process *p;

	if (bpf_map__update_elem(t->skel->maps.traced_procs, &key, sizeof(key), &one, sizeof(one), BPF_ANY))
		return -errno;
	p = model_add_process(t->m, tgid);
	p->start_ns = monotonic_ns();
	p->ppid = proc_ppid(tgid);
	if (!p->maps)
		p->maps = proc_exec_maps(tgid);
	return 0;
}

static void on_fork(struct tracer *t, const struct lifecycle_event *e)
{
	struct model_process *p = model_add_process(t->m, e->pid);

	p->ppid = e->ppid;
	p->start_ns = e->ts_ns;
	memcpy(p->comm, e->comm, COMM_LEN);
	p->maps = proc_exec_maps(e->pid);
}

static void on_exec(struct tracer *t, const struct lifecycle_event *e)
{
	struct model_process *p = model_add_process(t->m, e->pid);

	memcpy(p->comm, e->comm, COMM_LEN);
	free(p->exe);
	p->exe = xstrdup(e->filename);
	free(p->cmdline);
	p->cmdline = proc_cmdline(e->pid);
	free(p->maps);
	p->maps = proc_exec_maps(e->pid);
	t->maps_refreshed_ns = 0;  /* libraries load after exec: look again soon */
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	__u32 type = *(__u32 *)data;

	if (type == EV_THREAD_EXIT && size >= sizeof(struct exit_event)) {
		const struct thread_acct *a = &((struct exit_event *)data)->acct;
		struct model_process *p;

		model_add_thread(t->m, a);
		p = model_process(t->m, a->tgid);
		if (a->tid == a->tgid && p && p->exit_status < 0)
			p->exit_status = a->exit_code & 0x7f ? 128 + (a->exit_code & 0x7f) : a->exit_code >> 8;
	} else if (type == EV_FORK && size >= sizeof(struct lifecycle_event)) {
		on_fork(t, data);
	} else if (type == EV_EXEC && size >= sizeof(struct lifecycle_event)) {
		on_exec(t, data);
	}
	return 0;
}

int tracer_poll(struct tracer *t, int timeout_ms)
{
	int n = ring_buffer__poll(t->rb, timeout_ms);

	return n == -EINTR ? 0 : n;
}

size_t tracer_live_threads(struct tracer *t)
{
	int fd = bpf_map__fd(t->skel->maps.threads);
	__u32 key, *prev = NULL;
	size_t n = 0;

	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		n++;
		prev = &key;
	}
	return n;
}

void tracer_refresh_maps(struct tracer *t)
{
	uint64_t now = monotonic_ns();

	if (now - t->maps_refreshed_ns < 200 * 1000000ULL)
		return;
	t->maps_refreshed_ns = now;
	for (size_t i = 0; i < t->m->n_procs; i++) {
		struct model_process *p = &t->m->procs[i];
		char *maps;

		if (p->exit_status >= 0)  /* exited: its pid may belong to someone else now */
			continue;
		maps = proc_exec_maps(p->pid);
		if (!maps)
			continue;
		free(p->maps);
		p->maps = maps;
	}
}

/* A thread still alive when tracing stops: close its interval at END_NS and read the kernel's
 * counters from /proc for the cross-check. */
static void close_live_thread(struct tracer *t, struct thread_entry *e, uint64_t end_ns)
{
	struct thread_acct *a = &e->acct;
	uint64_t run, delay, slices, vol, invol;
	struct model_thread *mt;

	if (e->state < WC_COUNT && end_ns > e->last_ns)
		a->ns[e->state] += end_ns - e->last_ns;
	a->end_ns = end_ns > e->last_ns ? end_ns : e->last_ns;
	if (proc_schedstat(a->tgid, a->tid, &run, &delay, &slices) &&
	    proc_switches(a->tgid, a->tid, &vol, &invol)) {
		a->k_runtime[1] = run;
		a->k_run_delay[1] = delay;
		a->k_nvcsw[1] = vol;
		a->k_nivcsw[1] = invol;
		a->flags |= TF_K_END;
	}
	mt = model_add_thread(t->m, a);
	mt->alive_at_end = true;
}

static void drain_threads(struct tracer *t, uint64_t end_ns)
{
	int fd = bpf_map__fd(t->skel->maps.threads);
	struct thread_entry e;
	__u32 key, *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &e))
			continue;
		if (e.acct.flags & TF_DEAD)  /* its exit event was dropped */
			model_add_thread(t->m, &e.acct);
		else
			close_live_thread(t, &e, end_ns);
	}
}

/* Iterates a per-CPU hash: FN gets each key and the values of every CPU. */
static void drain_percpu(struct bpf_map *map, size_t value_size, int ncpus, struct tracer *t,
			 void (*fn)(struct tracer *, const void *key, const void *values, int ncpus))
{
	int fd = bpf_map__fd(map);
	size_t key_size = bpf_map__key_size(map);
	char *key = xcalloc(1, key_size), *prev = NULL;
	char *values = xcalloc(ncpus, value_size);

	while (bpf_map_get_next_key(fd, prev, key) == 0) {
		if (!prev)
			prev = xcalloc(1, key_size);
		memcpy(prev, key, key_size);
		if (bpf_map_lookup_elem(fd, key, values) == 0)
			fn(t, key, values, ncpus);
	}
	free(key);
	free(prev);
	free(values);
}

static void add_syscall(struct tracer *t, const void *key, const void *values, int ncpus)
{
	const struct syscall_key *k = key;
	const struct syscall_stat *v = values;
	struct model_syscall *s = VEC_PUSH(t->m->syscalls, t->m->n_syscalls, t->m->cap_syscalls);

	s->tgid = k->tgid;
	s->nr = k->nr;
	for (int c = 0; c < ncpus; c++) {
		s->s.count += v[c].count;
		s->s.errors += v[c].errors;
		s->s.total_ns += v[c].total_ns;
		s->s.bytes += v[c].bytes;
		if (v[c].max_ns > s->s.max_ns)
			s->s.max_ns = v[c].max_ns;
	}
}

static void add_wakeup(struct tracer *t, const void *key, const void *values, int ncpus)
{
	const struct wakeup_stat *v = values;
	struct model_wakeup *w = VEC_PUSH(t->m->wakeups, t->m->n_wakeups, t->m->cap_wakeups);

	w->k = *(const struct wakeup_key *)key;
	for (int c = 0; c < ncpus; c++) {
		w->s.count += v[c].count;
		w->s.waited_ns += v[c].waited_ns;
		if (v[c].waker_comm[0]) {
			w->s.waker_tgid = v[c].waker_tgid;
			memcpy(w->s.waker_comm, v[c].waker_comm, COMM_LEN);
		}
	}
}

static void add_stack_agg(struct tracer *t, const void *key, const void *values, int ncpus)
{
	const struct stack_stat *v = values;
	struct model_stack_agg *s = VEC_PUSH(t->m->stack_aggs, t->m->n_stack_aggs, t->m->cap_stack_aggs);

	s->k = *(const struct stack_key *)key;
	for (int c = 0; c < ncpus; c++) {
		s->s.count += v[c].count;
		s->s.ns += v[c].ns;
	}
}

static bool have_stack(const struct run_model *m, int32_t id)
{
	for (size_t i = 0; i < m->n_stacks; i++)
		if (m->stacks[i].id == id)
			return true;
	return false;
}

/* Copies out every stack an aggregate refers to, trimmed at its first empty frame. */
static void drain_stacks(struct tracer *t)
{
	int fd = bpf_map__fd(t->skel->maps.stacks);
	__u64 ips[STACK_DEPTH];

	for (size_t i = 0; i < t->m->n_stack_aggs; i++) {
		int32_t ids[2] = { t->m->stack_aggs[i].k.kstack, t->m->stack_aggs[i].k.ustack };

		for (int j = 0; j < 2; j++) {
			__u32 id = ids[j];
			uint32_t depth = 0;

			if (ids[j] < 0 || have_stack(t->m, ids[j]) || bpf_map_lookup_elem(fd, &id, ips))
				continue;
			while (depth < STACK_DEPTH && ips[depth])
				depth++;
			struct model_stack *s = VEC_PUSH(t->m->stacks, t->m->n_stacks, t->m->cap_stacks);
			s->id = ids[j];
			s->depth = depth;
			s->ips = xcalloc(depth, sizeof(*s->ips));
			memcpy(s->ips, ips, depth * sizeof(*ips));
		}
	}
}

static void drain_blk(struct tracer *t)
{
	int fd = bpf_map__fd(t->skel->maps.blk_stats);
	struct blk_key key, *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		struct model_blk *b = VEC_PUSH(t->m->blks, t->m->n_blks, t->m->cap_blks);

		b->k = key;
		if (bpf_map_lookup_elem(fd, &key, &b->s))
			t->m->n_blks--;
		prev = &key;
	}
}

static void drain_counters(struct tracer *t)
{
	int fd = bpf_map__fd(t->skel->maps.counters);
	__u64 *values = xcalloc(t->ncpus, sizeof(*values));

	for (__u32 i = 0; i < CNT_COUNT; i++) {
		if (bpf_map_lookup_elem(fd, &i, values))
			continue;
		for (int c = 0; c < t->ncpus; c++)
			t->m->counters[i] += values[c];
	}
	free(values);
}

static void detach(struct tracer *t)
{
	for (int cpu = 0; t->sample_links && cpu < t->ncpus; cpu++) {
		bpf_link__destroy(t->sample_links[cpu]);
		t->sample_links[cpu] = NULL;
		if (t->sample_fds[cpu] > 0)
			close(t->sample_fds[cpu]);
		t->sample_fds[cpu] = -1;
	}
	if (t->skel)
		tracer_bpf__detach(t->skel);
}

void tracer_stop(struct tracer *t, uint64_t end_ns)
{
	detach(t);
	ring_buffer__consume(t->rb);
	t->ncpus = libbpf_num_possible_cpus();
	drain_threads(t, end_ns);
	drain_percpu(t->skel->maps.syscall_stats, sizeof(struct syscall_stat), t->ncpus, t, add_syscall);
	drain_percpu(t->skel->maps.wakeups, sizeof(struct wakeup_stat), t->ncpus, t, add_wakeup);
	drain_percpu(t->skel->maps.stack_aggs, sizeof(struct stack_stat), t->ncpus, t, add_stack_agg);
	drain_stacks(t);
	drain_blk(t);
	drain_counters(t);
}

void tracer_free(struct tracer *t)
{
	if (!t)
		return;
	detach(t);
	ring_buffer__free(t->rb);
	tracer_bpf__destroy(t->skel);
	free(t->sample_links);
	free(t->sample_fds);
	free(t);
}
