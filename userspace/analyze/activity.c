/* On-CPU samples by activity (activity.h). */
#include "analyze/activity.h"

#include <stdlib.h>
#include <string.h>
#include "base/util.h"
#include "model/symbolize.h"

#define NATIVE_FRAMES_SCANNED 8   /* innermost native frames looked at: spinning is at the top */

const char *const activity_names[ACT_COUNT] = {
	"work", "spin", "pickle", "startup", "machinery", "gil", "socket",
};

/* Native functions and files, matched on the innermost frames. */
struct native_rule {
	const char *text;
	bool file;      /* TEXT begins the file's basename, else it is the function's name */
	enum activity act;
};
static const struct native_rule native_rules[] = {
	{ "pthread_spin_lock", false, ACT_SPIN }, { "pthread_spin_trylock", false, ACT_SPIN },
	{ "sched_yield", false, ACT_SPIN }, { "__sched_yield", false, ACT_SPIN },
	{ "take_gil", false, ACT_GIL }, { "drop_gil", false, ACT_GIL },
	{ "_pickle", true, ACT_PICKLE },
	{ "ld-linux", true, ACT_STARTUP }, { "_dl_start", false, ACT_STARTUP },
	{ "_dl_relocate_object", false, ACT_STARTUP }, { "Py_InitializeFromConfig", false, ACT_STARTUP },
	{ "send", false, ACT_SOCKET }, { "__send", false, ACT_SOCKET }, { "__libc_send", false, ACT_SOCKET },
	{ "sendto", false, ACT_SOCKET }, { "__sendto", false, ACT_SOCKET }, { "__libc_sendto", false, ACT_SOCKET },
	{ "sendmsg", false, ACT_SOCKET }, { "__sendmsg", false, ACT_SOCKET }, { "__libc_sendmsg", false, ACT_SOCKET },
	{ "recv", false, ACT_SOCKET }, { "__recv", false, ACT_SOCKET }, { "__libc_recv", false, ACT_SOCKET },
	{ "recvfrom", false, ACT_SOCKET }, { "__recvfrom", false, ACT_SOCKET },
	{ "__libc_recvfrom", false, ACT_SOCKET }, { "recvmsg", false, ACT_SOCKET },
	{ "__recvmsg", false, ACT_SOCKET }, { "__libc_recvmsg", false, ACT_SOCKET },
};

/* Python frames ("function (file:line)", the file's basename), matched anywhere in the stack
 * (imports, pickling) or on the innermost frame only (the machinery around the program's own
 * functions; a frame calling the program's work, like _WorkItem.run, is the work). */
static const struct {
	const char *text;
	bool anywhere;
	enum activity act;
} python_rules[] = {
	{ "<frozen importlib._bootstrap", true, ACT_STARTUP }, { "<frozen zipimport", true, ACT_STARTUP },
	{ "<frozen site>", true, ACT_STARTUP },
	{ "ForkingPickler.", true, ACT_PICKLE }, { "_ConnectionBase.send", true, ACT_PICKLE },
	{ "_ConnectionBase.recv", true, ACT_PICKLE }, { "Connection._send", true, ACT_PICKLE },
	{ "Connection._recv", true, ACT_PICKLE }, { "(pickle.py:", true, ACT_PICKLE },
	{ "(copyreg.py:", true, ACT_PICKLE },
	{ "(base_events.py:", false, ACT_MACHINERY }, { "(selector_events.py:", false, ACT_MACHINERY },
	{ "(selectors.py:", false, ACT_MACHINERY },
	{ "(events.py:", false, ACT_MACHINERY }, { "(futures.py:", false, ACT_MACHINERY },
	{ "(tasks.py:", false, ACT_MACHINERY }, { "(_base.py:", false, ACT_MACHINERY },
	{ "_worker (thread.py:", false, ACT_MACHINERY }, { "(threading.py:", false, ACT_MACHINERY },
	{ "(queue.py:", false, ACT_MACHINERY }, { "(base_futures.py:", false, ACT_MACHINERY },
	{ "ThreadPoolExecutor.", false, ACT_MACHINERY },
	{ "_make_delegate_method.", false, ACT_MACHINERY },  /* aiofiles: a call sent to the executor */
};

static const char *basename_of(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

/* A file's basename begins with the rule's text; a function is named so, its symbol version
 * ("pthread_spin_lock@@GLIBC_2.34") aside. */
static bool native_matches(const struct native_rule *r, const char *name, const char *file)
{
	size_t len = strlen(r->text);

	if (r->file)
		return file && !strncmp(file, r->text, len);
	return name && !strncmp(name, r->text, len) && (name[len] == '\0' || name[len] == '@');
}

static enum activity native_activity(struct symbolizer *sym, struct sym_maps *maps, const struct model_stack *st)
{
	char buf[256];

	for (uint32_t i = 0; st && i < st->depth && i < NATIVE_FRAMES_SCANNED; i++) {
		const char *name = symbolize_user_maps(sym, maps, st->ips[i], buf, sizeof(buf));
		const char *file = basename_of(symbolize_user_file(maps, st->ips[i]));

		for (size_t r = 0; r < ARRAY_LEN(native_rules); r++)
			if (native_matches(&native_rules[r], name, file))
				return native_rules[r].act;
	}
	return ACT_WORK;
}

static enum activity python_activity(const struct model_pystack *py)
{
	for (size_t r = 0; py && r < ARRAY_LEN(python_rules); r++)
		for (uint32_t i = 0; i < py->depth && (i == 0 || python_rules[r].anywhere); i++)
			if (strstr(py->frames[i], python_rules[r].text))
				return python_rules[r].act;
	return ACT_WORK;
}

/* The count of ID in the growable array *COUNTS of *N. */
static struct activity_count *count_of(struct activity_count **counts, size_t *n, uint32_t id)
{
	for (size_t i = 0; i < *n; i++)
		if ((*counts)[i].id == id)
			return &(*counts)[i];
	*counts = realloc(*counts, (*n + 1) * sizeof(**counts));
	if (!*counts)
		abort();
	(*counts)[*n] = (struct activity_count){ .id = id };
	return &(*counts)[(*n)++];
}

void activities_of(const struct run_model *m, struct activities *a)
{
	struct symbolizer *sym = symbolizer_new(NULL);   /* user frames only: no kallsyms to load */

	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < m->n_stack_aggs; i++) {
		const struct model_stack_agg *agg = &m->stack_aggs[i];
		const struct model_process *p;
		struct activity_count *proc;
		enum activity act;

		if (agg->k.wait_class != WC_ONCPU || !agg->s.count)
			continue;
		p = model_find_process(m, agg->k.tgid);
		act = native_activity(sym, symbolizer_maps(sym, p ? p->maps : NULL), model_find_stack(m, agg->k.ustack));
		if (act == ACT_WORK)
			act = python_activity(model_find_pystack(m, agg->k.pystack));
		proc = count_of(&a->procs, &a->n_procs, agg->k.tgid);
		a->samples[act] += agg->s.count;
		proc->samples[act] += agg->s.count;
		count_of(&a->threads, &a->n_threads, agg->k.tid)->samples[act] += agg->s.count;
		if (agg->k.kstack) {
			a->kernel[act] += agg->s.count;
			proc->kernel[act] += agg->s.count;
		}
	}
	symbolizer_free(sym);
}

void activities_free(struct activities *a)
{
	free(a->procs);
	free(a->threads);
	memset(a, 0, sizeof(*a));
}

/* The share of COUNT's samples (the tree's when NULL) spent on ACT, and how many it has. */
static double share_of(const uint64_t *samples, enum activity act, uint64_t *total)
{
	*total = 0;
	for (int k = 0; samples && k < ACT_COUNT; k++)
		*total += samples[k];
	return *total ? (double)samples[act] / *total : 0;
}

static const struct activity_count *find_count(const struct activity_count *counts, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (counts[i].id == id)
			return &counts[i];
	return NULL;
}

double activity_share(const struct activities *a, uint32_t tgid, enum activity act)
{
	const struct activity_count *c = find_count(a->procs, a->n_procs, tgid);
	uint64_t total;

	return share_of(!tgid ? a->samples : c ? c->samples : NULL, act, &total);
}

double thread_activity_share(const struct activities *a, uint32_t tid, enum activity act, uint64_t *samples)
{
	const struct activity_count *c = find_count(a->threads, a->n_threads, tid);

	return share_of(c ? c->samples : NULL, act, samples);
}
