/* model/: the run model, the hub everything after the tracer reads: plain structs (this header),
 * its accounting (account), wait classes (classify), timeline and report.json form (report_json).
 * It may call base/ only.
 *
 * The run model: everything one traced run measured. Every analysis and renderer reads only this;
 * report.json is its serialisation. */
#ifndef CONCTRACE_MODEL_H
#define CONCTRACE_MODEL_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "bpf/tracer.h"

#define CONCTRACE_VERSION "0.1.0"
#define REPORT_SCHEMA_VERSION 2

struct model_thread {
	struct thread_acct acct;
	bool alive_at_end;    /* still running when tracing stopped (attach mode, interrupted) */
};

struct model_process {
	uint32_t pid, ppid;
	char comm[COMM_LEN];
	char *exe;            /* file executed, when an exec was seen */
	char *cmdline;        /* NUL bytes replaced by spaces */
	char *maps;           /* executable mappings "start-end offset path" lines, read while alive */
	uint64_t start_ns, end_ns;
	int exit_status;      /* shell-style: code, or 128+signal; -1 when unknown */
	char *python;         /* CPython version whose frames were walked ("3.11"), or NULL */
	int64_t gil_switches; /* times its GIL changed hands (CPython's switch_number); -1: unknown */
};

struct model_syscall {
	uint32_t tgid, nr;
	struct syscall_stat s;
};

struct model_wakeup {
	struct wakeup_key k;
	struct wakeup_stat s;
};

struct model_stack_agg {
	struct stack_key k;
	struct stack_stat s;
};

struct model_stack {
	uint64_t id;          /* hash of the frames, as in stack_key.kstack/ustack */
	uint32_t depth;
	uint64_t *ips;
};

/* A Python stack, named while its process lived. */
struct model_pystack {
	uint64_t id;          /* as in stack_key.pystack */
	uint32_t tgid;
	uint32_t depth;
	char **frames;        /* "function (file:line)", innermost first; "[truncated]" outermost when cut */
};

struct model_blk {
	struct blk_key k;
	struct blk_stat s;
};

/* A block device's own counters (/proc/diskstats), as differences over the run. */
struct model_disk {
	uint32_t dev;
	char name[32];
	uint64_t reads, writes, sectors_read, sectors_written, io_ticks_ms;
};

/* wait4 rusage of the command and every descendant the tracer reaped. */
struct model_rusage {
	bool valid;
	uint64_t utime_ns, stime_ns, nvcsw, nivcsw, maxrss_kb;
};

struct model_meta {
	char *version, *kernel, *hostname, *user, *command;
	int ncpus;
	uint32_t root_pid;
	bool attach_mode, interrupted;
	uint64_t start_ns, end_ns;    /* CLOCK_MONOTONIC, same clock as the BPF timestamps */
	double start_epoch;           /* wall-clock start, seconds since 1970 */
	int exit_status;              /* the command's, shell-style; -1 in attach mode */
	uint32_t freq_hz;
	uint64_t offcpu_stack_period_ns;
	bool offcpu_stacks;
	bool syscall_stats;           /* per-syscall statistics were recorded */
	bool wakeup_latency;          /* wakeups' latency_ns were measured (not in older reports) */
	bool syscall_offcpu;          /* syscalls' total_ns, max_ns are time off the CPU inside the calls
				       * (older reports: from each call's entry to its exit) */
	bool wait_causes;             /* wakeups say how the waker woke (waker_nr, flags), threads their
				       * I/O by descriptor kind, runnable time is split by wakeup (not in
				       * older reports) */
};

#define MODEL_ARRAY(type, name) type *name; size_t n_##name, cap_##name

/* One state of one thread, from one transition to the next: a thread's intervals tile its life. */
struct model_interval {
	uint32_t tid, wait_class;
	uint64_t start_ns, end_ns;
};

/* WAKER ended WAKEE's wait of WAIT_CLASS at TS_NS (waker: whatever task ran, maybe untraced). */
struct model_wake_edge {
	uint64_t ts_ns;
	uint32_t waker_tid, wakee_tid, wait_class;
	uint32_t flags;       /* WK_* of this wakeup (WK_IRQ and its kind, WK_SAME_ADDR...) */
};

/* The time-ordered states of a run recorded with --timeline. Sorted by (tid, start) and by
 * (wakee, ts), which the critical path's lookups rely on. */
struct model_timeline {
	bool recorded;
	MODEL_ARRAY(struct model_interval, intervals);
	MODEL_ARRAY(struct model_wake_edge, wakes);
};

struct run_model {
	struct model_meta meta;
	MODEL_ARRAY(struct model_process, procs);
	MODEL_ARRAY(struct model_thread, threads);
	MODEL_ARRAY(struct model_syscall, syscalls);
	MODEL_ARRAY(struct model_wakeup, wakeups);
	MODEL_ARRAY(struct model_stack_agg, stack_aggs);
	MODEL_ARRAY(struct model_stack, stacks);
	MODEL_ARRAY(struct model_pystack, pystacks);
	MODEL_ARRAY(struct model_blk, blks);
	MODEL_ARRAY(struct model_disk, disks);
	struct model_rusage rusage;
	uint64_t counters[CNT_COUNT];
	struct model_timeline timeline;
};

/* Names of the counters in report.json ("switch", ..., "ringbuf_full"). */
extern const char *const counter_names[CNT_COUNT];
int counter_by_name(const char *name);

void model_init(struct run_model *m);
void model_free(struct run_model *m);

struct model_process *model_process(struct run_model *m, uint32_t pid);        /* find */
const struct model_process *model_find_process(const struct run_model *m, uint32_t pid);
struct model_process *model_add_process(struct run_model *m, uint32_t pid);    /* find or add */
const struct thread_acct *model_find_thread(const struct run_model *m, uint32_t tid);
struct model_thread *model_add_thread(struct run_model *m, const struct thread_acct *a);

/* The stack (native frames) or Python stack with id ID, or NULL; the arrays must be sorted. */
const struct model_stack *model_find_stack(const struct run_model *m, uint64_t id);
const struct model_pystack *model_find_pystack(const struct run_model *m, uint64_t id);
/* The threads in (tid, start) order, for lookups by the million (model_find_thread scans). */
struct thread_index {
	const struct run_model *m;
	size_t *order;   /* indices into m->threads */
};
void thread_index_build(struct thread_index *x, const struct run_model *m);
void thread_index_free(struct thread_index *x);
/* The index of the thread TID that lived at TS_NS (its start to its end), or -1. */
ssize_t thread_index_at(const struct thread_index *x, uint32_t tid, uint64_t ts_ns);

/* Sorts every array into a stable order (pids, tids, keys) so outputs are deterministic. */
void model_sort(struct run_model *m);

uint64_t model_drops(const struct run_model *m);
/* What the events a drop counter counts lost: time (the accounting is incomplete), only a stack
 * (the interval still counts), or only which process made some syscalls (they are lumped in the
 * tree's). */
enum drop_loss { LOSS_TIME, LOSS_STACK, LOSS_SYSCALL_OWNER };
enum drop_loss counter_drop_loss(int counter);
/* The drops that lost LOSS. */
uint64_t model_drops_losing(const struct run_model *m, enum drop_loss loss);
uint64_t model_events(const struct run_model *m);

#endif
