/* The explanation's thresholds (thresholds.h); docs/explain.md says why each is what it is. */
#include "analyze/thresholds.h"

const struct explain_thresholds explain_th = {
	.loop_entry_share = 0.01, .edge_min_share = 0.01,
	.single_thread_oncpu = 0.8, .single_thread_cpus = 0.6, .parallel_cpus = 0.75,
	.gil_share = 0.2, .likely_gil_threads = 3, .likely_gil_lock_share = 0.3,
	.likely_gil_cpus_min = 0.5, .likely_gil_cpus_max = 1.1, .lock_contention_share = 0.3,
	.lock_handover_rate = 50, .lock_wanting_threads = 1.5, .handoff_min_wakeups = 100, .handoff_share = 0.1,
	.disk_idle_busy = 0.2, .disk_bound_busy = 0.8, .disk_bound_share = 0.3,
	.runqueue_excess = 1.0, .loop_blocked_share = 0.8, .loop_blocked_idle = 0.1,
	.no_concurrency_cpus = 1.05, .no_concurrency_top = 0.9, .no_concurrency_waited = 0.5,
	.startup_ipc_share = 0.1,
	.contention_runqueue_share = 0.3, .contention_cpus = 0.9,
};
