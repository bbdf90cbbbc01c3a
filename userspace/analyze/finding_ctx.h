/* What every finding's detector reads (the model, its critical path, the decomposition, on-CPU
 * activities) and the small tools they share to measure and to word a finding. */
#ifndef CONCTRACE_FINDING_CTX_H
#define CONCTRACE_FINDING_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analyze/activity.h"
#include "analyze/finding.h"
#include "model/model.h"

struct finding_ctx {
	const struct run_model *m;
	const struct critical_path *p;
	const struct explanation *e;
	struct activities act;
	uint64_t wall_ns;             /* the path's length: the root process's life */
	/* Path time each thread carried (by index in m->threads), by class: its own segments and its
	 * waits charged to pseudo nodes. */
	uint64_t (*carried)[WC_COUNT];
	bool *messenger;              /* by index in m->threads: see passes_messages */
};

void finding_ctx_init(struct finding_ctx *c, const struct run_model *m, const struct critical_path *p,
		      const struct explanation *e);
void finding_ctx_free(struct finding_ctx *c);

/* A detector: fills F and returns true when its finding applies (explained or not: the engine
 * drops those under the threshold). */
typedef bool (*detect_fn)(const struct finding_ctx *c, struct finding *f);

void evidence(struct finding *f, const char *name, double value);
void say(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void headline(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void advise(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "505,012" into BUF. */
const char *fmt_count(char *buf, size_t len, double n);
/* ONE when N is 1, else MANY. */
const char *plural(double n, const char *one, const char *many);
/* "60 us", "1.2 ms", "2.00 s" into BUF. */
const char *fmt_ns(char *buf, size_t len, double ns);

/* The path's time (and intervals) in S; sets F's scope and explained time to it. */
struct path_sum scope_sum(const struct finding_ctx *c, const struct path_scope *s);
void explain_scope(const struct finding_ctx *c, struct finding *f, const struct path_scope *s);

/* The path time carried by thread TID (its own segments and its waits charged to pseudo nodes). */
uint64_t thread_path_ns(const struct finding_ctx *c, uint32_t tid, uint32_t classes);
/* The thread (not the root's main thread unless ROOT_TOO) carrying the most path time in CLASSES. */
const struct thread_acct *top_carrier(const struct finding_ctx *c, uint32_t classes, bool root_too);

/* Whether thread A woke, or was woken by, a thread of another process of the tree through a pipe or
 * unix socket: it passes messages between processes (a process pool's feeder and result threads, a
 * Manager's handler threads, a worker answering them). */
bool passes_messages(const struct finding_ctx *c, const struct thread_acct *a);
/* An executor thread that passes messages: a process pool's plumbing, whose time and lock turns are
 * the messages' cost (ipc-bound), not a thread pool or a lock of its own. */
bool is_ipc_plumbing(const struct finding_ctx *c, const struct thread_acct *a);

/* Sum of A's time in CLASSES (bitmask). */
uint64_t class_sum(const struct thread_acct *a, uint32_t classes);
/* A's time doing something itself: running or waiting for a CPU, or in waits nobody in the tree
 * ended (timers, the disk, the network): not waiting on another thread of the tree. */
uint64_t busy_ns(const struct finding_ctx *c, const struct thread_acct *a);

bool is_python_process(const struct model_process *p);
/* "python3 script.py", or the comm: P's command line, cut to LEN. */
const char *process_label(const struct model_process *p, char *buf, size_t len);

/* The classes of waits (every class but running and waiting for a CPU). */
#define WAIT_CLASSES (ALL_CLASSES & ~(CLASS_BIT(WC_ONCPU) | CLASS_BIT(WC_RUNQUEUE) | CLASS_BIT(WC_WAKEUP)))
#define RUN_CLASSES (CLASS_BIT(WC_ONCPU) | CLASS_BIT(WC_RUNQUEUE) | CLASS_BIT(WC_WAKEUP))

#endif
