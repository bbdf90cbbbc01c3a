/* Findings about what the critical path waited for: the network, the disk, timers, other processes
 * (their start-up, the data shipped to them), and work that ran one item at a time. */
#ifndef CONCTRACE_DETECT_WAITS_H
#define CONCTRACE_DETECT_WAITS_H

#include <stdbool.h>
#include "analyze/finding_ctx.h"

bool no_concurrency(const struct finding_ctx *c, struct finding *f);
bool ipc_bound(const struct finding_ctx *c, struct finding *f);
bool process_startup(const struct finding_ctx *c, struct finding *f);
bool network_bound(const struct finding_ctx *c, struct finding *f);
bool disk_bound(const struct finding_ctx *c, struct finding *f);
bool timer_bound(const struct finding_ctx *c, struct finding *f);
bool disk_not_bottleneck(const struct finding_ctx *c, struct finding *f);

#endif
