#include "render/trace_counts.h"

#include <stdlib.h>
#include "base/util.h"

#define BUCKET_NS 1000000ULL

/* Adds [FROM, TO) to the time per bucket: partial buckets to NS, whole ones as +1/-1 steps in
 * WHOLE, summed once at the end, so a long interval costs no more than a short one. */
static void add_span(const struct trace_counts *c, uint64_t *ns, int64_t *whole, uint64_t from, uint64_t to)
{
	size_t first, last;

	if (to > c->start_ns + c->n * c->bucket_ns)
		to = c->start_ns + c->n * c->bucket_ns;
	if (from < c->start_ns)
		from = c->start_ns;
	if (to <= from)
		return;
	first = (from - c->start_ns) / c->bucket_ns;
	last = (to - c->start_ns) / c->bucket_ns;
	if (first == last) {
		ns[first] += to - from;
		return;
	}
	ns[first] += c->start_ns + (first + 1) * c->bucket_ns - from;
	whole[first + 1]++;
	whole[last]--;
	if (last < c->n)
		ns[last] += to - (c->start_ns + last * c->bucket_ns);
}

/* The means per bucket of NS and WHOLE (as add_span left them) into OUT. */
static void to_means(const struct trace_counts *c, const uint64_t *ns, const int64_t *whole, double *out)
{
	int64_t covering = 0;

	for (size_t i = 0; i < c->n; i++) {
		covering += whole[i];
		out[i] = (ns[i] + (double)covering * c->bucket_ns) / c->bucket_ns;
	}
}

void trace_counts_build(const struct run_model *m, uint64_t start_ns, uint64_t end_ns, struct trace_counts *c)
{
	uint64_t span = end_ns > start_ns ? end_ns - start_ns : 0, *ns[2];
	int64_t *whole[2];

	c->start_ns = start_ns;
	c->bucket_ns = BUCKET_NS;
	if (span / c->bucket_ns >= TRACE_COUNTS_MAX_BUCKETS)
		c->bucket_ns *= span / BUCKET_NS / TRACE_COUNTS_MAX_BUCKETS + 1;
	c->n = (span + c->bucket_ns - 1) / c->bucket_ns;
	for (int k = 0; k < 2; k++) {
		ns[k] = xcalloc(c->n, sizeof(*ns[k]));
		whole[k] = xcalloc(c->n + 1, sizeof(*whole[k]));
	}
	for (size_t i = 0; i < m->timeline.n_intervals; i++) {
		const struct model_interval *iv = &m->timeline.intervals[i];
		/* runnable: behind other tasks, or woken onto an idle CPU and waiting for it */
		int k = iv->wait_class == WC_ONCPU ? 0 : iv->wait_class == WC_RUNQUEUE || iv->wait_class == WC_WAKEUP ? 1 : -1;

		if (k >= 0)
			add_span(c, ns[k], whole[k], iv->start_ns, iv->end_ns);
	}
	c->cpus = xcalloc(c->n, sizeof(*c->cpus));
	c->runnable = xcalloc(c->n, sizeof(*c->runnable));
	to_means(c, ns[0], whole[0], c->cpus);
	to_means(c, ns[1], whole[1], c->runnable);
	for (int k = 0; k < 2; k++) {
		free(ns[k]);
		free(whole[k]);
	}
}

void trace_counts_free(struct trace_counts *c)
{
	free(c->cpus);
	free(c->runnable);
	c->cpus = c->runnable = NULL;
	c->n = 0;
}
