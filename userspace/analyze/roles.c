/* The role of each thread (main, event loop, executor, worker) and the node of the wait-for graph
 * that ended a wait (roles.h; docs/explain.md). */
#include "analyze/roles.h"

#include <string.h>
#include "analyze/thresholds.h"
#include "base/util.h"
#include "model/classify.h"
#include "model/report_json.h"
#include "model/syscall_names.h"

const char *const graph_node_names[GN_COUNT] = {
	"main", "event-loop", "executor", "workers", "kernel-workers", "disk", "timers", "network",
	"outside",
};

/* Calls to an event loop's selector (epoll, io_uring) by process TGID, blocking or not. Poll and
 * select are left out: blocking sockets with a timeout use them without any loop. */
static uint64_t selector_calls(const struct run_model *m, uint32_t tgid)
{
	static const char *const selectors[] = { "epoll_wait", "epoll_pwait", "epoll_pwait2",
						 "io_uring_enter" };
	/* Numbered once: roles are asked for at every step of a critical path, and syscall_nr() is a
	 * search by name (it was 80 % of `conctrace report` on an asyncio cell). */
	static int nrs[ARRAY_LEN(selectors)];
	static bool numbered;
	uint64_t calls = 0;

	if (!numbered) {
		for (size_t k = 0; k < ARRAY_LEN(selectors); k++)
			nrs[k] = syscall_nr(selectors[k]);
		numbered = true;
	}
	for (size_t i = 0; i < m->n_syscalls; i++)
		for (size_t k = 0; k < ARRAY_LEN(selectors) && m->syscalls[i].tgid == tgid; k++)
			if ((int)m->syscalls[i].nr == nrs[k])
				calls += m->syscalls[i].s.count;
	return calls;
}

/* A process's main thread whose loop-idle waits, or its process's selector calls, are at least
 * loop_entry_share of its waits. Counted in entries, not time: without GIL data a loop thread's GIL
 * waits are lock time and can outweigh its idle time in the loop; and a loop whose callbacks
 * block (time.sleep) polls its selector without ever idling in it. */
static bool is_event_loop(const struct run_model *m, const struct thread_acct *a)
{
	uint64_t waits = 0, entries;

	if (a->tid != a->tgid)
		return false;
	for (int c = WC_DISK; c < WC_COUNT; c++)
		waits += a->blocks[c];
	entries = selector_calls(m, a->tgid);
	if (a->blocks[WC_LOOP_IDLE] > entries)
		entries = a->blocks[WC_LOOP_IDLE];
	return entries && entries >= explain_th.loop_entry_share * waits;
}

/* The role of thread TID of process TGID; A is its accounting when known. */
static enum role role_of(const struct run_model *m, uint32_t tid, uint32_t tgid,
			 const struct thread_acct *a)
{
	if (a && is_event_loop(m, a))
		return ROLE_LOOP;
	if (tid != tgid)
		return ROLE_EXECUTOR;
	return tid == m->meta.root_pid ? ROLE_MAIN : ROLE_WORKER;
}

enum role thread_role(const struct run_model *m, const struct thread_acct *a)
{
	return role_of(m, a->tid, a->tgid, a);
}

static bool in_tree(const struct run_model *m, uint32_t tgid)
{
	for (size_t i = 0; i < m->n_procs; i++)
		if (m->procs[i].pid == tgid)
			return true;
	return false;
}

/* Wakers outside the tree that are the kernel itself (or whoever an interrupt happened to hit). */
static bool is_kernel_waker(const struct wakeup_stat *s)
{
	static const char *const prefixes[] = { "kworker", "ksoftirqd", "jbd2", "swapper", "kswapd",
						"rcu", "migration", "irq/", "kthreadd" };

	if (!s->waker_tgid)
		return true;
	for (size_t i = 0; i < ARRAY_LEN(prefixes); i++)
		if (!strncmp(s->waker_comm, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* Disk and timer waits end by an interrupt, whatever task it hit. A wakeup from interrupt context
 * names its handler's kind (a packet, a timer, a block completion); older reports without it name
 * the interrupted task, which is never taken for the waker of a disk, timer or network wait. */
enum graph_node waker_node(const struct run_model *m, const struct model_wakeup *w)
{
	const struct thread_acct *wakee = model_find_thread(m, w->k.wakee_tid);
	uint32_t class = w->k.wakee_class;
	enum irq_kind irq = irq_kind_of(&w->k);
	bool kernel = irq || is_kernel_waker(&w->s);

	if (class == WC_DISK)
		return GN_DISK;
	if (class == WC_TIMER)
		return GN_TIMER;
	if (!irq && in_tree(m, w->s.waker_tgid))
		return (enum graph_node)role_of(m, w->k.waker_tid, w->s.waker_tgid,
						model_find_thread(m, w->k.waker_tid));
	if (class == WC_KERNEL_LOCK || class == WC_OTHER_D)
		return GN_DISK;
	if (class == WC_NET || irq == IRQK_NET)
		return GN_NET;
	/* A lock or GIL wait the kernel ended timed out: nobody released the lock (CPython's GIL waits
	 * time out every 5 ms to ask the holder to drop it), so the wait stays the waiter's own. */
	if ((class == WC_LOCK || class == WC_GIL) && kernel && wakee)
		return (enum graph_node)thread_role(m, wakee);
	if (irq == IRQK_TIMER)    /* an event loop's selector timing out: a timer it set */
		return GN_TIMER;
	if (irq == IRQK_BLOCK)
		return GN_DISK;
	return kernel ? GN_KERNEL : GN_OUTSIDE;
}
