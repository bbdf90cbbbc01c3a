/* Why one run took its time, from its run model alone. Without a timeline the method is "aggregate
 * shares": thread time per wait class, parallelism (mean CPUs busy, mean runnable threads), roles of
 * threads, and a wait-for graph of the wakeup edges (after wPerf, OSDI 2018) whose knots hold the
 * bottleneck. With a timeline (record --timeline) the method is "critical path": the root process's
 * wall time split by who carried it. Pure functions, no I/O; docs/explain.md has the rules. */
#ifndef CONCTRACE_EXPLAIN_H
#define CONCTRACE_EXPLAIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "model.h"
#include "syscall_names.h"

#define EXPLAIN_METHOD "aggregate shares"
#define EXPLAIN_METHOD_PATH "critical path"

/* Every threshold of the explanation, in one table (findings.c; docs/explain.md says why). Shares
 * are 0..1; "x ncpus" and "x wall" thresholds are multiplied by those. */
struct explain_thresholds {
	double loop_entry_share;        /* a main thread is an event loop: loop-idle share of its waits */
	double edge_min_share;          /* wait-for edges below this share of all waiting are dropped */
	double single_thread_oncpu;     /* cpu-bound-single-thread: the thread's on-CPU share of its life */
	double single_thread_cpus;      /*   ... while mean CPUs busy < this x ncpus */
	double parallel_cpus;           /* parallel: mean CPUs busy >= this x ncpus */
	double gil_share;               /* gil-bound: gil class share of thread time */
	int likely_gil_threads;         /* likely GIL: threads of one Python process, at least */
	double likely_gil_lock_share;   /*   their lock share of thread time, at least */
	double likely_gil_cpus_min;     /*   their on-CPU time, between this x wall */
	double likely_gil_cpus_max;     /*   and this x wall */
	double lock_contention_share;   /* lock-contention: sibling lock waits, share of on-CPU + those */
	double lock_handover_rate;      /*   and sibling lock hand-overs per second of wall, at least */
	double lock_wanting_threads;    /*   and their mean threads running or waiting to, at least */
	uint64_t handoff_min_wakeups;   /* thread-pool-handoff: wakeups between dispatcher and executors */
	double handoff_share;           /*   and their waiting, share of thread time */
	double disk_idle_busy;          /* disk-not-bottleneck: device busy < this share of wall */
	double disk_bound_busy;         /* disk-bound: device busy >= this share of wall */
	double disk_bound_share;        /*   or disk class >= this share of thread time */
	double runqueue_excess;         /* runqueue-saturation: threads running or runnable, on average,
					 * >= ncpus + this */
	double loop_blocked_share;      /* loop-blocked: the loop thread's blocked share of its life */
	double loop_blocked_idle;       /*   and its loop-idle share at most this */
	double no_concurrency_cpus;     /* no-concurrency: mean CPUs busy at most this */
	double no_concurrency_top;      /*   a created thread's share of the created threads' on-CPU */
	double no_concurrency_waited;   /*   others waited for it, share of its life, at least */
	double startup_ipc_share;       /* process-startup-ipc: share of thread time */
	double contention_runqueue_share; /* cpu-contention: runqueue share of thread time, at least */
	double contention_cpus;         /*   while mean CPUs busy < this x ncpus */
};
extern const struct explain_thresholds explain_th;

/* What a thread does in the run. Its index is also its node in the wait-for graph. */
enum role { ROLE_MAIN, ROLE_LOOP, ROLE_EXECUTOR, ROLE_WORKER, ROLE_COUNT };

/* Nodes of the wait-for graph: the roles (same index, same name), then what wakes threads from
 * outside the tree. */
enum graph_node {
	GN_MAIN, GN_LOOP, GN_EXECUTOR, GN_WORKER,
	GN_KERNEL,    /* kernel workers and interrupt context: kworker, jbd2, swapper... */
	GN_DISK,      /* the end of a disk, kernel-lock or other-d wait */
	GN_TIMER,
	GN_NET,
	GN_OUTSIDE,   /* another process outside the traced tree */
	GN_COUNT,
};
extern const char *const graph_node_names[GN_COUNT];

struct role_time {
	int threads;
	uint64_t life_ns, ns[WC_COUNT];
};

struct decomposition {
	const char *method;           /* EXPLAIN_METHOD_PATH when the model has a timeline */
	int ncpus;
	uint64_t wall_ns, thread_ns;  /* the command's lifetime; the sum of its threads' lifetimes */
	double cpus_busy;             /* tree on-CPU time / wall */
	double runnable;              /* tree runqueue time / wall: mean threads waiting for a CPU */
	uint64_t class_ns[WC_COUNT];
	struct role_time roles[ROLE_COUNT];
	uint64_t switches;
	double disk_busy;             /* the busiest device's busy time (io_ticks) / wall */
	uint64_t write_bytes;         /* bytes the tree's write syscalls wrote */
	uint64_t sectors_written;     /* by every device, 512 bytes each */
	/* The critical path's split of the root's life, when there is a timeline (method). */
	uint64_t path_ns, path_class_ns[WC_COUNT], path_node_ns[GN_COUNT];
};

/* The wait-for graph: edge [waiter][waker] holds the time waiters of one node waited until a thread
 * (or pseudo node) of the other woke them. */
struct wait_graph {
	uint64_t waited_ns[GN_COUNT][GN_COUNT], count[GN_COUNT][GN_COUNT];
	uint64_t work_ns[GN_COUNT];   /* on-CPU + runqueue time of the node's threads */
	bool present[GN_COUNT];
	uint64_t total_ns;            /* every edge's weight */
	size_t n_knots;
	unsigned knots[GN_COUNT];     /* bitmasks of nodes, heaviest knot first */
	uint64_t knot_ns[GN_COUNT];   /* weight waiting on the knot, plus its own work */
};

#define EVIDENCE_MAX 7

/* What a finding explains on the critical path: the path's segments in one of CLASSES (bitmask of
 * wait classes) carried by a thread, or spent in waits of a thread, that is TID (when not 0), of
 * process TGID (when not 0) and whose node, or the segment's node, is in NODES (bitmask; 0: any). */
struct path_scope {
	uint32_t tid, tgid;
	unsigned nodes;
	uint32_t classes;
};
#define CLASS_BIT(c) (1u << (c))
#define ALL_CLASSES ((1u << WC_COUNT) - 1)

struct evidence {
	const char *name;
	double value;
};

struct finding {
	const char *name;
	double explained_s;           /* wall time it explains: on the critical path when there is one */
	struct path_scope scope;
	char text[400];
	int n_evidence;
	struct evidence evidence[EVIDENCE_MAX];
};

#define FINDINGS_MAX 16

struct explanation {
	struct decomposition d;
	struct wait_graph g;
	char path_summary[400];       /* who carried the critical path; empty without a timeline */
	size_t n_findings;
	struct finding findings[FINDINGS_MAX];  /* ranked: most wall time explained first */
	uint64_t sys_count[SYSCALL_NR_MAX], sys_ns[SYSCALL_NR_MAX];  /* whole tree */
};

/* The critical path of the root process (critpath.c): walking back from its end, the thread that
 * runs (or waits for a CPU) is charged; a thread that waits hands the path to whoever woke it, a
 * thread of the tree or a pseudo node (disk, timer, network, kernel, outside). */
struct path_segment {
	uint64_t start_ns, end_ns;
	uint32_t tid;          /* the thread charged; 0 for a pseudo node */
	uint16_t node;         /* enum graph_node: the thread's role, or the pseudo node */
	uint16_t wait_class;   /* oncpu, runqueue, or the wait charged (a pseudo node's, or unended) */
};

struct critical_path {
	uint64_t start_ns, end_ns;                   /* the root process's life */
	MODEL_ARRAY(struct path_segment, segments);  /* time order, tiling [start_ns, end_ns] */
	uint64_t class_ns[WC_COUNT], node_ns[GN_COUNT];
};

/* False (and P empty) when the model has no timeline. */
bool critical_path_build(const struct run_model *m, struct critical_path *p);
void critical_path_free(struct critical_path *p);
json_t *critical_path_json(const struct run_model *m, const struct critical_path *p);

/* The node that ended the wait W: a role when a thread of the tree did, else a pseudo node. */
enum graph_node waker_node(const struct run_model *m, const struct model_wakeup *w);
enum role thread_role(const struct run_model *m, const struct thread_acct *a);
void decompose(const struct run_model *m, struct decomposition *d);
/* The same with the critical path P already built (NULL: there is none). */
void decompose_on_path(const struct run_model *m, const struct critical_path *p, struct decomposition *d);
/* The path's time in SCOPE, in ns. */
uint64_t path_time(const struct run_model *m, const struct critical_path *p, const struct path_scope *s);
void wait_graph_build(const struct run_model *m, struct wait_graph *g);
/* Node names of knot K joined by '+', into BUF. */
void knot_name(const struct wait_graph *g, size_t k, char *buf, size_t len);

void explain_run(const struct run_model *m, struct explanation *e);
/* The same with the critical path P already built (NULL: there is none). */
void explain_on_path(const struct run_model *m, const struct critical_path *p, struct explanation *e);
/* The finding called NAME, or NULL. */
const struct finding *explanation_finding(const struct explanation *e, const char *name);

json_t *decomposition_json(const struct decomposition *d);
json_t *wait_graph_json(const struct wait_graph *g);
json_t *explanation_json(const struct explanation *e);
/* Everything above for report.json: {"method", "decomposition", "wait_graph", "findings"}. */
json_t *explain_to_json(const struct run_model *m);

#endif
