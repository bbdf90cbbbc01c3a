/* A process's thread pool: its dispatcher (the event loop, else the main thread), its executor
 * threads, and the jobs that went from one to the other, counted from the kernel's evidence. */
#ifndef CONCTRACE_POOLS_H
#define CONCTRACE_POOLS_H

#include <stdint.h>
#include "analyze/finding_ctx.h"
#include "analyze/roles.h"

struct pool {
	uint32_t tgid;               /* 0: the pools of several processes, together */
	enum role dispatcher;
	unsigned nodes;              /* the dispatchers' and executors' nodes */
	int executors;
	/* jobs: the executors' one-byte hand-backs to an event loop's self-pipe, else the wakeups
	 * between dispatcher and executors, whichever applies (docs/explain.md) */
	uint64_t jobs, handbacks, wakeups, cpu_ns, gil_ns, file_calls, path_ns;
};

/* Process TGID's pool into P (no executors: it has none). Executors that pass messages to other
 * processes are a process pool's plumbing (ipc-bound), not a pool of their own. */
void pool_of_process(const struct finding_ctx *c, uint32_t tgid, struct pool *p);

#endif
