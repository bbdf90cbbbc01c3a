/* Pushing profiles to a Pyroscope-compatible server: against a receiver on loopback that checks
 * each request, answers as told, and counts. */
#include <criterion/criterion.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "render/push.h"
#include "model/symbolize.h"
#include "base/util.h"

struct receiver {
	struct MHD_Daemon *daemon;
	unsigned port;
	unsigned status;          /* what to answer */
	int requests;
	char name[128], format[32], from[32], until[32], body[4096];
	size_t body_len;
	pthread_mutex_t lock;
};

static void copy_arg(struct MHD_Connection *c, const char *key, char *dst, size_t len)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);

	snprintf(dst, len, "%s", v ? v : "");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **state)
{
	struct receiver *r = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)version;
	if (!*state) {  /* first call: headers only */
		*state = r;
		return MHD_YES;
	}
	pthread_mutex_lock(&r->lock);
	if (*upload_size) {
		size_t n = *upload_size < sizeof(r->body) - 1 - r->body_len ? *upload_size : sizeof(r->body) - 1 - r->body_len;

		memcpy(r->body + r->body_len, upload, n);
		r->body_len += n;
		r->body[r->body_len] = 0;
		*upload_size = 0;
		pthread_mutex_unlock(&r->lock);
		return MHD_YES;
	}
	r->requests++;
	if (strcmp(method, "POST") || strcmp(url, "/ingest"))
		r->status = 404;
	copy_arg(c, "name", r->name, sizeof(r->name));
	copy_arg(c, "format", r->format, sizeof(r->format));
	copy_arg(c, "from", r->from, sizeof(r->from));
	copy_arg(c, "until", r->until, sizeof(r->until));
	pthread_mutex_unlock(&r->lock);
	resp = MHD_create_response_from_buffer(2, "ok", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void receiver_start(struct receiver *r, unsigned status)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->status = status;
	r->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				     on_request, r, MHD_OPTION_END);
	cr_assert(r->daemon, "cannot start the receiver");
	r->port = MHD_get_daemon_info(r->daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
}

static void small_model(struct run_model *m)
{
	struct thread_acct a = { .tid = 5, .tgid = 5, .start_ns = 0, .end_ns = 2000000000, .comm = "app" };

	model_init(m);
	m->meta.command = xstrdup("/usr/bin/app --flag");
	m->meta.start_epoch = 1700000000.5;
	m->meta.start_ns = 0;
	m->meta.end_ns = 2000000000;
	m->meta.freq_hz = 99;
	model_add_thread(m, &a);
	*VEC_PUSH(m->stack_aggs, m->n_stack_aggs, m->cap_stack_aggs) =
		(struct model_stack_agg){ .k = { .tid = 5, .tgid = 5, .wait_class = WC_ONCPU }, .s = { 7, 0 } };
	*VEC_PUSH(m->stack_aggs, m->n_stack_aggs, m->cap_stack_aggs) =
		(struct model_stack_agg){ .k = { .tid = 5, .tgid = 5, .wait_class = WC_DISK }, .s = { 1, 5000 } };
}

static void fast_opts(struct push_opts *o, const char *url)
{
	push_default_opts(o, url, "app");
	o->timeout_ms = 2000;
	o->retries = 2;
	o->backoff_ms = 10;
}

Test(push, ingest_url_names_the_profile_and_its_window)
{
	struct run_model m;
	struct push_opts o;
	char *url;

	small_model(&m);
	push_default_opts(&o, "http://h:4040/", "my app");
	url = push_ingest_url(&o, &m, "cpu", "samples");
	cr_assert_str_eq(url, "http://h:4040/ingest?name=my%20app.cpu&from=1700000000&until=1700000003"
			      "&format=folded&sampleRate=99&spyName=conctrace&units=samples&aggregationType=sum");
	free(url);
	model_free(&m);
}

/* push_profiles of M with a symbolizer without kernel symbols (the model has no stack frames). */
static int push_model(const struct run_model *m, const struct push_opts *o, char *err, size_t errlen)
{
	struct symbolizer *s = symbolizer_new(NULL);
	int rc = push_profiles(m, s, o, err, errlen);

	symbolizer_free(s);
	return rc;
}

/* Pushes a small model to a receiver answering STATUS; returns push_profiles' result. */
static int push_to_receiver(unsigned status, struct receiver *r, char *err, size_t errlen)
{
	struct run_model m;
	struct push_opts o;
	char url[64];
	int rc;

	receiver_start(r, status);
	small_model(&m);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", r->port);
	fast_opts(&o, url);
	rc = push_model(&m, &o, err, errlen);
	MHD_stop_daemon(r->daemon);
	model_free(&m);
	return rc;
}

Test(push, sends_both_profiles)
{
	struct receiver r;
	char err[256];

	cr_assert_eq(push_to_receiver(200, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r.requests, 2);
	cr_assert_str_eq(r.name, "app.offcpu");
	cr_assert_str_eq(r.format, "folded");
	cr_assert_str_eq(r.from, "1700000000");
	cr_assert(strstr(r.body, "app;[no stack] 7\n"), "body: %s", r.body);
	cr_assert(strstr(r.body, "app;[no stack];[disk] 5000\n"), "body: %s", r.body);
}

Test(push, server_errors_are_retried_then_reported)
{
	struct receiver r;
	char err[256];

	cr_assert_eq(push_to_receiver(500, &r, err, sizeof(err)), -1);
	cr_assert_eq(r.requests, 3, "%d requests", r.requests);
	cr_assert(strstr(err, "HTTP 500 (3 attempts)"), "%s", err);
}

Test(push, refused_requests_are_not_retried)
{
	struct receiver r;
	char err[256];

	cr_assert_eq(push_to_receiver(400, &r, err, sizeof(err)), -1);
	cr_assert_eq(r.requests, 1);
	cr_assert(strstr(err, "HTTP 400"), "%s", err);
}

Test(push, unreachable_server_is_a_clear_error)
{
	struct receiver r;
	struct run_model m;
	struct push_opts o;
	char url[64], err[256];

	receiver_start(&r, 200);  /* take a free port, then close it: nothing listens there */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", r.port);
	MHD_stop_daemon(r.daemon);
	small_model(&m);
	fast_opts(&o, url);
	cr_assert_eq(push_model(&m, &o, err, sizeof(err)), -1);
	cr_assert(strstr(err, "failed after 3 attempts"), "%s", err);
	cr_assert_null(strchr(err, '\n'));
	model_free(&m);
}
