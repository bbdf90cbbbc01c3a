/* Sends a run's folded profiles to a Pyroscope-compatible ingest endpoint over HTTP (libcurl). */
#ifndef CONCTRACE_PUSH_H
#define CONCTRACE_PUSH_H

#include <stddef.h>
#include "model/model.h"
#include "model/symbolize.h"

struct push_opts {
	const char *url;        /* server base, e.g. http://127.0.0.1:4040 */
	const char *app_name;   /* profiles are named APP.cpu and APP.offcpu */
	long timeout_ms;        /* per attempt */
	int retries;            /* further attempts after a failed one */
	long backoff_ms;        /* wait before the first retry; doubles each time */
};
void push_default_opts(struct push_opts *o, const char *url, const char *app_name);

/* The ingest URL of one profile: BASE/ingest?name=...&from=...&until=...&format=folded&...
 * (caller frees). Pure, for tests. */
char *push_ingest_url(const struct push_opts *o, const struct run_model *m, const char *suffix,
		      const char *units);

/* Pushes the on-CPU and off-CPU profiles of M, named through S (symbolizer_new; never NULL). Connection failures and 5xx answers are retried
 * with back-off; 0, or -1 with a one-line reason in ERR. */
int push_profiles(const struct run_model *m, struct symbolizer *s, const struct push_opts *o,
		  char *err, size_t errlen);

/* push_profiles with the defaults, named after the run's command; prints a one-line error.
 * 0 or -1. */
int push_run(const char *url, const struct run_model *m, struct symbolizer *s);

#endif
