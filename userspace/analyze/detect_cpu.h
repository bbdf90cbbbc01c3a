/* Findings about what the critical path did on CPUs, or waited for one to do: a blocked event loop,
 * thread-pool round trips, locks (spinning included), the GIL, one busy thread, too few CPUs, the
 * wake-ups themselves, and work already running in parallel. */
#ifndef CONCTRACE_DETECT_CPU_H
#define CONCTRACE_DETECT_CPU_H

#include <stdbool.h>
#include "analyze/finding_ctx.h"

bool loop_blocked(const struct finding_ctx *c, struct finding *f);
bool thread_pool_handoff(const struct finding_ctx *c, struct finding *f);
bool lock_contention(const struct finding_ctx *c, struct finding *f);
bool gil_bound(const struct finding_ctx *c, struct finding *f);
bool cpu_bound_single_thread(const struct finding_ctx *c, struct finding *f);
bool runqueue_saturation(const struct finding_ctx *c, struct finding *f);
bool cpu_contention(const struct finding_ctx *c, struct finding *f);
bool wakeup_latency(const struct finding_ctx *c, struct finding *f);
bool parallel(const struct finding_ctx *c, struct finding *f);

#endif
