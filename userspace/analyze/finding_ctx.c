/* The tools findings' detectors share (finding_ctx.h). */
#include "analyze/finding_ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/roles.h"
#include "base/util.h"
#include "model/account.h"

void evidence(struct finding *f, const char *name, double value)
{
	if (f->n_evidence < EVIDENCE_MAX)
		f->evidence[f->n_evidence++] = (struct evidence){ name, value };
}

#define FORMAT_INTO(field) do { \
	va_list ap; \
	va_start(ap, fmt); \
	vsnprintf(field, sizeof(field), fmt, ap); \
	va_end(ap); \
} while (0)

void say(struct finding *f, const char *fmt, ...)
{
	FORMAT_INTO(f->text);
}

void headline(struct finding *f, const char *fmt, ...)
{
	FORMAT_INTO(f->headline);
}

void advise(struct finding *f, const char *fmt, ...)
{
	FORMAT_INTO(f->advice);
}

const char *fmt_count(char *buf, size_t len, double n)
{
	char digits[32];
	size_t nd, at = 0;

	snprintf(digits, sizeof(digits), "%.0f", n < 0 ? 0 : n);
	nd = strlen(digits);
	for (size_t i = 0; i < nd && at + 2 < len; i++) {
		if (i && (nd - i) % 3 == 0)
			buf[at++] = ',';
		buf[at++] = digits[i];
	}
	buf[at] = '\0';
	return buf;
}

const char *plural(double n, const char *one, const char *many)
{
	return n >= 0.5 && n < 1.5 ? one : many;
}

const char *fmt_ns(char *buf, size_t len, double ns)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.0f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.*f ms", ns < 1e7 ? 1 : 0, ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

struct path_sum scope_sum(const struct finding_ctx *c, const struct path_scope *s)
{
	return path_sum(c->m, c->p, s);
}

void explain_scope(const struct finding_ctx *c, struct finding *f, const struct path_scope *s)
{
	f->scope = *s;
	f->explained_s = ns_to_s(path_time(c->m, c->p, s));
}

/* The index of thread TID in M's threads, or -1. */
static long thread_index(const struct run_model *m, uint32_t tid)
{
	const struct thread_acct *a = model_find_thread(m, tid);

	return a ? (long)((const struct model_thread *)(const void *)a - m->threads) : -1;
}

static void find_messengers(const struct run_model *m, bool *messenger)
{
	for (size_t i = 0; i < m->n_wakeups; i++) {
		const struct model_wakeup *w = &m->wakeups[i];
		long waker, wakee;

		if (w->k.wakee_class != WC_PIPE || !w->s.count)
			continue;
		waker = thread_index(m, w->k.waker_tid);
		wakee = thread_index(m, w->k.wakee_tid);
		if (waker >= 0 && wakee >= 0 && m->threads[waker].acct.tgid != m->threads[wakee].acct.tgid)
			messenger[waker] = messenger[wakee] = true;
	}
}

void finding_ctx_init(struct finding_ctx *c, const struct run_model *m, const struct critical_path *p,
		      const struct explanation *e)
{
	long thread = -1;

	*c = (struct finding_ctx){ .m = m, .p = p, .e = e, .wall_ns = p ? p->end_ns - p->start_ns : 0 };
	activities_of(m, &c->act);
	c->carried = xcalloc(m->n_threads ? m->n_threads : 1, sizeof(*c->carried));
	c->messenger = xcalloc(m->n_threads ? m->n_threads : 1, sizeof(*c->messenger));
	find_messengers(m, c->messenger);
	for (size_t i = 0; p && i < p->n_segments; i++) {
		const struct path_segment *seg = &p->segments[i];

		if (seg->tid)
			thread = thread_index(m, seg->tid);
		if (thread >= 0 && seg->wait_class < WC_COUNT)
			c->carried[thread][seg->wait_class] += seg->end_ns - seg->start_ns;
	}
}

void finding_ctx_free(struct finding_ctx *c)
{
	activities_free(&c->act);
	free(c->carried);
	free(c->messenger);
}

bool passes_messages(const struct finding_ctx *c, const struct thread_acct *a)
{
	long i = thread_index(c->m, a->tid);

	return i >= 0 && c->messenger[i];
}

bool is_ipc_plumbing(const struct finding_ctx *c, const struct thread_acct *a)
{
	return thread_role(c->m, a) == ROLE_EXECUTOR && passes_messages(c, a);
}

uint64_t thread_path_ns(const struct finding_ctx *c, uint32_t tid, uint32_t classes)
{
	long i = thread_index(c->m, tid);
	uint64_t ns = 0;

	for (int k = 0; i >= 0 && k < WC_COUNT; k++)
		if (classes & CLASS_BIT(k))
			ns += c->carried[i][k];
	return ns;
}

const struct thread_acct *top_carrier(const struct finding_ctx *c, uint32_t classes, bool root_too)
{
	const struct thread_acct *best = NULL;
	uint64_t best_ns = 0;

	for (size_t i = 0; i < c->m->n_threads; i++) {
		const struct thread_acct *a = &c->m->threads[i].acct;
		uint64_t ns;

		if (!root_too && a->tid == c->m->meta.root_pid)
			continue;
		ns = thread_path_ns(c, a->tid, classes);
		if (ns > best_ns) {
			best = a;
			best_ns = ns;
		}
	}
	return best;
}

uint64_t class_sum(const struct thread_acct *a, uint32_t classes)
{
	uint64_t ns = 0;

	for (int k = 0; k < WC_COUNT; k++)
		if (classes & CLASS_BIT(k))
			ns += a->ns[k];
	return ns;
}

uint64_t busy_ns(const struct finding_ctx *c, const struct thread_acct *a)
{
	uint64_t ns = class_sum(a, RUN_CLASSES);

	for (size_t i = 0; i < c->m->n_wakeups; i++) {
		const struct model_wakeup *w = &c->m->wakeups[i];

		if (w->k.wakee_tid == a->tid && w->k.wakee_class >= WC_DISK &&
		    waker_node(c->m, w) >= (enum graph_node)ROLE_COUNT)
			ns += w->s.waited_ns;
	}
	return ns;
}

bool is_python_process(const struct model_process *p)
{
	return p->python || strstr(p->comm, "python");
}

const char *process_label(const struct model_process *p, char *buf, size_t len)
{
	const char *text = p->cmdline && *p->cmdline ? p->cmdline : p->comm;
	const char *slash = strchr(text, ' ') ? NULL : strrchr(text, '/');

	snprintf(buf, len, "%s", slash ? slash + 1 : text);
	if (strlen(text) >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}
