/* The what-if model: from what one run's work is made of (struct work, filled from a trace by
 * work.h) and what this machine charges for a hand-off, a process start or a byte through a pipe
 * (struct costs, measured by matrix/calibrate.h), the wall time the same work would take under
 * each concurrency model with N workers. Pure arithmetic; docs/predict.md states the model and
 * its assumptions. */
#ifndef CONCTRACE_PREDICT_H
#define CONCTRACE_PREDICT_H

#include <stdbool.h>

/* The concurrency models, in the order and with the names `conctrace run` uses. */
enum pmodel { PM_SYNC, PM_THREADS, PM_ASYNCIO, PM_PROCESSES, PM_ASYNCIO_PROCESSES, PM_COUNT };
extern const char *const pmodel_names[PM_COUNT];

/* What the work is made of, measured on one run. Times are seconds on a CPU of their own (the
 * waits for a CPU taken out), summed over every unit of work. */
struct work {
	int ncpus;
	bool python;              /* an interpreter with a GIL ran the work */
	double wall_s;            /* the measured run's wall time */
	/* Units: independent pieces of the work (files, requests, tasks). */
	double units;
	bool units_known;         /* given by the caller (the matrix knows its workloads) or counted
				   * from the trace (requests, files, pool jobs), not assumed */
	/* CPU work. */
	double startup_s;         /* the root process before its work: interpreter start, imports */
	double cpu_user_s;        /* the units' CPU time in user mode: Python's holds the GIL; an event
				   * loop runs it on its one thread */
	double cpu_kernel_s;      /* the units' CPU time in the kernel (syscalls: no GIL; io_uring's
				   * workers run file calls' share of it in parallel) */
	/* Waits a unit spends on its own, overlapping with other units' as concurrency allows. */
	double net_s;             /* remote latency: requests x the latency of one */
	double requests;
	double timer_s;           /* sleeps */
	double disk_wait_s;       /* waits for the device */
	double device_s;          /* what of them the device (its file system's journal included) serves
				   * one at a time: the critical path's waits for it */
	double wakeup_s;          /* waits for an idle CPU to run a thread woken after a wait */
	/* Operations an event loop hands to a helper one by one (aiofiles: an executor round trip per
	 * call; C: an io_uring request per call): blocking file calls. */
	double file_ops;
	bool file_ops_known;      /* counted as the program makes them, not inferred from syscalls */
	/* What the run's own hand-offs cost, when it made them: an event loop's executor round trips
	 * (the CPU of the machinery around them per round trip, and of it in user mode; 0: none seen,
	 * the calibration's figure stands), or io_uring requests, whose workers' CPU the trace counts
	 * in the work (their own cost with it). */
	double handoff_cpu_s, handoff_user_s;
	bool uring_in_work;
	double pipe_bytes;        /* bytes a process pool ships (arguments and results) */
	/* The machine as the run found it. */
	double cpu_capacity;      /* CPUs the run's threads could get at most (other load: the
				   * run's share of them when it wanted more than it got), else ncpus */
};

/* Round trips in flight at which an executor round trip's CPU cost is measured: it grows with the
 * queue (more futures alive, longer ready lists), and is interpolated in log(width) between them. */
#define HANDOFF_WIDTHS 2
extern const double handoff_widths[HANDOFF_WIDTHS];

/* What this machine charges, in seconds (CPU time is split as the GIL sees it). */
struct costs {
	double handoff_cpu_s[HANDOFF_WIDTHS];  /* Python: one executor round trip (run_in_executor and
						* back) with so many in flight, CPU */
	double handoff_gil_s[HANDOFF_WIDTHS];  /*   of it, holding the GIL */
	double handoff_wall_s;    /*   one round trip's latency, alone */
	double uring_cpu_s;       /* C: one io_uring request (open, write, close) beyond the same syscall, CPU */
	double uring_wall_s;      /*   its latency, alone */
	double py_fork_s;         /* Python: starting and stopping one forked pool worker, wall */
	double py_chunk_s;        /*   one task's round trip through a process pool, wall */
	double py_pipe_byte_s;    /*   one byte pickled and sent to another process, CPU */
	double c_fork_s;          /* C: fork, exit and reap of one child, wall */
	double pipe_byte_s;       /*   one byte through a pipe, CPU */
};

/* What limited a predicted run. */
enum bound { BOUND_CHAIN, BOUND_CPU, BOUND_GIL, BOUND_DEVICE, BOUND_COUNT };
extern const char *const bound_names[BOUND_COUNT];

struct prediction {
	enum pmodel model;
	int workers;
	double wall_s;
	enum bound bound;
	double overhead_s;        /* of wall_s, what the model itself costs (hand-offs, starts) */
};

/* Workers a model uses when none are asked for: threads min(32, cpus + 4) (ThreadPoolExecutor's
 * default), processes the CPUs, sync and asyncio one. */
int predict_default_workers(enum pmodel m, int ncpus);

/* The wall time of W under model M with N workers (N is ignored for sync and asyncio). */
void predict(const struct work *w, const struct costs *k, enum pmodel m, int n, struct prediction *out);

/* The fastest N in 1..MAX_N for model M (sync and asyncio: their one). */
void predict_best(const struct work *w, const struct costs *k, enum pmodel m, int max_n, struct prediction *out);

#endif
