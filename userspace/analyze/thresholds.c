/* The explanation's thresholds (thresholds.h); docs/explain.md says why each is what it is. */
#include "analyze/thresholds.h"

const struct explain_thresholds explain_th = {
	.min_explained = 0.1, .part_of = 0.8, .rank_tie = 0.05,
	.loop_entry_share = 0.01, .edge_min_share = 0.01,
	.loop_stretch_ns = 50000000, .loop_blocked_share = 0.8, .loop_blocked_idle = 0.1,
	.loop_compute_share = 0.3, .loop_own_work = 0.5, .loop_min_samples = 20,
	.carrier_share = 0.5, .carrier_waits = 0.5, .serial_concurrency = 1.25,
	.handoff_min_jobs = 200, .handoff_max_job_cpu_ns = 200000,
	.lock_contention_share = 0.2, .lock_handover_rate = 50, .lock_mutual_min = 0.05, .spin_share = 0.2,
	.gil_share = 0.2, .likely_gil_threads = 3, .likely_gil_lock_share = 0.3,
	.likely_gil_cpus_min = 0.5, .likely_gil_cpus_max = 1.1,
	.single_thread_cpus = 0.6,
	.sequential_in_flight = 1.5,
	.ipc_min_bytes = 1000000, .ipc_small_message = 16384, .local_socket_match = 0.9,
	.pool_sleep_share = 0.8,
	.startup_min_procs = 10, .startup_max_life_ns = 500000000,
	.runqueue_excess = 1.0, .behind_others = 0.5,
	.parallel_cpus = 0.75,
	.disk_note_bytes = 1000000, .disk_idle_busy = 0.2, .disk_note_path = 0.02,
};
