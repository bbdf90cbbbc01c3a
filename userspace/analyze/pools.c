/* A process's thread pool and its jobs (pools.h). */
#include "analyze/pools.h"

#include "model/account.h"

/* A's role in pool P: its dispatcher or an executor, else ROLE_COUNT. */
static enum role pool_role(const struct finding_ctx *c, const struct pool *p, const struct thread_acct *a)
{
	enum role r = thread_role(c->m, a);

	if (a->tgid != p->tgid || (r != ROLE_EXECUTOR && r != p->dispatcher) || is_ipc_plumbing(c, a))
		return ROLE_COUNT;
	return r;
}

void pool_of_process(const struct finding_ctx *c, uint32_t tgid, struct pool *p)
{
	*p = (struct pool){ .tgid = tgid, .dispatcher = ROLE_MAIN };
	for (size_t i = 0; i < c->m->n_threads; i++)
		if (c->m->threads[i].acct.tid == tgid && thread_role(c->m, &c->m->threads[i].acct) == ROLE_LOOP)
			p->dispatcher = ROLE_LOOP;
	for (size_t i = 0; i < c->m->n_threads; i++) {
		const struct thread_acct *a = &c->m->threads[i].acct;
		enum role r = pool_role(c, p, a);

		if (r == ROLE_COUNT)
			continue;
		p->cpu_ns += a->ns[WC_ONCPU];
		p->gil_ns += a->ns[WC_GIL];
		if (r != ROLE_EXECUTOR)
			continue;
		p->executors++;
		/* an event loop's self-pipe carries one byte a write (none when the pipe is full) */
		if (a->io[FK_PIPE][1].bytes <= 2 * a->io[FK_PIPE][1].calls)
			p->handbacks += a->io[FK_PIPE][1].calls;
		p->file_calls += a->io[FK_FILE][0].calls + a->io[FK_FILE][1].calls;
	}
	for (size_t i = 0; i < c->m->n_wakeups; i++) {
		const struct model_wakeup *w = &c->m->wakeups[i];
		const struct thread_acct *wakee = model_find_thread(c->m, w->k.wakee_tid);
		const struct thread_acct *waker = model_find_thread(c->m, w->k.waker_tid);
		bool to_executor = wakee && thread_role(c->m, wakee) == ROLE_EXECUTOR;

		if (wakee && waker && wakee->tgid == p->tgid && waker->tgid == p->tgid &&
		    to_executor != (thread_role(c->m, waker) == ROLE_EXECUTOR) &&
		    !is_ipc_plumbing(c, to_executor ? wakee : waker))
			p->wakeups += w->s.count;
	}
	/* An event loop hears of every finished job through its self-pipe: one write each. Writes
	 * outnumbering the wakeups are such hand-backs too, whatever role the loop was given. */
	p->jobs = (p->dispatcher == ROLE_LOOP && p->handbacks) || p->handbacks > p->wakeups ? p->handbacks :
		  p->wakeups;
}
