/* The role each thread plays (main, event loop, executor, worker), which is also its node in the
 * wait-for graph, and the node that ended a wait. */
#ifndef CONCTRACE_ROLES_H
#define CONCTRACE_ROLES_H

#include "model/model.h"

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

/* The node that ended the wait W: a role when a thread of the tree did, else a pseudo node. */
enum graph_node waker_node(const struct run_model *m, const struct model_wakeup *w);
enum role thread_role(const struct run_model *m, const struct thread_acct *a);

#endif
