/* Accounting math over the run model: per-thread identity, per-process and tree totals, and the
 * comparisons with the kernel's own accounting. Pure functions, no I/O. */
#ifndef CONCTRACE_ACCOUNT_H
#define CONCTRACE_ACCOUNT_H

#include "model/model.h"

struct acct_totals {
	int threads;
	uint64_t life_ns;             /* sum of the threads' traced lifetimes */
	__u64 ns[WC_COUNT];
	uint64_t nvcsw, nivcsw, samples;
	uint64_t stolen_ns;           /* of ns[WC_ONCPU], not the kernel's run time (host steal) */
	/* the kernel's counters over the same lifetimes, for threads where both ends were read */
	int k_threads;
	uint64_t k_runtime, k_run_delay, k_nvcsw, k_nivcsw;
	uint64_t k_oncpu_ns, k_stolen_ns, k_runqueue_ns, k_our_nvcsw, k_our_nivcsw;  /* ours, same threads */
};

uint64_t thread_lifetime(const struct thread_acct *a);
/* Sum of every class: equals the lifetime when no transition was missed. */
uint64_t thread_accounted(const struct thread_acct *a);
/* |lifetime - accounted| / lifetime (0 for an empty lifetime). */
double thread_residual(const struct thread_acct *a);

/* Adds one thread into T. */
void totals_add(struct acct_totals *t, const struct thread_acct *a);
/* Totals of process PID's threads (pid 0: every thread of the tree). */
void totals_of(const struct run_model *m, uint32_t pid, struct acct_totals *out);

/* Relative difference |ours - theirs| / theirs; 0 when both are 0, 1 when only theirs is 0. */
double rel_diff(double ours, double theirs);

/* The tree's voluntary switches as getrusage counts them: the kernel folds a thread's counters
 * into its process before the thread's final switch, so that switch of every thread but a process
 * leader never reaches rusage. */
uint64_t rusage_comparable_nvcsw(const struct run_model *m);

/* Largest residual over every thread, and which thread has it. */
double max_residual(const struct run_model *m, uint32_t *tid);

/* Share of TOTAL (0..1), 0 when TOTAL is 0. */
double share(uint64_t part, uint64_t total);

/* Total time and count of syscall NR over process PID (0: whole tree). */
void syscall_totals(const struct run_model *m, uint32_t pid, uint32_t nr, uint64_t *count, uint64_t *ns);

/* The command's own lifetime (fork to exit of the root process); the session's as a fallback. */
uint64_t command_wall_ns(const struct run_model *m);

#endif
