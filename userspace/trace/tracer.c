#include "trace/tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL  /* pidfd of a thread, not only of a process leader (Linux 6.9) */
#endif
#include <bpf/libbpf.h>
#include "model/classify.h"
#include "trace/proc.h"
#include "trace/python.h"
#include "trace/syscall_slots.h"
#include "model/timeline.h"
#include "tracer.skel.h"
#include "base/util.h"

struct tracer {
	struct tracer_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link **sample_links;
	int *sample_fds;
	int ncpus;
	struct syscall_slots *slots;  /* each process's rows of syscall statistics */
	struct run_model *m;
	uint64_t maps_refreshed_ns;
	struct py_resolver *py;
	struct timeline_recorder *timeline;  /* drained from timeline_events until the stop; NULL: off */
	MODEL_ARRAY(struct model_wakeup, pending_edges);  /* counted by threads alive at the end */  /* drained from timeline_events until the stop */
};

void tracer_default_opts(struct tracer_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->freq_hz = 99;
	o->offcpu_stacks = true;
	o->syscall_stats = true;
	o->offcpu_stack_period_ns = 0;
	o->max_procs = 256;
	o->max_wakeups = 65536;
	o->max_stack_aggs = 131072;
	o->max_stacks = 32768;
	o->timeline_ring_bytes = 16 << 20;
}

static int silence_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("CONCTRACE_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static void set_sizes(struct tracer *t, const struct tracer_opts *o)
{
	struct tracer_bpf *s = t->skel;

	t->ncpus = libbpf_num_possible_cpus();
	s->rodata->ncpus = t->ncpus;
	s->rodata->nproc_slots = o->max_procs;
	bpf_map__set_max_entries(s->maps.syscall_stats, t->ncpus * o->max_procs * SYSCALL_SLOTS);
	bpf_map__set_max_entries(s->maps.free_proc_slots, o->max_procs);
	bpf_map__set_max_entries(s->maps.proc_slot_threads, o->max_procs);
	bpf_map__set_max_entries(s->maps.wakeups, o->max_wakeups);
	bpf_map__set_max_entries(s->maps.stack_aggs, o->max_stack_aggs);
	bpf_map__set_max_entries(s->maps.stacks, o->max_stacks);
	bpf_map__set_max_entries(s->maps.py_stacks_sent, o->max_stacks);
	if (o->timeline)
		bpf_map__set_max_entries(s->maps.timeline_events, o->timeline_ring_bytes);
}

static int set_knobs(struct tracer *t, const struct tracer_opts *o, char *err, size_t errlen)
{
	struct tracer_bpf *s = t->skel;
	struct krange ranges[KRANGE_MAX];
	int n = classify_kernel_ranges("/proc/kallsyms", ranges, KRANGE_MAX);

	if (n < 0) {
		snprintf(err, errlen, "cannot read /proc/kallsyms: %s", strerror(errno));
		return -1;
	}
	classify_syscalls((uint8_t *)s->rodata->syscall_kind);
	s->rodata->count_syscalls = o->syscall_stats;
	memcpy((void *)s->rodata->kranges, ranges, n * sizeof(ranges[0]));
	s->rodata->nkranges = n;
	s->rodata->offcpu_stacks = o->offcpu_stacks;
	s->rodata->timeline = o->timeline;
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

static int handle_transition(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;

	if (size >= sizeof(struct timeline_event))
		timeline_recorder_add(t->timeline, data);
	return 0;
}

/* One poll serves both ring buffers: lifecycle events and, when recorded, the timeline. */
static int open_ring_buffers(struct tracer *t, char *err, size_t errlen)
{
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), handle_event, t, NULL);
	if (!t->rb) {
		snprintf(err, errlen, "opening the ring buffer: %s", strerror(errno));
		return -1;
	}
	if (t->timeline &&
	    ring_buffer__add(t->rb, bpf_map__fd(t->skel->maps.timeline_events), handle_transition, t)) {
		snprintf(err, errlen, "opening the timeline ring buffer: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct tracer *tracer_start(const struct tracer_opts *o, struct run_model *m, char *err, size_t errlen)
{
	struct tracer *t = xcalloc(1, sizeof(*t));

	libbpf_set_print(silence_libbpf);
	t->m = m;
	t->py = py_resolver_new();
	t->timeline = o->timeline ? timeline_recorder_new() : NULL;
	t->skel = tracer_bpf__open();
	if (!t->skel) {
		snprintf(err, errlen, "opening the BPF object: %s", strerror(errno));
		goto fail;
	}
	set_sizes(t, o);
	if (set_knobs(t, o, err, errlen))
		goto fail;
	/* Wait classes do not need it: the syscall a thread sleeps in is read from its registers. */
	bpf_program__set_autoload(t->skel->progs.on_sys_exit, o->syscall_stats);
	if (tracer_bpf__load(t->skel)) {
		snprintf(err, errlen, "loading the BPF programs: %s (set CONCTRACE_DEBUG=1 for the verifier log)",
			 strerror(errno));
		goto fail;
	}
	t->slots = syscall_slots_open(bpf_map__fd(t->skel->maps.syscall_stats),
				      bpf_map__fd(t->skel->maps.proc_slot_threads),
				      bpf_map__fd(t->skel->maps.free_proc_slots), o->max_procs, t->ncpus, err,
				      errlen);
	if (!t->slots)
		goto fail;
	if (tracer_bpf__attach(t->skel)) {
		snprintf(err, errlen, "attaching the tracepoints: %s", strerror(errno));
		goto fail;
	}
	if (o->freq_hz && attach_sampling(t, o->freq_hz, err, errlen))
		goto fail;
	if (open_ring_buffers(t, err, errlen))
		goto fail;
	return t;
fail:
	tracer_free(t);
	return NULL;
}

/* Gives thread TID of TGID its tracing state, to be initialised by its first event; FORKED as for
 * tracer_follow. */
static int register_thread(struct tracer *t, pid_t tgid, pid_t tid, uint32_t slot, bool forked)
{
	struct thread_entry e = {
		.proc_slot = slot, .state = STATE_INIT,  /* stacks 0: none captured */
		.acct = { .tid = tid, .tgid = tgid, .flags = TF_ADOPTED },
	};
	uint64_t run, delay, slices, vol, invol;
	int pidfd, rc = 0;

	/* A child just forked starts at zero and is traced from its birth (its start_time, read by BPF).
	 * Else the kernel's counters first, then the start: nothing the kernel counts is missed by ours
	 * (but /proc shows a running thread's run time as of its last scheduler update, a tick old). */
	if (forked)
		e.acct.flags = TF_FORKED | TF_K_START;
	else if (proc_schedstat(tgid, tid, &run, &delay, &slices) && proc_switches(tgid, tid, &vol, &invol)) {
		e.acct.k_runtime[0] = run;
		e.acct.k_run_delay[0] = delay;
		e.acct.k_nvcsw[0] = vol;
		e.acct.k_nivcsw[0] = invol;
		e.acct.flags |= TF_K_START;
	}
	e.acct.start_ns = monotonic_ns();
	pidfd = syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	if (pidfd < 0)
		return -errno;
	/* Held before the BPF side can see the thread, and so release it at its exit. */
	syscall_slots_hold(t->slots, slot);
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.thread_store), &pidfd, &e, BPF_NOEXIST) == 0) {
		__atomic_fetch_add(&t->skel->bss->live_threads, 1, __ATOMIC_SEQ_CST);
	} else {
		rc = errno == EEXIST ? 0 : -errno;  /* EEXIST: born of a traced thread meanwhile */
		syscall_slots_release(t->slots, slot);  /* the tracer_follow hold keeps it above 0 */
	}
	close(pidfd);
	return rc;
}

/* Lets the BPF side walk the Python frames of process P when it runs a known interpreter. */
static void detect_python(struct tracer *t, struct model_process *p)
{
	int fd = bpf_map__fd(t->skel->maps.py_procs);
	struct py_proc py;
	const char *version = py_resolver_detect(t->py, p->pid, &py);

	free(p->python);
	p->python = NULL;
	if (!version) {
		bpf_map_delete_elem(fd, &p->pid);  /* what on_fork may have given it before the exec */
		return;
	}
	if (bpf_map_update_elem(fd, &p->pid, &py, BPF_ANY)) {
		errmsg("warning: pid %u: cannot trace its Python frames: %s", p->pid, strerror(errno));
		return;
	}
	p->python = xstrdup(version);
}

/* How often Python process P's GIL changed hands: as the BPF side noted as its threads exited, else
 * read from it alive. */
static void note_gil_switches(struct tracer *t, struct model_process *p)
{
	int fd = bpf_map__fd(t->skel->maps.py_procs);
	struct py_proc py;
	int64_t live;

	if (!p->python)
		return;
	if (bpf_map_lookup_elem(fd, &p->pid, &py) == 0 && py.gil_switches)
		p->gil_switches = py.gil_switches;
	else if ((live = py_resolver_gil_switches(t->py, p->pid)) >= 0)
		p->gil_switches = live;
}

int tracer_follow(struct tracer *t, pid_t tgid, bool forked)
{
	uint32_t slot = syscall_slots_take(t->slots, tgid);
	struct model_process *p;
	pid_t *tids;
	size_t n = proc_threads(tgid, &tids);
	int rc = n ? 0 : -ESRCH;

	/* Held while its threads are registered: one that exits meanwhile must not free the slot. */
	syscall_slots_hold(t->slots, slot);
	for (size_t i = 0; i < n && !rc; i++)
		rc = register_thread(t, tgid, tids[i], slot, forked);
	free(tids);
	if (syscall_slots_release(t->slots, slot))
		syscall_slots_harvest(t->slots, slot, t->m);
	if (rc)
		return rc;
	p = model_add_process(t->m, tgid);
	p->start_ns = monotonic_ns();  /* a forked child's is its thread's birth (model_add_thread) */
	p->ppid = proc_ppid(tgid);
	if (!p->maps)
		p->maps = proc_exec_maps(tgid);
	detect_python(t, p);
	return 0;
}

static void on_fork(struct tracer *t, const struct lifecycle_event *e)
{
	struct model_process *p = model_add_process(t->m, e->pid), *parent = model_process(t->m, e->ppid);
	struct py_proc py;

	p->ppid = e->ppid;
	/* The BPF side copied the parent's entry, unless it forked before we recognised the parent. */
	if (parent && parent->python && py_resolver_fork(t->py, e->ppid, e->pid, &py)) {
		bpf_map_update_elem(bpf_map__fd(t->skel->maps.py_procs), &p->pid, &py, BPF_NOEXIST);
		p->python = xstrdup(parent->python);
	}
	p->start_ns = e->ts_ns;
	syscall_slots_own(t->slots, e->proc_slot, e->pid);
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
	detect_python(t, p);
}

/* Names a new Python stack's frames now, while its process (or its parent) still lives. */
static void on_py_stack(struct tracer *t, const struct py_stack_event *e)
{
	struct model_pystack *s = VEC_PUSH(t->m->pystacks, t->m->n_pystacks, t->m->cap_pystacks);

	s->id = e->id;
	s->tgid = e->tgid;
	s->frames = py_resolver_name(t->py, e->tgid, &e->stack, &s->depth);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	__u32 type = *(__u32 *)data;

	if (type == EV_THREAD_EXIT && size >= sizeof(struct exit_event)) {
		const struct exit_event *e = data;
		const struct thread_acct *a = &e->acct;
		struct model_process *p;

		if (e->freed_slot)  /* its process's last traced thread */
			syscall_slots_harvest(t->slots, e->freed_slot - 1, t->m);
		model_add_thread(t->m, a);
		p = model_process(t->m, a->tgid);
		if (a->tid == a->tgid && p && p->exit_status < 0) {
			p->exit_status = a->exit_code & 0x7f ? 128 + (a->exit_code & 0x7f) : a->exit_code >> 8;
			note_gil_switches(t, p);
			bpf_map_delete_elem(bpf_map__fd(t->skel->maps.py_procs), &a->tgid);
		}
	} else if (type == EV_FORK && size >= sizeof(struct lifecycle_event)) {
		on_fork(t, data);
	} else if (type == EV_EXEC && size >= sizeof(struct lifecycle_event)) {
		on_exec(t, data);
	} else if (type == EV_PY_STACK && size >= sizeof(struct py_stack_event)) {
		on_py_stack(t, data);
	}
	return 0;
}

int tracer_poll(struct tracer *t, int timeout_ms)
{
	int n = ring_buffer__poll(t->rb, timeout_ms);

	if (n == -EINTR)
		return 0;
	/* the timeline's records never wake the poll: they are read here, at every poll */
	if (n >= 0 && t->timeline) {
		int more = ring_buffer__consume(t->rb);

		n = more < 0 ? more : n + more;
	}
	return n;
}

size_t tracer_live_threads(struct tracer *t)
{
	int64_t n = __atomic_load_n(&t->skel->bss->live_threads, __ATOMIC_SEQ_CST);

	return n > 0 ? n : 0;
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
		if (!p->python && strstr(maps, "/libpython"))  /* loaded after the exec we saw */
			detect_python(t, p);
	}
}

/* A traced thread still alive when tracing stops, with the kernel's counters read just before. */
struct live_thread {
	int pidfd;
	bool have_kernel;
	uint64_t run, delay, vol, invol;
};

static void close_live_thread(struct tracer *t, struct thread_entry *e, const struct live_thread *lt,
			      uint64_t end_ns)
{
	struct thread_acct *a = &e->acct;
	struct model_thread *mt;

	if (e->state < WC_COUNT && end_ns > e->last_ns)
		a->ns[e->state] += end_ns - e->last_ns;
	a->end_ns = end_ns > e->last_ns ? end_ns : e->last_ns;
	if (e->edge.count)  /* the wakeup edge it was still counting */
		*VEC_PUSH(t->pending_edges, t->n_pending_edges, t->cap_pending_edges) =
			(struct model_wakeup){ .k = e->edge_key, .s = e->edge };
	if (lt->have_kernel) {
		a->k_runtime[1] = lt->run;
		a->k_run_delay[1] = lt->delay;
		a->k_nvcsw[1] = lt->vol;
		a->k_nivcsw[1] = lt->invol;
		a->flags |= TF_K_END;
	}
	mt = model_add_thread(t->m, a);
	mt->alive_at_end = true;
}

/* Threads whose exit event did not fit the ring buffer. */
static void drain_dead_threads(struct tracer *t)
{
	int fd = bpf_map__fd(t->skel->maps.dead_threads);
	struct thread_acct a;
	__u32 key, *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &a) == 0)
			model_add_thread(t->m, &a);
	}
}

/* Threads still alive (attach mode, interrupted runs): found through pidfds, with the kernel's
 * counters read now, just before tracing stops, so both sides end at the same moment. */
static size_t find_live_threads(struct tracer *t, struct live_thread **out)
{
	int fd = bpf_map__fd(t->skel->maps.thread_store);
	struct live_thread *live = NULL;
	size_t n_live = 0, cap = 0;

	for (size_t i = 0; i < t->m->n_procs; i++) {
		pid_t tgid = t->m->procs[i].pid, *tids;
		size_t n = proc_threads(tgid, &tids);

		for (size_t j = 0; j < n; j++) {
			int pidfd = syscall(SYS_pidfd_open, tids[j], PIDFD_THREAD);
			struct thread_entry e;
			uint64_t slices;

			if (pidfd < 0)
				continue;
			if (bpf_map_lookup_elem(fd, &pidfd, &e) || e.state == STATE_INIT) {
				close(pidfd);
				continue;
			}
			struct live_thread *lt = VEC_PUSH(live, n_live, cap);
			lt->pidfd = pidfd;
			lt->have_kernel = proc_schedstat(tgid, tids[j], &lt->run, &lt->delay, &slices) &&
					  proc_switches(tgid, tids[j], &lt->vol, &lt->invol);
		}
		free(tids);
	}
	*out = live;
	return n_live;
}

static void drain_live_threads(struct tracer *t, struct live_thread *live, size_t n, uint64_t end_ns)
{
	int fd = bpf_map__fd(t->skel->maps.thread_store);

	for (size_t i = 0; i < n; i++) {
		struct thread_entry e;

		if (bpf_map_lookup_elem(fd, &live[i].pidfd, &e) == 0)
			close_live_thread(t, &e, &live[i], end_ns);
		close(live[i].pidfd);
	}
	free(live);
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

static void add_wakeup(struct tracer *t, const void *key, const void *values, int ncpus)
{
	const struct wakeup_stat *v = values;
	struct model_wakeup *w = VEC_PUSH(t->m->wakeups, t->m->n_wakeups, t->m->cap_wakeups);

	w->k = *(const struct wakeup_key *)key;
	for (int c = 0; c < ncpus; c++) {
		w->s.count += v[c].count;
		w->s.waited_ns += v[c].waited_ns;
		w->s.latency_ns += v[c].latency_ns;
		if (v[c].waker_comm[0]) {
			w->s.waker_tgid = v[c].waker_tgid;
			memcpy(w->s.waker_comm, v[c].waker_comm, COMM_LEN);
		}
	}
}

/* Adds the edges live threads were still counting to the ones drained from the map. */
static void merge_pending_edges(struct tracer *t)
{
	for (size_t i = 0; i < t->n_pending_edges; i++) {
		const struct model_wakeup *p = &t->pending_edges[i];
		struct model_wakeup *w = NULL;

		for (size_t j = 0; j < t->m->n_wakeups && !w; j++)
			if (!memcmp(&t->m->wakeups[j].k, &p->k, sizeof(p->k)))
				w = &t->m->wakeups[j];
		if (!w) {
			*VEC_PUSH(t->m->wakeups, t->m->n_wakeups, t->m->cap_wakeups) = *p;
			continue;
		}
		w->s.count += p->s.count;
		w->s.waited_ns += p->s.waited_ns;
		w->s.latency_ns += p->s.latency_ns;
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

/* Copies out every stored stack. */
static void drain_stacks(struct tracer *t)
{
	int fd = bpf_map__fd(t->skel->maps.stacks);
	struct stack_trace st;
	__u64 key, *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &st) || st.depth > STACK_DEPTH)
			continue;
		struct model_stack *s = VEC_PUSH(t->m->stacks, t->m->n_stacks, t->m->cap_stacks);
		s->id = key;
		s->depth = st.depth;
		s->ips = xcalloc(st.depth, sizeof(*s->ips));
		memcpy(s->ips, st.ips, st.depth * sizeof(*s->ips));
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

/* The tree's switches (switch-outs of its threads) and wakeups, from the accounting. */
static void count_tree_events(struct run_model *m)
{
	for (size_t i = 0; i < m->n_threads; i++)
		m->counters[CNT_SWITCH] += m->threads[i].acct.nvcsw + m->threads[i].acct.nivcsw;
	for (size_t i = 0; i < m->n_wakeups; i++)
		m->counters[CNT_WAKEUP] += m->wakeups[i].s.count;
}

/* Runs of our programs the kernel skipped (recursion protection): events we never saw. */
static void count_missed_runs(struct tracer *t)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, t->skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0)
			t->m->counters[DROP_PROG_MISSED] += info.recursion_misses;
	}
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

uint64_t tracer_stop(struct tracer *t)
{
	struct live_thread *live;
	size_t n_live = find_live_threads(t, &live);
	uint64_t end_ns = monotonic_ns();

	/* Freeze every thread's state at END_NS, then detach at leisure. */
	__atomic_store_n(&t->skel->bss->stop_ns, end_ns, __ATOMIC_SEQ_CST);
	detach(t);
	ring_buffer__consume(t->rb);
	drain_dead_threads(t);
	drain_live_threads(t, live, n_live, end_ns);
	for (size_t i = 0; i < t->m->n_procs; i++)
		if (t->m->procs[i].gil_switches < 0)
			note_gil_switches(t, &t->m->procs[i]);
	syscall_slots_drain(t->slots, t->m);
	drain_percpu(t->skel->maps.wakeups, sizeof(struct wakeup_stat), t->ncpus, t, add_wakeup);
	merge_pending_edges(t);
	drain_percpu(t->skel->maps.stack_aggs, sizeof(struct stack_stat), t->ncpus, t, add_stack_agg);
	drain_stacks(t);
	drain_blk(t);
	drain_counters(t);
	count_missed_runs(t);
	count_tree_events(t->m);
	if (t->timeline)
		timeline_recorder_build(t->timeline, t->m);
	return end_ns;
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
	syscall_slots_close(t->slots);
	py_resolver_free(t->py);
	timeline_recorder_free(t->timeline);
	free(t->pending_edges);
	free(t);
}
