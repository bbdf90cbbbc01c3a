/* What on-CPU time was spent on, from the frames of the CPU samples: spinning on a lock, (un)pickling
 * data for another process, starting an interpreter and importing, the machinery of event loops and
 * executors, switching the GIL, or the program's own work (docs/explain.md, "On-CPU activities"). */
#ifndef CONCTRACE_ACTIVITY_H
#define CONCTRACE_ACTIVITY_H

#include <stdint.h>
#include "model/model.h"

enum activity {
	ACT_WORK,        /* the program's own work: anything below */
	ACT_SPIN,        /* pthread_spin_lock, sched_yield loops */
	ACT_PICKLE,      /* pickle, multiprocessing's connection and reduction: data for another process */
	ACT_STARTUP,     /* the dynamic loader, interpreter start-up, imports */
	ACT_MACHINERY,   /* asyncio's loop and futures, concurrent.futures, threading's and queue's locks */
	ACT_GIL,         /* taking and dropping the GIL */
	ACT_SOCKET,      /* in a send or recv family call: the kernel copying through a socket */
	ACT_COUNT,
};
extern const char *const activity_names[ACT_COUNT];

/* CPU samples of one process, or one thread, by activity, and of them those taken in the kernel (a
 * syscall, a fault: no GIL held). */
struct activity_count {
	uint32_t id;                        /* its tgid, or tid */
	uint64_t samples[ACT_COUNT], kernel[ACT_COUNT];
};

struct activities {
	uint64_t samples[ACT_COUNT], kernel[ACT_COUNT];  /* the whole tree's */
	size_t n_procs, n_threads;
	struct activity_count *procs, *threads;
};

/* Classifies every on-CPU sample of M by the innermost frame that names an activity (Python frames
 * replace the interpreter's; user frames are named from the files the model's mappings name). */
void activities_of(const struct run_model *m, struct activities *a);
void activities_free(struct activities *a);

/* The share of process TGID's samples (0: the tree's) spent on activity ACT; 0 without samples. */
double activity_share(const struct activities *a, uint32_t tgid, enum activity act);
/* The same for thread TID's samples, and how many it has. */
double thread_activity_share(const struct activities *a, uint32_t tid, enum activity act, uint64_t *samples);

#endif
