/* Every threshold of the explanation, in one table (docs/explain.md says why each is what it is).
 * Shares are 0..1 of the wall time (the critical path's length) unless they say otherwise. */
#ifndef CONCTRACE_THRESHOLDS_H
#define CONCTRACE_THRESHOLDS_H

#include <stdint.h>

struct explain_thresholds {
	double min_explained;           /* a finding is reported when it explains this share, at least */
	double part_of;                 /* a finding is part of an earlier one sharing this much of it */
	double rank_tie;                /* a later rule ranks higher only explaining this much more */
	double loop_entry_share;        /* a main thread is an event loop: its selector entries' share
					 * of its waits */
	double edge_min_share;          /* wait-for edges below this share of all waiting are dropped */
	uint64_t loop_stretch_ns;       /* loop-blocked: the loop held this long without its selector */
	double loop_blocked_share;      /*   without a timeline: held this share of its life... */
	double loop_blocked_idle;       /*   ...and idle in its selector at most this share; or */
	double loop_compute_share;      /*   its on-CPU path time this share of the path at least... */
	double loop_own_work;           /*   ...this share of its samples the program's own code... */
	uint64_t loop_min_samples;      /*   ...of this many samples at least */
	double carrier_share;           /* no-concurrency, cpu-bound-single-thread: one thread carried
					 * this share of the path */
	double carrier_waits;           /* no-concurrency: of that, waits at least this share */
	double serial_concurrency;      /*   its role's busy time at most this multiple of its own */
	uint64_t handoff_min_jobs;      /* thread-pool-handoff: jobs at least */
	uint64_t handoff_max_job_cpu_ns;/*   and CPU per job at most this (small jobs) */
	double lock_contention_share;   /* lock-contention: waits for each other (and spinning), share
					 * of on-CPU + those */
	double lock_handover_rate;      /*   and hand-overs per second of wall, at least */
	double lock_mutual_min;         /*   a pair hands over both ways: the rarer way this share */
	double spin_share;              /*   or spinning this share of the process's CPU samples */
	double gil_share;               /* gil-bound: gil class share of the process's thread time */
	int likely_gil_threads;         /* likely GIL (no GIL data): threads of a Python process... */
	double likely_gil_lock_share;   /*   their lock share of thread time, at least */
	double likely_gil_cpus_min;     /*   their on-CPU time between this x wall */
	double likely_gil_cpus_max;     /*   and this x wall */
	double single_thread_cpus;      /* cpu-bound-single-thread: mean CPUs busy < this x ncpus */
	double sequential_in_flight;    /* network-bound: at most this many waits in flight: one at a time */
	uint64_t ipc_min_bytes;         /* ipc-bound: bytes written to pipes and unix sockets, at least */
	uint64_t ipc_small_message;     /*   or round trips as many as handoff_min_jobs, of messages
					 *   this small on average (bytes): their fixed cost dominates */
	double local_socket_match;      /*   network bytes sent and received this close: the tree's own
					 * sockets talking, counted as IPC */
	double pool_sleep_share;        /* timer-bound: a pool's threads slept this share of the sleeping,
					 *   this share of them at once: the pool was full of sleeps */
	uint32_t startup_min_procs;     /* process-startup: processes started, at least */
	uint64_t startup_max_life_ns;   /*   their median life at most */
	double runqueue_excess;         /* runqueue-saturation: running + queued >= ncpus + this */
	double behind_others;           /* cpu-contention: this share of the queueing behind other
					 * processes, at least */
	double parallel_cpus;           /* parallel: mean CPUs busy >= this x ncpus */
	uint64_t disk_note_bytes;       /* disk-not-bottleneck: bytes written to files, at least */
	double disk_idle_busy;          /*   and the device busy < this share of wall */
	double disk_note_path;          /*   and the path's disk waits < this share of it */
};
extern const struct explain_thresholds explain_th;

#endif
