#include "model/account.h"

#include <math.h>
#include <string.h>

uint64_t thread_lifetime(const struct thread_acct *a)
{
	return a->end_ns > a->start_ns ? a->end_ns - a->start_ns : 0;
}

uint64_t thread_accounted(const struct thread_acct *a)
{
	uint64_t sum = 0;

	for (int c = 0; c < WC_COUNT; c++)
		sum += a->ns[c];
	return sum;
}

double thread_residual(const struct thread_acct *a)
{
	uint64_t life = thread_lifetime(a), acc = thread_accounted(a);

	if (!life)
		return acc ? 1.0 : 0.0;
	return fabs((double)life - (double)acc) / (double)life;
}

void totals_add(struct acct_totals *t, const struct thread_acct *a)
{
	t->threads++;
	t->life_ns += thread_lifetime(a);
	for (int c = 0; c < WC_COUNT; c++)
		t->ns[c] += a->ns[c];
	t->nvcsw += a->nvcsw;
	t->nivcsw += a->nivcsw;
	t->samples += a->samples;
	t->stolen_ns += a->stolen_ns;
	if (!(a->flags & TF_K_END))
		return;
	t->k_threads++;
	t->k_runtime += a->k_runtime[1] - a->k_runtime[0];
	t->k_run_delay += a->k_run_delay[1] - a->k_run_delay[0];
	t->k_nvcsw += a->k_nvcsw[1] - a->k_nvcsw[0];
	t->k_nivcsw += a->k_nivcsw[1] - a->k_nivcsw[0];
	t->k_oncpu_ns += a->ns[WC_ONCPU];
	t->k_stolen_ns += a->stolen_ns;
	t->k_runqueue_ns += a->ns[WC_RUNQUEUE];
	t->k_our_nvcsw += a->nvcsw;
	t->k_our_nivcsw += a->nivcsw;
}

void totals_of(const struct run_model *m, uint32_t pid, struct acct_totals *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < m->n_threads; i++)
		if (!pid || m->threads[i].acct.tgid == pid)
			totals_add(out, &m->threads[i].acct);
}

double rel_diff(double ours, double theirs)
{
	if (theirs == 0)
		return ours == 0 ? 0.0 : 1.0;
	return fabs(ours - theirs) / fabs(theirs);
}

uint64_t rusage_comparable_nvcsw(const struct run_model *m)
{
	uint64_t n = 0;

	for (size_t i = 0; i < m->n_threads; i++) {
		const struct thread_acct *a = &m->threads[i].acct;

		n += a->nvcsw;
		if ((a->flags & TF_DEAD) && a->tid != a->tgid && n)
			n--;
	}
	return n;
}

double max_residual(const struct run_model *m, uint32_t *tid)
{
	double worst = -1;
	uint32_t who = 0;

	for (size_t i = 0; i < m->n_threads; i++) {
		double r = thread_residual(&m->threads[i].acct);

		if (r > worst) {
			worst = r;
			who = m->threads[i].acct.tid;
		}
	}
	if (tid)
		*tid = who;
	return worst < 0 ? 0 : worst;
}

double share(uint64_t part, uint64_t total)
{
	return total ? (double)part / (double)total : 0.0;
}

void syscall_totals(const struct run_model *m, uint32_t pid, uint32_t nr, uint64_t *count, uint64_t *ns)
{
	*count = *ns = 0;
	for (size_t i = 0; i < m->n_syscalls; i++) {
		const struct model_syscall *s = &m->syscalls[i];

		if (s->nr == nr && (!pid || s->tgid == pid)) {
			*count += s->s.count;
			*ns += s->s.total_ns;
		}
	}
}

/* The command's own lifetime (fork to exit of the root process); the session's as a fallback. */
uint64_t command_wall_ns(const struct run_model *m)
{
	for (size_t i = 0; i < m->n_procs; i++) {
		const struct model_process *p = &m->procs[i];

		if (p->pid == m->meta.root_pid && p->end_ns > p->start_ns)
			return p->end_ns - p->start_ns;
	}
	return m->meta.end_ns > m->meta.start_ns ? m->meta.end_ns - m->meta.start_ns : 0;
}
