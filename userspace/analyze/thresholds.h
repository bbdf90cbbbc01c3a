/* Every threshold of the explanation, in one table. */
#ifndef CONCTRACE_THRESHOLDS_H
#define CONCTRACE_THRESHOLDS_H

#include <stdint.h>

/* Every threshold of the explanation, in one table (findings.c; docs/explain.md says why). Shares
 * are 0..1; "x ncpus" and "x wall" thresholds are multiplied by those. */
struct explain_thresholds {
	double loop_entry_share;        /* a main thread is an event loop: loop-idle share of its waits */
	double edge_min_share;          /* wait-for edges below this share of all waiting are dropped */
	double single_thread_oncpu;     /* cpu-bound-single-thread: the thread's on-CPU share of its life */
	double single_thread_cpus;      /*   ... while mean CPUs busy < this x ncpus */
	double parallel_cpus;           /* parallel: mean CPUs busy >= this x ncpus */
	double gil_share;               /* gil-bound: gil class share of thread time */
	int likely_gil_threads;         /* likely GIL: threads of one Python process, at least */
	double likely_gil_lock_share;   /*   their lock share of thread time, at least */
	double likely_gil_cpus_min;     /*   their on-CPU time, between this x wall */
	double likely_gil_cpus_max;     /*   and this x wall */
	double lock_contention_share;   /* lock-contention: sibling lock waits, share of on-CPU + those */
	double lock_handover_rate;      /*   and sibling lock hand-overs per second of wall, at least */
	double lock_wanting_threads;    /*   and their mean threads running or waiting to, at least */
	uint64_t handoff_min_wakeups;   /* thread-pool-handoff: wakeups between dispatcher and executors */
	double handoff_share;           /*   and their waiting, share of thread time */
	double disk_idle_busy;          /* disk-not-bottleneck: device busy < this share of wall */
	double disk_bound_busy;         /* disk-bound: device busy >= this share of wall */
	double disk_bound_share;        /*   or disk class >= this share of thread time */
	double runqueue_excess;         /* runqueue-saturation: threads running or runnable, on average,
					 * >= ncpus + this */
	double loop_blocked_share;      /* loop-blocked: the loop thread's blocked share of its life */
	double loop_blocked_idle;       /*   and its loop-idle share at most this */
	double no_concurrency_cpus;     /* no-concurrency: mean CPUs busy at most this */
	double no_concurrency_top;      /*   a created thread's share of the created threads' on-CPU */
	double no_concurrency_waited;   /*   others waited for it, share of its life, at least */
	double startup_ipc_share;       /* process-startup-ipc: share of thread time */
	double contention_runqueue_share; /* cpu-contention: runqueue share of thread time, at least */
	double contention_cpus;         /*   while mean CPUs busy < this x ncpus */
};
extern const struct explain_thresholds explain_th;

#endif
