/* Types shared by tracer.bpf.c and user space: fixed-width fields and fixed arrays only. */
#ifndef CONCTRACE_TRACER_H
#define CONCTRACE_TRACER_H

#define COMM_LEN          16
#define PATH_LEN          128
#define SYSCALL_SLOTS     512   /* syscall numbers below this are classified and counted */
#define KRANGE_MAX        24    /* kernel functions that classify an uninterruptible wait */
#define KSTACK_SCAN_DEPTH 24    /* frames scanned for those functions */
#define LAT_BUCKETS       32    /* log2(ns) latency histogram buckets */
#define STACK_DEPTH       127   /* frames kept per stack (the kernel's default maximum) */
#define STATE_INIT        0xff  /* thread_entry.state of a thread registered by user space, not yet seen */
#define PY_STACK_DEPTH    64    /* Python frames kept per stack; deeper stacks are marked truncated */
#define PY_MAX_THREADS    64    /* interpreter threads searched for the current one */

/* Where a thread's time goes. One table in user space (classify.c) names and documents them. */
enum wait_class {
	WC_ONCPU,        /* running on a CPU */
	WC_RUNQUEUE,     /* runnable, waiting for a CPU behind other tasks (woken or preempted) */
	WC_WAKEUP,       /* woken, waiting for a CPU that was idle: the wake-up's own latency (IPI,
			  * a vCPU leaving halt), not queueing; never a thread's state, only accrued */
	WC_DISK,         /* uninterruptible sleep in io_schedule (task->in_iowait) */
	WC_KERNEL_LOCK,  /* uninterruptible sleep on a kernel rwsem/mutex/semaphore */
	WC_LOCK,         /* interruptible futex wait: a user-space lock or condition */
	WC_GIL,          /* futex wait on the Python GIL (needs the interpreter's GIL address) */
	WC_LOOP_IDLE,    /* epoll/io_uring wait (or poll/select on no socket or pipe): an event loop
			  * with nothing ready */
	WC_NET,          /* blocked on a network socket */
	WC_TIMER,        /* nanosleep and friends */
	WC_CHILD,        /* wait4/waitid for a child process */
	WC_PIPE,         /* blocked on a pipe or a unix socket (local IPC) */
	WC_OTHER_SLEEP,  /* any other interruptible sleep */
	WC_OTHER_D,      /* any other uninterruptible sleep */
	WC_COUNT,
};

/* How sched_switch classifies an interruptible sleep from the syscall in progress. */
enum syscall_kind {
	SK_OTHER,        /* -> WC_OTHER_SLEEP */
	SK_LOCK,         /* futex */
	SK_LOOP,         /* epoll_wait, io_uring_enter */
	SK_TIMER,
	SK_CHILD,
	SK_NET,          /* socket calls (accept, connect, recvfrom...): net, or pipe for unix sockets */
	SK_FD,           /* read/write family: the class depends on the file (socket, pipe) */
	SK_POLL,         /* poll, ppoll: the class of the first descriptor waited on */
	SK_SELECT,       /* select, pselect6: likewise */
	SK_FD_CHANGE,    /* close, dup2...: a descriptor may now name another file */
};
#define SK_KIND_MASK 0x0f
#define SK_WRITE    0x40 /* flag: the call writes (else, with SK_IO_BYTES, it reads) */
#define SK_IO_BYTES 0x80 /* flag: positive return values are byte counts */
#define SYSCALL_NONE 0xffff /* wakeup_key.waker_nr: the waker was not in a syscall */
#define SK_FORK     0x10 /* flag: clone, fork...: a return of 0 is the new thread's, not a call */

/* What a read/write-family call's descriptor is. */
enum fd_kind {
	FK_FILE,         /* a regular file or block device: the page cache and the disk */
	FK_PIPE,         /* a pipe or unix socket: local IPC */
	FK_NET,          /* any other socket */
	FK_OTHER,        /* a terminal, an eventfd, anything else */
	FK_COUNT,
};
struct io_stat {
	__u64 calls, bytes;
};

/* Indices of the per-CPU counters: events handled and everything dropped. */
enum counter {
	/* Switches, wakeups and syscalls of the traced tree are counted by user space from what the
	 * accounting already holds: nothing to add per event on the hot paths. */
	CNT_SWITCH, CNT_WAKEUP, CNT_SYSCALL, CNT_SAMPLE, CNT_BLOCK_RQ, CNT_FORK, CNT_EXEC, CNT_EXIT,
	CNT_SWITCH_IN_UNSEEN,     /* a switch-in sched_switch never showed, dated from the run time */
	CNT_EVENTS_END,
	DROP_THREAD_MAP_FULL = CNT_EVENTS_END, /* a traced thread could not be tracked */
	DROP_PROC_SLOTS_FULL,     /* more processes at once than syscall slots: the rest share the last one */
	DROP_WAKEUP_MAP_FULL,
	DROP_STACK_AGG_FULL,      /* a (thread, stacks, class) aggregate could not be stored */
	DROP_STACK_MAP_FULL,      /* a new distinct stack could not be stored */
	DROP_STACK_ERROR,         /* a kernel stack could not be walked */
	DROP_RINGBUF_FULL,        /* a lifecycle event could not be sent */
	DROP_BLOCK_MAP_FULL,
	DROP_PY_STACK_MAP_FULL,   /* a new distinct Python stack could not be stored */
	DROP_TIMELINE_FULL,       /* a state transition could not be sent to the timeline */
	DROP_PROG_MISSED,         /* the kernel skipped a program run (recursion): filled by user space */
	CNT_COUNT,
};

struct krange {
	__u64 start, end;
	__u32 wait_class;
	__u32 pad;
};

/* Accounting of one thread; streamed to user space when the thread dies. */
struct thread_acct {
	__u32 tid, tgid;
	__u64 start_ns, end_ns;       /* traced lifetime (CLOCK_MONOTONIC) */
	__u64 ns[WC_COUNT];           /* time spent in each class */
	__u64 blocks[WC_COUNT];       /* times the thread entered each class */
	__u64 nvcsw, nivcsw;          /* voluntary / involuntary switches seen */
	__u64 samples;                /* CPU samples taken while it ran */
	/* Of ns[WC_ONCPU], what the scheduler did not count as its run time: time the host gave this
	 * vCPU to others (paravirt steal), and IRQ time on kernels that account it apart. */
	__u64 stolen_ns;
	/* The kernel's own accounting, read from task_struct when first seen and at death. */
	__u64 k_runtime[2], k_run_delay[2], k_nvcsw[2], k_nivcsw[2];
	/* Read/write-family calls (failed ones too) and their bytes, by descriptor kind: [kind][0 read, 1 write]. */
	struct io_stat io[FK_COUNT][2];
	/* Of ns[WC_RUNQUEUE], the waits that ended when a task outside the traced tree left the CPU:
	 * other processes' running, which the tree's own threads' is not. */
	__u64 queued_behind_others_ns;
	__u32 exit_code;
	__u32 flags;
	__u32 creator_tid;            /* the traced thread that created it (0: user space registered it) */
	__u32 pad;
	char comm[COMM_LEN];
};
#define TF_DEAD     1  /* ended by its final context switch */
#define TF_ADOPTED  2  /* already existed when first seen (attach mode) */
#define TF_K_END    4  /* k_*[1] were read (at death, or from /proc at the end) */
#define TF_K_START  8  /* k_*[0] were read from /proc when user space registered the thread */
#define TF_FORKED  16  /* forked by user space to be traced: k_*[0] are zero, its life starts at its birth */

struct wakeup_key {
	__u32 waker_tid, wakee_tid;   /* waker 0: an interrupt (WK_IRQ), whatever task it hit */
	__u16 wakee_class;    /* what the wakee was waiting for */
	__u16 waker_nr;       /* the syscall the waker was in (futex, write, exit...), or SYSCALL_NONE */
	__u32 flags;          /* WK_* */
};
#define WK_IRQ           1  /* woken from interrupt context: a timer, a device, the network */
#define WK_SAME_ADDR     2  /* the waker's call named the address the wakee waited on (a futex) */
#define WK_WAKER_EXITING 4  /* the waker was exiting (a join, a parent's wait) */
#define WK_IRQ_KIND_SHIFT 8 /* with WK_IRQ: enum irq_kind of the handler, in bits 8..11 */

/* The kind of interrupt-context handler a wakeup came from. */
enum irq_kind { IRQK_NONE, IRQK_HARDIRQ, IRQK_TIMER, IRQK_NET, IRQK_BLOCK, IRQK_SOFTIRQ, IRQK_COUNT };
struct wakeup_stat {
	__u64 count, waited_ns;
	__u64 latency_ns;     /* from each wakeup to the wakee's switch-in: its wait for a CPU */
	__u32 waker_tgid, pad;
	char waker_comm[COMM_LEN];
};

/* Per-thread state the handlers keep between events, with the accounting it feeds. */
struct thread_entry {
	__u64 last_ns;        /* when the current state began */
	__u32 state;          /* enum wait_class being accrued */
	__u32 offcpu_sys;     /* 1 + the syscall it last left the CPU in, 0 when none since its last */
	__u64 kstack, ustack; /* stacks captured at the last switch-out, or 0 */
	__u64 pystack;        /* Python stack captured at the last switch-out, or 0 */
	__u64 stack_ns;       /* when stacks were last captured (rate limit) */
	__u64 run_out;        /* the scheduler's run time (se.sum_exec_runtime) at the last switch-out */
	__u64 unaccounted_in; /* the CPU's steal and IRQ time (unaccounted_clock) at the last switch-in */
	__u32 proc_slot;      /* the process's row in the syscall statistics */
	__u32 io_fd1[2];      /* the descriptor of the last read and write call, plus one (0: none) ... */
	__u8 io_fd_kind[2];   /* ... and its enum fd_kind */
	__u8 pad[2];
	__u64 offcpu_since;   /* when it left the CPU in that syscall ... */
	__u64 offcpu_ns;      /* ... and its time off the CPU in it before then */
	__u64 wait_arg;       /* the first argument of the syscall the thread sleeps in (a futex address) */
	struct thread_acct acct;
	/* Python processes only, after the fields every switch touches. */
	__u64 py_tstate;      /* the thread's PyThreadState, once found (0: not yet) */
	__u64 py_gil;         /* its process's GIL state, as of the last stack capture (0: none) */
	__u32 py_gil_size;
	__u32 py_pad;
	/* The wakeup edge being counted (repeated hand-offs cost no map update): added to the
	 * wakeups map when another waker or class comes, at the thread's death, or by user space
	 * for a thread alive at the end. */
	struct wakeup_key edge_key;
	struct wakeup_stat edge;
	struct {              /* the task that last called try_to_wake_up on this thread, and when */
		__u64 ns;
		__u32 tid, tgid;
		__u16 nr;         /* its syscall (SYSCALL_NONE) */
		__u16 flags;      /* WK_* */
		__u32 pad;
		char comm[COMM_LEN];
	} waking;
};

/* Syscall statistics live in an array indexed by (cpu, process slot, syscall number). */
struct syscall_stat {
	__u64 count, errors, total_ns, max_ns, bytes;
};


/* Stacks are stored once, under a 64-bit hash of their frames (0: no stack). Unlike a BPF stack
 * map, distinct stacks never overwrite or reject each other; only a full map drops one. */
struct stack_trace {
	__u32 depth;
	__u32 pad;
	__u64 ips[STACK_DEPTH];
};

struct stack_key {
	__u32 tid, tgid;
	__u64 kstack, ustack;
	__u64 pystack;        /* Python frames of the same moment, or 0 */
	__u32 wait_class;
	__u32 pad;
};
struct stack_stat {
	__u64 count, ns;
};

/* Where an interpreter keeps what the BPF side walks: offsets within CPython's structures, from
 * the one table of supported versions in user space (python.c). */
struct py_offsets {
	__u32 runtime_interp_head;     /* _PyRuntime.interpreters.head */
	__u32 runtime_gil;             /* _PyRuntime.ceval.gil */
	__u32 gil_size;
	__u32 gil_switch_number;       /* within the GIL state */
	__u32 interp_threads_head;     /* PyInterpreterState.threads.head */
	__u32 tstate_next, tstate_native_tid, tstate_cframe;
	__u32 cframe_current_frame;
	__u32 frame_code, frame_previous, frame_prev_instr;
	__u32 code_bytecode;           /* PyCodeObject.co_code_adaptive: instruction offsets count from here */
	__u32 pad;
};

/* A Python process, keyed by tgid: set by user space when it recognises the interpreter, inherited
 * by forked children. */
struct py_proc {
	__u64 runtime;                 /* address of _PyRuntime */
	__u64 gil_switches;            /* the GIL's switch_number, read as its threads exit */
	struct py_offsets off;
};

/* One Python frame: the code object and the offset (in 2-byte code units) of its current
 * instruction. */
struct py_frame {
	__u64 code;
	__u32 instr;
	__u32 pad;
};
#define PYF_TRUNCATED 1  /* more frames were outside the PY_STACK_DEPTH kept */
struct py_stack {
	__u32 depth;                   /* frames[0] is the innermost */
	__u32 flags;
	struct py_frame frames[PY_STACK_DEPTH];
};

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH, BLK_DISCARD, BLK_OTHER, BLK_OP_COUNT };
struct blk_key {
	__u32 dev;            /* major << 20 | minor */
	__u16 op;             /* enum blk_op */
	__u16 attributed;     /* issued by a traced thread (else: writeback, other processes) */
};
struct blk_stat {
	__u64 count, bytes, total_ns, max_ns;
	__u64 hist[LAT_BUCKETS];
};
struct blk_inflight {
	__u64 issue_ns, bytes;
	struct blk_key key;
};

enum event_type { EV_FORK = 1, EV_EXEC, EV_THREAD_EXIT, EV_PY_STACK };
struct lifecycle_event {
	__u32 type;
	__u32 pid, ppid;      /* new process and its parent (EV_FORK); process (EV_EXEC) */
	__u32 proc_slot;
	__u64 ts_ns;
	char comm[COMM_LEN];
	char filename[PATH_LEN];
};
struct exit_event {
	__u32 type;
	__u32 freed_slot;     /* the thread was the last of its process: its syscall slot + 1, else 0 */
	struct thread_acct acct;
};

/* A Python stack seen for the first time: user space names its frames while the process lives. */
struct py_stack_event {
	__u32 type;
	__u32 tgid;
	__u64 id;
	struct py_stack stack;
};

/* One state transition of a traced thread, streamed when the timeline knob is on. Kept small:
 * a busy run makes hundreds of thousands. */
enum timeline_type { TL_SWITCH_IN = 1, TL_SWITCH_OUT, TL_WAKEUP };
struct timeline_event {
	__u64 ts_ns;
	__u32 tid;
	__u32 waker_tid;      /* TL_WAKEUP: the task running when the wakeup happened */
	__u16 type;           /* enum timeline_type */
	__u16 wait_class;     /* TL_SWITCH_OUT: the class entered; TL_WAKEUP: the class that ended */
	__u32 flags;          /* bits 0-7 only: TL_SWITCH_IN: TLF_FROM_IDLE; TL_WAKEUP: tl_wake_flags() */
};
#define TLF_FROM_IDLE 1   /* the CPU was idle until this switch-in: the wait since the wakeup was
			   * the wake-up's latency (WC_WAKEUP), not queueing */
#define TL_FLAG_BITS  8

/* A wakeup's WK_* flags in the 8 bits a timeline event has for them: WK_IRQ, WK_SAME_ADDR and
 * WK_WAKER_EXITING as they are, the interrupt kind above them. */
static inline __u32 tl_wake_flags(__u32 wk)
{
	return (wk & 7) | (wk >> WK_IRQ_KIND_SHIFT & 7) << 3;
}
static inline __u32 wk_of_tl_flags(__u32 tl)
{
	return (tl & 7) | (tl >> 3 & 7) << WK_IRQ_KIND_SHIFT;
}

#endif
