// SPDX-License-Identifier: GPL-2.0
/* conctrace kernel side: per-thread state accounting of a traced process tree.
 * Everything is aggregated in maps; only lifecycle events go through the ring buffer. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "tracer.h"

char LICENSE[] SEC("license") = "GPL";

/* Knobs, set by user space between open and load. */
const volatile __u8 syscall_kind[SYSCALL_SLOTS] = {};
const volatile struct krange kranges[KRANGE_MAX] = {};
const volatile __u32 nkranges = 0;
const volatile __u64 offcpu_stack_period_ns = 0;  /* 0: capture stacks at every switch-out */
const volatile bool offcpu_stacks = true;
const volatile __u64 sample_period_ns = 10101010;
const volatile __u32 nproc_slots = 1;             /* rows of syscall_stats per CPU; the last is shared */
const volatile __u32 ncpus = 1;
const volatile bool timeline = false;             /* stream state transitions to timeline_events */
const volatile bool count_syscalls = true;         /* per-syscall statistics (on_sys_exit is loaded) */

/* Shared with user space through the mmap'ed .bss. */
__s64 live_threads;     /* traced threads not yet seen exiting */
__u64 stop_ns;          /* set when tracing ends: from then on no state changes */

#define TASK_RUNNING         0x0000
#define TASK_INTERRUPTIBLE   0x0001
#define TASK_UNINTERRUPTIBLE 0x0002
#define TASK_DEAD            0x0080
#define PF_IO_WORKER         0x00000010  /* an io_uring worker thread (iou-wrk, iou-sqp) */
#define PF_EXITING           0x00000004
#define S_IFMT   00170000
#define S_IFSOCK 0140000
#define S_IFIFO  0010000
#define S_IFREG  0100000
#define S_IFBLK  0060000
#define IRQ_DEPTH_CPUS 1024  /* CPUs whose interrupt nesting is tracked (by id, modulo this) */
#define AF_UNIX  1
#define E2BIG    7
#define ENOSYS   38
#define NR_RT_SIGRETURN 15  /* x86-64 */

/* A traced thread's state lives with the task itself: cheaper than a hash keyed by tid, and
 * untraced tasks cost one failed lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_entry);
} thread_store SEC(".maps");

/* Dead threads whose exit event found the ring buffer full; user space collects them at the end. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct thread_acct);
} dead_threads SEC(".maps");

/* Sizes are placeholders: user space sets max_entries before load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);  /* user space harvests a dead process's rows in place */
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct syscall_stat);
} syscall_stats SEC(".maps");

/* Syscall statistics slots no process holds. User space fills it, a fork into a new process takes
 * one, and user space gives a slot back once it has harvested the rows of the process that held
 * it. The last slot is never in it: processes that find it empty share that one. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 1);
	__type(value, __u32);
} free_proc_slots SEC(".maps");

/* Traced threads holding each slot (user space registers threads too): the last one's exit frees
 * the slot. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} proc_slot_threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct wakeup_key);
	__type(value, struct wakeup_stat);
} wakeups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct stack_key);
	__type(value, struct stack_stat);
} stack_aggs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct stack_trace);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct blk_inflight);
} blk_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct blk_key);
	__type(value, struct blk_stat);
} blk_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CNT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_trace);
} stack_scratch SEC(".maps");

/* Python processes (tgid -> interpreter), from user space and inherited at fork. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct py_proc);
} py_procs SEC(".maps");

/* Ids of the Python stacks already sent to user space (the frames travel in the event). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u8);
} py_stacks_sent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct py_stack_event);
} py_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* The timeline's transitions; user space sizes it (the placeholder keeps the object loadable). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 12);
} timeline_events SEC(".maps");


/* The value under KEY, created from INIT when missing; NULL when the map is full. */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *init)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		(*c)++;
}

/* Thread T's row of syscall NR's statistics on this CPU. */
static __always_inline struct syscall_stat *syscall_stat_of(const struct thread_entry *t, __u32 nr)
{
	__u32 idx = (bpf_get_smp_processor_id() * nproc_slots + t->proc_slot) * SYSCALL_SLOTS + nr;

	return bpf_map_lookup_elem(&syscall_stats, &idx);
}

/* A new traced thread of the process in SLOT (the shared last slot is not counted). */
static __always_inline void hold_proc_slot(__u32 slot)
{
	__u32 *threads = slot < nproc_slots - 1 ? bpf_map_lookup_elem(&proc_slot_threads, &slot) : NULL;

	if (threads)
		__sync_fetch_and_add(threads, 1);
}

/* A traced thread of the process in SLOT is gone: returns SLOT + 1 when it was the last one, so
 * that user space can harvest the slot's rows and free it; else 0. */
static __always_inline __u32 release_proc_slot(__u32 slot)
{
	__u32 *threads = slot < nproc_slots - 1 ? bpf_map_lookup_elem(&proc_slot_threads, &slot) : NULL;

	return threads && __sync_fetch_and_add(threads, -1) == 1 ? slot + 1 : 0;
}

/* Reads the scheduler's own counters of TASK into slot I of the thread's kernel snapshot. */
static __always_inline void snapshot_kernel_acct(struct thread_acct *a, struct task_struct *task, int i)
{
	a->k_runtime[i] = BPF_CORE_READ(task, se.sum_exec_runtime);
	a->k_run_delay[i] = BPF_CORE_READ(task, sched_info.run_delay);
	a->k_nvcsw[i] = BPF_CORE_READ(task, nvcsw);
	a->k_nivcsw[i] = BPF_CORE_READ(task, nivcsw);
}

/* The scheduler's run time of TASK (a tracepoint's argument): current at its switch-out. */
static __always_inline __u64 run_time(struct task_struct *task)
{
	return task->se.sum_exec_runtime;
}

/* How much of the time the scheduler clock of TASK's CPU has counted it left out of run time so
 * far: host steal (paravirt steal time) and, on kernels that account it apart, IRQ time. Both
 * clocks move together when the scheduler updates them, as __schedule does before sched_switch, so
 * the growth of their difference over a stretch on the CPU is what the stretch's run time leaves
 * out, exactly; the host's own steal clock may say more (the scheduler drops what exceeds the time
 * since its previous update). The runqueue is reached through the task (the per-CPU `runqueues` is
 * not in kallsyms without CONFIG_KALLSYMS_ALL). */
static __always_inline __u64 unaccounted_clock(struct task_struct *task)
{
	struct rq *rq = task->se.cfs_rq->rq;

	return rq->clock - rq->clock_task;
}

/* A registered thread lived unseen from its registration (a forked one: its birth) to its first
 * event. The scheduler's counters since then, when user space read them (k_*[0]; zero for a forked
 * one), say how long it ran (exact at a switch) and waited for a CPU (its completed waits): else a
 * child that waited for a CPU until its first switch-out would count that wait as running. The
 * rest is left to the STATE the first event reveals, or is a sleep when that event shows it
 * running. Without the counters, all of it is that state. The time is charged here when the thread
 * is running, so that its first switch-out sees no stretch on the CPU. */
static __always_inline void charge_unseen_start(struct thread_entry *t, struct task_struct *task, __u64 now,
						__u32 state)
{
	__u64 span = now > t->last_ns ? now - t->last_ns : 0;
	__u64 on = run_time(task), queued = BPF_CORE_READ(task, sched_info.run_delay);
	bool counted = t->acct.flags & TF_K_START;

	if (counted) {
		on = on > t->acct.k_runtime[0] ? on - t->acct.k_runtime[0] : 0;
		queued = queued > t->acct.k_run_delay[0] ? queued - t->acct.k_run_delay[0] : 0;
		if (on > span)
			on = span;
		if (queued > span - on)
			queued = span - on;
		t->acct.ns[WC_ONCPU] += on;
		t->acct.ns[WC_RUNQUEUE] += queued;
		t->last_ns += on + queued;
	}
	if (state == WC_ONCPU) {
		t->acct.ns[counted ? WC_OTHER_SLEEP : WC_ONCPU] += now - t->last_ns;
		t->last_ns = now;
	}
}

/* First event of a thread: a new one starts now; one registered by user space started when it was
 * registered (a forked one at its birth), in the STATE this first event reveals (running if it now
 * leaves the CPU, runnable if it now gets one, asleep if it is now woken). */
static __always_inline void init_thread(struct thread_entry *t, struct task_struct *task, __u64 now,
					__u32 state)
{
	if (t->acct.flags & TF_FORKED)
		t->acct.start_ns = BPF_CORE_READ(task, start_time);
	if (!t->acct.start_ns)
		t->acct.start_ns = now;
	t->last_ns = t->acct.start_ns;
	t->state = state;
	t->run_out = run_time(task);
	t->unaccounted_in = unaccounted_clock(task);
	charge_unseen_start(t, task, now, state);
	BPF_CORE_READ_STR_INTO(&t->acct.comm, task, comm);
	if (!(t->acct.flags & TF_K_START))
		snapshot_kernel_acct(&t->acct, task, 0);
}

/* The state of TASK when it is traced, else NULL. */
static __always_inline struct thread_entry *thread_of(struct task_struct *task, __u64 now, __u32 state)
{
	struct thread_entry *t = bpf_task_storage_get(&thread_store, task, NULL, 0);

	if (t && t->state == STATE_INIT)
		init_thread(t, task, now, state);
	return t;
}

/* Starts tracing CHILD, born of a traced thread P, in SLOT. Its memory is P's (or a copy): so is
 * its GIL, which a new Python thread waits for first. */
static __always_inline void new_thread(struct task_struct *child, const struct thread_entry *p, __u32 slot,
				       __u64 now)
{
	/* Created zeroed (a thread_entry is too big for the BPF stack), then filled in. */
	struct thread_entry *t = bpf_task_storage_get(&thread_store, child, NULL,
						      BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!t) {
		count(DROP_THREAD_MAP_FULL);
		return;
	}
	t->proc_slot = slot;
	hold_proc_slot(slot);
	t->py_gil = p->py_gil;
	t->py_gil_size = p->py_gil_size;
	t->acct.tid = child->pid;
	t->acct.tgid = child->tgid;
	t->acct.creator_tid = p->acct.tid;
	__sync_fetch_and_add(&live_threads, 1);
	/* Runnable from birth: wake_up_new_task follows at once. */
	init_thread(t, child, now, WC_RUNQUEUE);
}

/* Charges the time since the last transition to the current state. */
static __always_inline void accrue(struct thread_entry *t, __u64 now)
{
	__u32 s = t->state;

	if (s < WC_COUNT && now > t->last_ns)
		t->acct.ns[s] += now - t->last_ns;
	t->last_ns = now;
}

static __always_inline void enter_state(struct thread_entry *t, __u32 state)
{
	t->state = state;
	if (state < WC_COUNT)
		t->acct.blocks[state]++;
}

static __always_inline __u32 class_of_kernel_stack(void *ctx)
{
	__u32 zero = 0;
	struct stack_trace *st = bpf_map_lookup_elem(&stack_scratch, &zero);
	__u64 *frames;
	long len;

	if (!st)
		return WC_OTHER_D;
	frames = st->ips;
	len = bpf_get_stack(ctx, frames, KSTACK_SCAN_DEPTH * sizeof(__u64), 0);
	if (len <= 0)
		return WC_OTHER_D;
	for (int i = 0; i < KSTACK_SCAN_DEPTH; i++) {
		if (i * sizeof(__u64) >= len)
			break;
		for (__u32 r = 0; r < KRANGE_MAX && r < nkranges; r++)
			if (frames[i] >= kranges[r].start && frames[i] < kranges[r].end)
				return kranges[r].wait_class;
	}
	return WC_OTHER_D;
}

/* Casts a kernel pointer read as a number back to a typed one: loads through it are then plain
 * (fault-safe) loads, much cheaper than one probe-read helper call per field. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* What file descriptor FD of TASK is: a file, a pipe or unix socket, another socket, or else. */
static __always_inline __u32 fd_kind(struct task_struct *task, __u64 fd)
{
	struct fdtable *fdt = task->files->fdt;
	struct file *f = NULL;
	struct socket *sock;
	__u16 mode;

	if (fd >= fdt->max_fds)
		return FK_OTHER;
	bpf_probe_read_kernel(&f, sizeof(f), &fdt->fd[fd]);
	if (!f)
		return FK_OTHER;
	f = bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
	mode = f->f_inode->i_mode & S_IFMT;
	if (mode == S_IFREG || mode == S_IFBLK)
		return FK_FILE;
	if (mode == S_IFIFO)
		return FK_PIPE;
	if (mode != S_IFSOCK)
		return FK_OTHER;
	sock = bpf_rdonly_cast(f->private_data, bpf_core_type_id_kernel(struct socket));
	return sock->sk->__sk_common.skc_family == AF_UNIX ? FK_PIPE : FK_NET;
}

/* Class of a blocking read/write on file descriptor FD: socket, unix socket or pipe. */
static __always_inline __u32 class_of_fd(struct task_struct *task, __u64 fd)
{
	switch (fd_kind(task, fd)) {
	case FK_PIPE: return WC_PIPE;
	case FK_NET:  return WC_NET;
	default:      return WC_OTHER_SLEEP;
	}
}

/* Class of a wait on the first descriptor of a poll or select (curl and subprocess.communicate poll
 * one socket or pipe without any loop): FD -1 is none at all, a sleep; any other file is an event
 * loop's wait. */
static __always_inline __u32 class_of_polled(struct task_struct *task, int fd)
{
	__u32 class;

	if (fd < 0)
		return WC_TIMER;
	class = class_of_fd(task, fd);
	return class == WC_OTHER_SLEEP ? WC_LOOP_IDLE : class;
}

/* poll(FDS, NFDS, ...) */
static __always_inline __u32 class_of_poll(struct task_struct *task, __u64 fds, __u64 nfds)
{
	int fd = -1;

	if (nfds && bpf_probe_read_user(&fd, sizeof(fd), (void *)fds))
		return WC_LOOP_IDLE;
	return class_of_polled(task, nfds ? fd : -1);
}

/* The index of the lowest bit set in W (not 0); LLVM 14 cannot select BPF code for ctz. */
static __always_inline int lowest_bit(__u64 w)
{
	int n = 0;

	for (int half = 32; half > 0; half /= 2)
		if (!(w & ((1ULL << half) - 1))) {
			n += half;
			w >>= half;
		}
	return n;
}

/* select(NFDS, READFDS, WRITEFDS, ...): the lowest descriptor of the first 64 of either set. */
static __always_inline __u32 class_of_select(struct task_struct *task, __u64 nfds, __u64 readfds,
					     __u64 writefds)
{
	__u64 set = readfds ? readfds : writefds, word = 0;

	if (!nfds || !set)
		return WC_TIMER;
	if (bpf_probe_read_user(&word, sizeof(word), (void *)set) || !word)
		return WC_LOOP_IDLE;
	return class_of_polled(task, lowest_bit(word));
}

/* A futex wait of a Python process on an address (FUTEX) inside its interpreter's GIL state. The
 * GIL is remembered at stack captures: no lookup per switch. */
static __always_inline bool waits_for_gil(struct thread_entry *t, __u64 futex)
{
	return futex - t->py_gil < t->py_gil_size;
}

/* The syscall TASK sleeps in, from the registers its entry into the kernel saved: the syscall
 * entry sets ax to -ENOSYS, which stays until the call returns; an exception or interrupt from user
 * space keeps the user's ax, kernel threads have zeroed registers and io_uring workers a copy of
 * their creator's with ax = 0. So nothing per syscall is needed to classify, and a call that
 * began before tracing is classified too. */
static __always_inline __u32 class_of_sleep(struct task_struct *prev, struct pt_regs *regs, struct thread_entry *t)
{
	__u64 nr = regs->orig_ax, arg0 = regs->di;

	t->wait_arg = arg0;  /* a futex's address: whoever wakes that address ends the wait */
	if (regs->ax != (__u64)-ENOSYS || nr >= SYSCALL_SLOTS)
		return WC_OTHER_SLEEP;
	switch (syscall_kind[nr & (SYSCALL_SLOTS - 1)] & SK_KIND_MASK) {
	case SK_LOCK:   return waits_for_gil(t, arg0) ? WC_GIL : WC_LOCK;
	case SK_LOOP:   return WC_LOOP_IDLE;
	case SK_TIMER:  return WC_TIMER;
	case SK_CHILD:  return WC_CHILD;
	case SK_NET:    /* a socket call: the socket's family tells network from local IPC */
	case SK_FD:     return class_of_fd(prev, arg0);
	case SK_POLL:   return class_of_poll(prev, arg0, regs->si);
	case SK_SELECT: return class_of_select(prev, arg0, regs->si, regs->dx);
	default:       return WC_OTHER_SLEEP;
	}
}

/* REGS: the registers PREV's entry into the kernel saved (class_of_sleep). */
static __always_inline __u32 class_of_block(void *ctx, struct task_struct *prev, struct pt_regs *regs,
					    unsigned int state, struct thread_entry *t)
{
	if (state & TASK_UNINTERRUPTIBLE) {
		if (BPF_CORE_READ_BITFIELD(prev, in_iowait))
			return WC_DISK;
		return class_of_kernel_stack(ctx);
	}
	if (state & TASK_INTERRUPTIBLE)
		return class_of_sleep(prev, regs, t);
	return WC_OTHER_SLEEP;
}

/* Walks the current stack (kernel, or user with BPF_F_USER_STACK), stores it once under the hash
 * of its frames and returns that hash; 0 when there is none. */
static __always_inline __u64 store_stack(void *ctx, __u64 flags)
{
	__u32 zero = 0;
	struct stack_trace *st = bpf_map_lookup_elem(&stack_scratch, &zero);
	__u64 h = flags ? 0x9e3779b97f4a7c15ULL : 0xcbf29ce484222325ULL;
	long len;

	if (!st)
		return 0;
	len = bpf_get_stack(ctx, st->ips, sizeof(st->ips), flags);
	if (len < 0 && !flags)  /* a user stack is legitimately absent in kernel threads */
		count(DROP_STACK_ERROR);
	if (len <= 0)         /* empty: a sample taken in user mode has no kernel stack */
		return 0;
	st->depth = len / sizeof(__u64);
	for (int i = 0; i < STACK_DEPTH; i++) {
		if (i >= st->depth)
			break;
		h = (h ^ st->ips[i]) * 0x100000001b3ULL;  /* FNV-1a over whole frames */
	}
	h |= 1;  /* never 0, which means "no stack" */
	if (!bpf_map_lookup_elem(&stacks, &h) && bpf_map_update_elem(&stacks, &h, st, BPF_NOEXIST) == -E2BIG) {
		count(DROP_STACK_MAP_FULL);
		return 0;
	}
	return h;
}

static __always_inline __u64 read_user_ptr(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_user(&v, sizeof(v), (void *)addr);
	return v;
}

/* State of the walks below, which run in bpf_loop callbacks: the verifier checks a callback
 * once instead of every path through an unrolled walk. */
struct tstate_search {
	__u64 tstate;
	__u32 tid, off_tid, off_next;
	bool found;
};

static long check_tstate(__u32 i, struct tstate_search *s)
{
	if (!s->tstate)
		return 1;
	if (read_user_ptr(s->tstate + s->off_tid) == s->tid) {
		s->found = true;
		return 1;
	}
	s->tstate = read_user_ptr(s->tstate + s->off_next);
	return 0;
}

/* The current thread's PyThreadState: the cached one while it still names this thread, else the
 * one found in the interpreter's thread list; 0 when the thread has none (yet). */
static __always_inline __u64 find_tstate(struct py_proc *py, struct thread_entry *t)
{
	const struct py_offsets *o = &py->off;
	struct tstate_search s = {
		.tstate = t->py_tstate, .tid = t->acct.tid,
		.off_tid = o->tstate_native_tid, .off_next = o->tstate_next,
	};
	__u64 interp;

	if (s.tstate && read_user_ptr(s.tstate + s.off_tid) == s.tid)
		return s.tstate;
	interp = read_user_ptr(py->runtime + o->runtime_interp_head);
	s.tstate = interp ? read_user_ptr(interp + o->interp_threads_head) : 0;
	bpf_loop(PY_MAX_THREADS, check_tstate, &s, 0);
	t->py_tstate = s.found ? s.tstate : 0;
	return t->py_tstate;
}

struct frame_walk {
	__u64 frame, hash;
	__u32 depth;
	__u32 off_code, off_previous, off_prev_instr, code_bytecode;
};

/* Records one interpreter frame in the per-CPU scratch event and moves to its caller. */
static long record_py_frame(__u32 i, struct frame_walk *w)
{
	__u32 zero = 0;
	struct py_stack_event *e = bpf_map_lookup_elem(&py_scratch, &zero);
	__u32 n = w->depth;
	__u64 code, first, instr;

	if (!w->frame || !e || n >= PY_STACK_DEPTH)
		return 1;
	code = read_user_ptr(w->frame + w->off_code);
	first = code + w->code_bytecode;
	instr = read_user_ptr(w->frame + w->off_prev_instr);
	w->frame = read_user_ptr(w->frame + w->off_previous);
	if (!code || instr < first)  /* a frame still being set up has no instruction yet */
		return 0;
	e->stack.frames[n & (PY_STACK_DEPTH - 1)].code = code;
	e->stack.frames[n & (PY_STACK_DEPTH - 1)].instr = (instr - first) / 2;
	w->hash = (w->hash ^ code) * 0x100000001b3ULL;
	w->hash = (w->hash ^ (instr - first)) * 0x100000001b3ULL;
	w->depth = n + 1;
	return 0;
}

/* Walks the thread's interpreter frames (innermost first) into ST; returns the hash of the frames. */
static __always_inline __u64 walk_py_frames(struct py_proc *py, __u64 tstate, struct py_stack *st,
					    __u64 hash)
{
	const struct py_offsets *o = &py->off;
	__u64 cframe = read_user_ptr(tstate + o->tstate_cframe);
	struct frame_walk w = {
		.frame = cframe ? read_user_ptr(cframe + o->cframe_current_frame) : 0, .hash = hash,
		.off_code = o->frame_code, .off_previous = o->frame_previous,
		.off_prev_instr = o->frame_prev_instr, .code_bytecode = o->code_bytecode,
	};

	bpf_loop(PY_STACK_DEPTH, record_py_frame, &w, 0);
	st->depth = w.depth;
	st->flags = w.frame ? PYF_TRUNCATED : 0;
	return w.hash ^ st->flags;
}

/* Stores the current Python stack of a thread of a Python process and returns its id, which
 * differs per process (code addresses mean nothing elsewhere); 0 when there is none. A stack seen
 * for the first time goes to user space, to be named while the process lives. */
static __always_inline __u64 store_py_stack(struct thread_entry *t)
{
	struct py_proc *py = bpf_map_lookup_elem(&py_procs, &t->acct.tgid);
	__u32 zero = 0;
	struct py_stack_event *e;
	__u64 tstate, h;
	__u8 sent = 1;

	t->py_gil = py ? py->runtime + py->off.runtime_gil : 0;
	t->py_gil_size = py ? py->off.gil_size : 0;
	if (!py || !(tstate = find_tstate(py, t)) || !(e = bpf_map_lookup_elem(&py_scratch, &zero)))
		return 0;
	h = walk_py_frames(py, tstate, &e->stack, 0xcbf29ce484222325ULL ^ t->acct.tgid);
	if (!e->stack.depth)
		return 0;
	h |= 1;
	if (bpf_map_lookup_elem(&py_stacks_sent, &h))
		return h;
	if (bpf_map_update_elem(&py_stacks_sent, &h, &sent, BPF_NOEXIST)) {
		if (!bpf_map_lookup_elem(&py_stacks_sent, &h))  /* else another CPU just sent it */
			count(DROP_PY_STACK_MAP_FULL);
		return h;
	}
	e->type = EV_PY_STACK;
	e->tgid = t->acct.tgid;
	e->id = h;
	if (bpf_ringbuf_output(&events, e, sizeof(*e), 0)) {
		count(DROP_RINGBUF_FULL);
		bpf_map_delete_elem(&py_stacks_sent, &h);  /* send it again next time */
	}
	return h;
}

static __always_inline void capture_stacks(void *ctx, struct thread_entry *t, __u64 now)
{
	t->kstack = t->ustack = t->pystack = 0;
	if (!offcpu_stacks || now - t->stack_ns < offcpu_stack_period_ns)
		return;
	t->stack_ns = now;
	t->kstack = store_stack(ctx, 0);
	t->ustack = store_stack(ctx, BPF_F_USER_STACK);
	t->pystack = store_py_stack(t);
}

/* Adds one interval of CLASS with the thread's stacks to the stack aggregates. */
static __always_inline void add_stack_time(struct thread_entry *t, __u64 kstack, __u64 ustack,
					   __u64 pystack, __u32 class, __u64 ns)
{
	struct stack_key key = {
		.tid = t->acct.tid, .tgid = t->acct.tgid,
		.kstack = kstack, .ustack = ustack, .pystack = pystack, .wait_class = class,
	};
	static const struct stack_stat zero;
	struct stack_stat *s = lookup_or_init(&stack_aggs, &key, &zero);

	if (!s) {
		count(DROP_STACK_AGG_FULL);
		return;
	}
	s->count++;
	s->ns += ns;
}

/* Ends the wait or runnable interval in progress: accrue it and record it against the stacks
 * captured when it began. */
static __always_inline void end_interval(struct thread_entry *t, __u64 now)
{
	__u32 class = t->state;
	__u64 ns = now > t->last_ns ? now - t->last_ns : 0;

	accrue(t, now);
	if (offcpu_stacks && (t->kstack || t->ustack || t->pystack))
		add_stack_time(t, t->kstack, t->ustack, t->pystack, class, ns);
}

/* Streams one state transition of thread T; a no-op unless the timeline knob is on. */
static __always_inline void emit_transition(struct thread_entry *t, __u16 type, __u32 waker_tid, __u32 flags,
					    __u64 now)
{
	struct timeline_event *e;

	if (!timeline)
		return;
	e = bpf_ringbuf_reserve(&timeline_events, sizeof(*e), 0);
	if (!e) {
		count(DROP_TIMELINE_FULL);
		return;
	}
	e->ts_ns = now;
	e->tid = t->acct.tid;
	e->waker_tid = waker_tid;
	e->type = type;
	e->wait_class = type == TL_SWITCH_IN ? WC_ONCPU : t->state;
	e->flags = flags;
	/* No wakeup per record (an interrupt-time wakeup of the reader at every switch): user space
	 * drains the timeline at each poll. */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/* Adds the wakeup edge T has been counting to the wakeups map. */
static __always_inline void flush_edge(struct thread_entry *t)
{
	struct wakeup_stat *w;

	if (!t->edge.count)
		return;
	w = bpf_map_lookup_elem(&wakeups, &t->edge_key);
	if (w) {
		w->count += t->edge.count;
		w->waited_ns += t->edge.waited_ns;
		w->latency_ns += t->edge.latency_ns;
	} else if (bpf_map_update_elem(&wakeups, &t->edge_key, &t->edge, BPF_NOEXIST)) {
		count(DROP_WAKEUP_MAP_FULL);
	}
	t->edge.count = 0;
	t->edge.waited_ns = 0;
	t->edge.latency_ns = 0;
}

/* Sends the final accounting of a dead thread to user space, and forgets the thread. */
static __always_inline void emit_exit(struct task_struct *task, struct thread_entry *t)
{
	struct exit_event *e;

	flush_edge(t);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	count(CNT_EXIT);
	__sync_fetch_and_add(&live_threads, -1);
	if (e) {
		e->type = EV_THREAD_EXIT;
		/* Only a slot whose release user space hears of can be reused: else it stays held. */
		e->freed_slot = release_proc_slot(t->proc_slot);
		e->acct = t->acct;
		bpf_ringbuf_submit(e, 0);
	} else if (bpf_map_update_elem(&dead_threads, &t->acct.tid, &t->acct, BPF_ANY)) {
		count(DROP_RINGBUF_FULL);
	}
	bpf_task_storage_delete(&thread_store, task);
}

/* Per CPU, the interrupt handlers, softirqs and hrtimer callbacks running nested now: a stack of
 * enum irq_kind, 4 bits each, innermost lowest (0: none). The preempt count would say whether a
 * wakeup comes from an interrupt, but the per-CPU variable holding it is not in this kernel's
 * kallsyms; entries and exits of the handlers that wake threads are traced instead. */
__u32 irq_kinds[IRQ_DEPTH_CPUS];

static __always_inline void switch_in(struct task_struct *next, __u64 now, bool from_idle, bool after_other);

/* When T, now leaving the CPU though never seen getting it, got it. sched_switch does not fire for
 * every switch (on the 6.18 development VM, not when the task leaving the CPU is one of the VM
 * agent's own threads), so a switch-in can go unseen; the scheduler's run time since T's last
 * switch-out is how long T has been running (docs/method.md, "Unseen switch-ins"). */
static __always_inline __u64 unseen_switch_in_ns(struct thread_entry *t, struct task_struct *task, __u64 now)
{
	__s64 ran = run_time(task) - t->run_out;
	__u64 since = now > t->last_ns ? now - t->last_ns : 0;

	if (ran < 0)
		ran = 0;
	return now - ((__u64)ran < since ? (__u64)ran : since);
}

/* Notes the syscall T leaves the CPU in, if any (REGS, as class_of_sleep reads them): the time
 * until it gets a CPU back is that call's, added at its exit (on_sys_exit). */
static __always_inline void note_offcpu_syscall(struct thread_entry *t, struct pt_regs *regs, __u64 now)
{
	__u64 nr = regs->orig_ax;

	if (regs->ax != (__u64)-ENOSYS || nr >= SYSCALL_SLOTS)
		return;
	if (t->offcpu_sys != nr + 1) {  /* the first stretch off the CPU in this call */
		t->offcpu_sys = nr + 1;
		t->offcpu_ns = 0;
	}
	t->offcpu_since = now;
}

/* Returns whether PREV is traced. */
static __always_inline bool switch_out(void *ctx, bool preempt, struct task_struct *prev,
				       unsigned int state, __u64 now)
{
	struct thread_entry *t = thread_of(prev, now, WC_ONCPU);
	struct pt_regs *regs;
	__u64 held;

	if (!t)
		return false;
	if (t->state != WC_ONCPU && !stop_ns) {
		count(CNT_SWITCH_IN_UNSEEN);
		switch_in(prev, unseen_switch_in_ns(t, prev, now), false, false);
	}
	/* On the CPU since last_ns: what the scheduler's clock left out of it meanwhile is not run
	 * time. (Each stretch's own difference from the growth of the run time is no measure of it:
	 * the two clocks are read at different points of __schedule, and the positive differences
	 * alone added up to 5-8 % of a ping-pong's run time with no steal at all.) */
	held = now > t->last_ns ? now - t->last_ns : 0;
	if (t->state == WC_ONCPU) {
		__u64 out = unaccounted_clock(prev) - t->unaccounted_in;

		t->acct.stolen_ns += out < held ? out : held;
	}
	accrue(t, now);
	t->run_out = run_time(prev);
	if (state & TASK_DEAD) {
		t->acct.nvcsw++;
		t->acct.end_ns = now;
		t->acct.flags |= TF_DEAD | TF_K_END;
		t->acct.exit_code = BPF_CORE_READ(prev, exit_code);
		BPF_CORE_READ_STR_INTO(&t->acct.comm, prev, comm);  /* as named after any exec */
		snapshot_kernel_acct(&t->acct, prev, 1);
		emit_exit(prev, t);
		return true;
	}
	regs = (struct pt_regs *)bpf_task_pt_regs(prev);
	if (count_syscalls)
		note_offcpu_syscall(t, regs, now);
	/* The kernel's rule: a switch is voluntary when not preempted and the task left TASK_RUNNING. */
	if (preempt || state == TASK_RUNNING) {
		t->acct.nivcsw++;
		enter_state(t, WC_RUNQUEUE);
	} else {
		t->acct.nvcsw++;
		enter_state(t, class_of_block(ctx, prev, regs, state, t));
	}
	capture_stacks(ctx, t, now);
	emit_transition(t, TL_SWITCH_OUT, 0, 0, now);
	return true;
}

/* Counts the wakeup on the edge from the thread that called try_to_wake_up (noted by
 * sched_waking) to T. */
static __always_inline void record_wakeup(struct thread_entry *t, __u32 class, __u64 waited,
					  __u64 latency)
{
	if (t->edge.count && (t->edge_key.waker_tid != t->waking.tid || t->edge_key.wakee_class != class ||
			      t->edge_key.waker_nr != t->waking.nr || t->edge_key.flags != t->waking.flags))
		flush_edge(t);
	if (!t->edge.count) {
		t->edge_key.waker_tid = t->waking.tid;
		t->edge_key.wakee_tid = t->acct.tid;
		t->edge_key.wakee_class = class;
		t->edge_key.waker_nr = t->waking.nr;
		t->edge_key.flags = t->waking.flags;
		t->edge.waker_tgid = t->waking.tgid;
		__builtin_memcpy(t->edge.waker_comm, t->waking.comm, COMM_LEN);
	}
	t->edge.count++;
	t->edge.waited_ns += waited;
	t->edge.latency_ns += latency;
}

/* A sleeping thread T is switched in: it was woken meanwhile, when sched_waking says. The wakeup is
 * accounted here rather than there: sched_waking may run on another CPU while the thread is still
 * being switched out, and sched_wakeup, a program run and a clock read more per wakeup, is not
 * traced. A wakeup noted before the switch-out (a race with it) ends the wait at once. */
static __always_inline bool wake(struct thread_entry *t, __u64 now)
{
	__u64 woken = t->waking.ns;
	__u32 class = t->state;

	/* Not woken since it slept: its switch-out reported a sleep it never began (before Linux 6.13,
	 * a pending signal kept prev_state). The wait just ends now, with no wakeup to count. */
	if (!woken)
		return false;
	t->waking.ns = 0;   /* used: an earlier wakeup must not end a later sleep */

	if (woken < t->last_ns)
		woken = t->last_ns;
	if (woken > now)
		woken = now;
	record_wakeup(t, class, woken > t->last_ns ? woken - t->last_ns : 0, now - woken);
	end_interval(t, woken);
	emit_transition(t, TL_WAKEUP, t->waking.tid, tl_wake_flags(t->waking.flags), woken);
	enter_state(t, WC_RUNQUEUE);
	return true;
}

/* FROM_IDLE: the CPU ran its idle task until now. A thread woken onto an idle CPU queued behind
 * nobody: its wait since the wakeup was the wake-up's own latency (WC_WAKEUP), which the kernel's
 * run delay does not count either. */
/* AFTER_OTHER: the task that left the CPU was not traced: a wait in the run queue that ends now was
 * a wait behind another process. */
static __always_inline void switch_in(struct task_struct *next, __u64 now, bool from_idle, bool after_other)
{
	struct thread_entry *t = bpf_task_storage_get(&thread_store, next, NULL, 0);

	if (!t)
		return;
	/* A registered thread seen first now was asleep if something has woken it since (a runnable
	 * thread is never woken), else runnable. */
	if (t->state == STATE_INIT)
		init_thread(t, next, now, t->waking.tid ? WC_OTHER_SLEEP : WC_RUNQUEUE);
	if (t->state > WC_WAKEUP && t->state < WC_COUNT && wake(t, now) && from_idle) {
		t->acct.blocks[WC_RUNQUEUE]--;
		enter_state(t, WC_WAKEUP);
	}
	if (t->state == WC_RUNQUEUE && after_other && now > t->last_ns)
		t->acct.queued_behind_others_ns += now - t->last_ns;
	end_interval(t, now);
	if (t->offcpu_sys && now > t->offcpu_since)
		t->offcpu_ns += now - t->offcpu_since;
	t->state = WC_ONCPU;
	t->unaccounted_in = unaccounted_clock(next);
	emit_transition(t, TL_SWITCH_IN, 0, from_idle ? TLF_FROM_IDLE : 0, now);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u64 now = bpf_ktime_get_ns();
	bool traced;

	/* A CPU switches tasks only outside interrupt handlers: a handler whose exit was missed (its
	 * entry came before its exit's program was attached) is forgotten here. */
	irq_kinds[bpf_get_smp_processor_id() & (IRQ_DEPTH_CPUS - 1)] = 0;
	if (stop_ns) {
		/* Frozen; but a thread dying now still sends its accounting, closed at the stop. */
		if (prev_state & TASK_DEAD)
			switch_out(ctx, preempt, prev, prev_state, stop_ns);
		return 0;
	}
	traced = switch_out(ctx, preempt, prev, prev_state, now);
	switch_in(next, now, prev->pid == 0, prev->pid && !traced);
	return 0;
}

/* The waker and the moment its try_to_wake_up made the thread runnable, noted in the waker's
 * context; the wakeup is accounted when the thread is switched in (wake). */

static __always_inline void irq_enter(__u32 kind)
{
	__u32 *k = &irq_kinds[bpf_get_smp_processor_id() & (IRQ_DEPTH_CPUS - 1)];

	*k = *k << 4 | kind;
}

static __always_inline void irq_exit(void)
{
	irq_kinds[bpf_get_smp_processor_id() & (IRQ_DEPTH_CPUS - 1)] >>= 4;
}

/* softirq vectors: TIMER 1, NET_TX 2, NET_RX 3, BLOCK 4, HRTIMER 8 */
static __always_inline __u32 softirq_kind(unsigned int vec)
{
	switch (vec) {
	case 1: case 8: return IRQK_TIMER;
	case 2: case 3: return IRQK_NET;
	case 4:         return IRQK_BLOCK;
	default:        return IRQK_SOFTIRQ;
	}
}

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(on_irq_entry) { irq_enter(IRQK_HARDIRQ); return 0; }
SEC("tp_btf/irq_handler_exit")
int BPF_PROG(on_irq_exit) { irq_exit(); return 0; }
SEC("tp_btf/softirq_entry")
int BPF_PROG(on_softirq_entry, unsigned int vec) { irq_enter(softirq_kind(vec)); return 0; }
SEC("tp_btf/softirq_exit")
int BPF_PROG(on_softirq_exit) { irq_exit(); return 0; }
SEC("tp_btf/hrtimer_expire_entry")
int BPF_PROG(on_hrtimer_entry) { irq_enter(IRQK_TIMER); return 0; }
SEC("tp_btf/hrtimer_expire_exit")
int BPF_PROG(on_hrtimer_exit) { irq_exit(); return 0; }

/* The kind of the innermost interrupt-context handler running on this CPU (IRQK_NONE: a task's own
 * context): in one, the task on the CPU is not the one waking anybody. */
static __always_inline __u32 irq_context(void)
{
	return irq_kinds[bpf_get_smp_processor_id() & (IRQ_DEPTH_CPUS - 1)] & 0xf;
}

/* How WAKER woke T: the syscall it was in, and whether that call named the address T waits on. */
static __always_inline void note_waker_call(struct thread_entry *t, struct task_struct *waker)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(waker);

	t->waking.nr = SYSCALL_NONE;
	t->waking.flags = waker->flags & PF_EXITING ? WK_WAKER_EXITING : 0;
	if (regs->ax != (__u64)-ENOSYS || regs->orig_ax >= SYSCALL_NONE)
		return;
	t->waking.nr = regs->orig_ax;
	if (regs->di == t->wait_arg)
		t->waking.flags |= WK_SAME_ADDR;
}

/* The waker and the moment its try_to_wake_up made the thread runnable, noted in the waker's
 * context; the wakeup is accounted when the thread is switched in (wake). */
SEC("tp_btf/sched_waking")
int BPF_PROG(on_sched_waking, struct task_struct *p)
{
	struct thread_entry *t = bpf_task_storage_get(&thread_store, p, NULL, 0);
	struct task_struct *waker;
	__u32 irq;

	if (!t)
		return 0;
	t->waking.ns = bpf_ktime_get_ns();
	irq = irq_context();
	if (irq) {
		t->waking.tid = t->waking.tgid = 0;
		t->waking.nr = SYSCALL_NONE;
		t->waking.flags = WK_IRQ | irq << WK_IRQ_KIND_SHIFT;
		__builtin_memcpy(t->waking.comm, "[interrupt]", 12);
		return 0;
	}
	waker = bpf_get_current_task_btf();
	note_waker_call(t, waker);
	if (t->waking.tid == (__u32)waker->pid && t->waking.comm[0])
		return 0;
	t->waking.tid = waker->pid;
	t->waking.tgid = waker->tgid;
	BPF_CORE_READ_STR_INTO(&t->waking.comm, waker, comm);
	return 0;
}

static __always_inline void emit_fork(struct task_struct *child, __u32 ppid, __u32 slot, __u64 now)
{
	struct lifecycle_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(DROP_RINGBUF_FULL);
		return;
	}
	e->type = EV_FORK;
	e->pid = BPF_CORE_READ(child, tgid);
	e->ppid = ppid;
	e->proc_slot = slot;
	e->ts_ns = now;
	BPF_CORE_READ_STR_INTO(&e->comm, child, comm);
	e->filename[0] = 0;
	bpf_ringbuf_submit(e, 0);
}

/* A forked child runs the same interpreter at the same addresses; a stale entry of a process that
 * had the child's tgid before must not survive either. */
static __always_inline void inherit_python(__u32 parent_tgid, __u32 child_tgid)
{
	struct py_proc *py = bpf_map_lookup_elem(&py_procs, &parent_tgid);

	if (py)
		bpf_map_update_elem(&py_procs, &child_tgid, py, BPF_ANY);
	else
		bpf_map_delete_elem(&py_procs, &child_tgid);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct thread_entry *pt = bpf_task_storage_get(&thread_store, parent, NULL, 0);
	__u64 now = bpf_ktime_get_ns();
	__u32 slot;

	if (!pt)
		return 0;
	count(CNT_FORK);
	slot = pt->proc_slot;
	if (child->tgid != pt->acct.tgid) {
		if (bpf_map_pop_elem(&free_proc_slots, &slot) || slot >= nproc_slots - 1) {
			count(DROP_PROC_SLOTS_FULL);
			slot = nproc_slots - 1;
		}
		emit_fork(child, pt->acct.tgid, slot, now);
		inherit_python(pt->acct.tgid, child->tgid);
	}
	new_thread(child, pt, slot, now);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	struct thread_entry *t = bpf_task_storage_get(&thread_store, p, NULL, 0);
	struct lifecycle_event *e;

	if (!t)
		return 0;
	count(CNT_EXEC);
	/* The old image is gone; user space recognises a new interpreter from the event. */
	bpf_map_delete_elem(&py_procs, &tgid);
	t->py_tstate = t->py_gil = t->py_gil_size = 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(DROP_RINGBUF_FULL);
		return 0;
	}
	e->type = EV_EXEC;
	e->pid = tgid;
	e->ppid = 0;
	e->proc_slot = 0;
	e->ts_ns = bpf_ktime_get_ns();
	BPF_CORE_READ_STR_INTO(&e->comm, p, comm);
	bpf_probe_read_kernel_str(&e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static __always_inline struct thread_entry *current_thread(void)
{
	return bpf_task_storage_get(&thread_store, bpf_get_current_task_btf(), NULL, 0);
}

/* io_uring makes its worker threads with create_io_thread(), which calls copy_process() but not
 * the sched_process_fork tracepoint; task_newtask sees them. Their creator is a traced thread of
 * the same process (the submitter, or a worker). Other new tasks are left to sched_process_fork. */
SEC("tp_btf/task_newtask")
int BPF_PROG(on_task_newtask, struct task_struct *task, __u64 clone_flags)
{
	struct thread_entry *pt;

	if (!(task->flags & PF_IO_WORKER))
		return 0;
	pt = current_thread();
	if (!pt)
		return 0;
	count(CNT_FORK);
	new_thread(task, pt, pt->proc_slot, bpf_ktime_get_ns());
	return 0;
}

/* The last chance to read how often a dying Python process's GIL changed hands: its threads' exits
 * still run in its memory (from Linux 6.16 on, the tracepoint comes before exit_mm; before, the
 * read fails and user space reads the live process instead). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_sched_process_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	struct py_proc *py;
	__u64 switches;

	if (!current_thread())
		return 0;
	py = bpf_map_lookup_elem(&py_procs, &tgid);
	/* every thread's exit reads it; one after the memory is gone must not undo an earlier read */
	if (py && !bpf_probe_read_user(&switches, sizeof(switches),
				       (void *)(py->runtime + py->off.runtime_gil + py->off.gil_switch_number)))
		py->gil_switches = switches;
	return 0;
}

/* Adds a read/write-family call on descriptor FD that returned RET to the thread's I/O by kind:
 * failed calls count too (asyncio's wake-up writes to a full self-pipe fail, each still a hand-back).
 * The kind of the last descriptor read and of the last written is kept: a loop reading one file or
 * pipe and writing another walks the descriptor table once, until a close or dup may give a
 * number to another file. */
static __always_inline void count_io(struct thread_entry *t, __u8 kind, __u64 fd, long ret)
{
	int dir = !!(kind & SK_WRITE);
	struct io_stat *io;

	if ((kind & SK_KIND_MASK) == SK_FD_CHANGE)
		t->io_fd1[0] = t->io_fd1[1] = 0;
	if (!(kind & SK_IO_BYTES))
		return;
	if (t->io_fd1[dir] != fd + 1) {
		t->io_fd_kind[dir] = fd_kind(bpf_get_current_task_btf(), fd);
		t->io_fd1[dir] = fd + 1;
	}
	io = &t->acct.io[t->io_fd_kind[dir] & (FK_COUNT - 1)][dir];
	io->calls++;
	if (ret > 0)
		io->bytes += ret;
}

/* Counts every syscall of a traced thread at its exit, by the number its registers keep, with the
 * time it spent off the CPU inside it (note_offcpu_syscall, switch_in): no program runs at entry,
 * which would cost every call a dispatch, a task-storage lookup and a clock read. */
SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	struct thread_entry *t = current_thread();
	struct syscall_stat *s;
	__u64 nr;

	if (!t)
		return 0;
	nr = regs->orig_ax;
	if (nr == (__u64)-1)   /* rt_sigreturn sets it so that the kernel does not restart it */
		nr = NR_RT_SIGRETURN;
	if (nr >= SYSCALL_SLOTS)
		return 0;
	s = syscall_stat_of(t, nr);
	/* A new thread's return from clone (0) is not a call of its own. */
	if (!s || (ret == 0 && syscall_kind[nr] & SK_FORK))
		return 0;
	s->count++;
	if (t->offcpu_sys == nr + 1) {
		s->total_ns += t->offcpu_ns;
		if (t->offcpu_ns > s->max_ns)
			s->max_ns = t->offcpu_ns;
	}
	t->offcpu_sys = 0;
	if (ret < 0)
		s->errors++;
	else if (syscall_kind[nr] & SK_IO_BYTES)
		s->bytes += ret;
	count_io(t, syscall_kind[nr], regs->di, ret);
	return 0;
}

SEC("perf_event")
int on_cpu_sample(struct bpf_perf_event_data *ctx)
{
	struct thread_entry *t = current_thread();
	__u64 kstack, ustack, pystack;

	if (!t)
		return 0;
	count(CNT_SAMPLE);
	t->acct.samples++;
	kstack = store_stack(ctx, 0);
	ustack = store_stack(ctx, BPF_F_USER_STACK);
	pystack = store_py_stack(t);
	add_stack_time(t, kstack, ustack, pystack, WC_ONCPU, sample_period_ns);
	return 0;
}

static __always_inline __u16 blk_op_of(__u32 cmd_flags)
{
	switch (cmd_flags & 0xff) {
	case 0: return BLK_READ;
	case 1: return BLK_WRITE;
	case 2: return BLK_FLUSH;
	case 3: return BLK_DISCARD;
	default: return BLK_OTHER;
	}
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(on_block_rq_issue, struct request *rq)
{
	struct gendisk *disk = BPF_CORE_READ(rq, q, disk);
	struct blk_inflight f = {
		.issue_ns = bpf_ktime_get_ns(),
		.bytes = BPF_CORE_READ(rq, __data_len),
	};
	__u64 key = (__u64)rq;

	f.key.dev = (BPF_CORE_READ(disk, major) << 20) | BPF_CORE_READ(disk, first_minor);
	f.key.op = blk_op_of(BPF_CORE_READ(rq, cmd_flags));
	f.key.attributed = current_thread() != NULL;
	if (bpf_map_update_elem(&blk_inflight, &key, &f, BPF_ANY))
		count(DROP_BLOCK_MAP_FULL);
	return 0;
}

static __always_inline __u32 log2_bucket(__u64 v)
{
	__u32 b = 0;

	for (int i = 0; i < LAT_BUCKETS - 1; i++) {
		if (v <= 1)
			break;
		v >>= 1;
		b++;
	}
	return b;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(on_block_rq_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns(), ns;
	struct blk_inflight *f = bpf_map_lookup_elem(&blk_inflight, &key);
	static const struct blk_stat zero;
	struct blk_stat *s;

	if (!f)
		return 0;
	count(CNT_BLOCK_RQ);
	ns = now - f->issue_ns;
	s = lookup_or_init(&blk_stats, &f->key, &zero);
	if (!s) {
		count(DROP_BLOCK_MAP_FULL);
		bpf_map_delete_elem(&blk_inflight, &key);
		return 0;
	}
	__sync_fetch_and_add(&s->count, 1);
	__sync_fetch_and_add(&s->bytes, f->bytes);
	__sync_fetch_and_add(&s->total_ns, ns);
	if (ns > s->max_ns)
		s->max_ns = ns;
	__sync_fetch_and_add(&s->hist[log2_bucket(ns) & (LAT_BUCKETS - 1)], 1);
	bpf_map_delete_elem(&blk_inflight, &key);
	return 0;
}
