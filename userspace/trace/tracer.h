/* trace/: the tracer: the BPF skeleton's owner (this unit), /proc readers, capabilities, CPython
 * frame walking. It fills a run model and may call model/ and base/ only.
 *
 * Loads and attaches the probes, and turns what they collect into the run model. */
#ifndef CONCTRACE_TRACE_TRACER_H
#define CONCTRACE_TRACE_TRACER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "model/model.h"

struct tracer_opts {
	uint32_t freq_hz;                 /* CPU samples per second per CPU; 0: none */
	bool offcpu_stacks;               /* capture stacks when a thread leaves the CPU */
	uint64_t offcpu_stack_period_ns;  /* at most one capture per thread per period */
	uint32_t max_procs;                /* processes with their own syscall statistics */
	uint32_t max_wakeups, max_stack_aggs, max_stacks;
	bool timeline;                     /* stream every state transition (model's timeline) */
	bool syscall_stats;                /* trace sys_exit: per-syscall counts, bytes, time off the CPU */
	uint32_t timeline_ring_bytes;      /* its ring buffer: a power of 2 pages */
};
void tracer_default_opts(struct tracer_opts *o);

struct tracer;

/* Opens, configures, loads and attaches; NULL with a one-line reason in ERR. */
struct tracer *tracer_start(const struct tracer_opts *o, struct run_model *m, char *err, size_t errlen);
/* Traces process TGID (and, from now on, everything it forks). FORKED: the caller just forked TGID,
 * a process of one thread whose kernel counters start at zero; false for one found running. */
int tracer_follow(struct tracer *t, pid_t tgid, bool forked);
/* Handles lifecycle events for up to TIMEOUT_MS; returns the number handled or a negative error. */
int tracer_poll(struct tracer *t, int timeout_ms);
/* Threads still tracked in the kernel (not yet seen exiting). */
size_t tracer_live_threads(struct tracer *t);
/* Re-reads the memory maps of live traced processes whose maps may have changed. */
void tracer_refresh_maps(struct tracer *t);
/* Detaches the probes, then moves every map's contents into the model. Returns the end of the
 * trace (taken once nothing can change any more), at which threads still alive are closed. */
uint64_t tracer_stop(struct tracer *t);
void tracer_free(struct tracer *t);

#endif
