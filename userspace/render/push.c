#include "render/push.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "render/fold.h"
#include "base/util.h"

void push_default_opts(struct push_opts *o, const char *url, const char *app_name)
{
	o->url = url;
	o->app_name = app_name && *app_name ? app_name : "conctrace";
	o->timeout_ms = 10000;
	o->retries = 3;
	o->backoff_ms = 500;
}

char *push_ingest_url(const struct push_opts *o, const struct run_model *m, const char *suffix,
		      const char *units)
{
	CURL *curl = curl_easy_init();
	char name[256], *escaped, *url = NULL;
	size_t len = 0, base = strlen(o->url);
	FILE *f = open_memstream(&url, &len);
	double from = m->meta.start_epoch, until = from + ns_to_s(m->meta.end_ns - m->meta.start_ns);

	while (base && o->url[base - 1] == '/')
		base--;
	snprintf(name, sizeof(name), "%s.%s", o->app_name, suffix);
	escaped = curl ? curl_easy_escape(curl, name, 0) : NULL;
	fprintf(f, "%.*s/ingest?name=%s&from=%lld&until=%lld&format=folded&sampleRate=%u&spyName=conctrace"
		"&units=%s&aggregationType=sum", (int)base, o->url, escaped ? escaped : name, (long long)from,
		(long long)(until + 0.999), m->meta.freq_hz, units);
	fclose(f);
	curl_free(escaped);
	curl_easy_cleanup(curl);
	return url;
}

/* The server's answer body is not needed (libcurl would print it to stdout). */
static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
	(void)data;
	(void)ctx;
	return size * n;
}

/* One POST; returns the HTTP status, or -1 when no answer came (CURL_ERR holds why). */
static long post_once(const char *url, const char *body, size_t len, long timeout_ms, char *curl_err)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: text/plain");
	long status = -1;

	if (!curl) {
		snprintf(curl_err, CURL_ERROR_SIZE, "cannot start libcurl");
		curl_slist_free_all(headers);
		return -1;
	}
	curl_err[0] = 0;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return status;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts))
		;
}

/* POSTs BODY to URL, retrying failures that may pass (no answer, 5xx) with doubling waits. */
static int post_with_retries(const char *url, const char *body, size_t len, const struct push_opts *o,
			     char *err, size_t errlen)
{
	char curl_err[CURL_ERROR_SIZE];
	long status = -1, wait = o->backoff_ms;
	int attempts = 0;

	while (attempts <= o->retries) {
		if (attempts++) {
			sleep_ms(wait);
			wait *= 2;
		}
		status = post_once(url, body, len, o->timeout_ms, curl_err);
		if (status >= 200 && status < 300)
			return 0;
		if (status >= 400 && status < 500)
			break;  /* the server refused this request: sending it again will not help */
	}
	if (status < 0)
		snprintf(err, errlen, "push to %s failed after %d attempt%s: %s", o->url, attempts,
			 attempts == 1 ? "" : "s", curl_err);
	else
		snprintf(err, errlen, "push to %s failed: the server answered HTTP %ld (%d attempt%s)", o->url,
			 status, attempts, attempts == 1 ? "" : "s");
	return -1;
}

int push_run(const char *url, const struct run_model *m, struct symbolizer *s)
{
	struct push_opts o;
	char err[512], program[256];
	const char *base;

	/* The application name: the basename of the command's first word. */
	snprintf(program, sizeof(program), "%s", m->meta.command ? m->meta.command : "");
	program[strcspn(program, " ")] = 0;
	base = strrchr(program, '/');
	push_default_opts(&o, url, base ? base + 1 : program);
	if (push_profiles(m, s, &o, err, sizeof(err)) == 0)
		return 0;
	errmsg("%s", err);
	return -1;
}

int push_profiles(const struct run_model *m, struct symbolizer *s, const struct push_opts *o,
		  char *err, size_t errlen)
{
	static const struct {
		enum fold_kind kind;
		const char *suffix, *units;
	} profiles[] = {
		{ FOLD_ONCPU, "cpu", "samples" },
		{ FOLD_OFFCPU, "offcpu", "nanoseconds" },
	};
	int rc = 0;

	for (size_t i = 0; i < ARRAY_LEN(profiles) && !rc; i++) {
		char *body = NULL, *url;
		size_t len = 0;
		FILE *f = open_memstream(&body, &len);

		rc = fold_model(m, &(struct fold_opts){ .kind = profiles[i].kind }, s, f);
		fclose(f);
		if (rc)
			snprintf(err, errlen, "push: folding the %s profile failed", profiles[i].suffix);
		url = push_ingest_url(o, m, profiles[i].suffix, profiles[i].units);
		if (!rc && len)
			rc = post_with_retries(url, body, len, o, err, errlen);
		free(url);
		free(body);
	}
	return rc;
}
