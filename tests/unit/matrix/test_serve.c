/* The latency server, spoken to over 127.0.0.1 with libcurl and raw sockets. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <criterion/redirect.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/serve.h"
#include "matrix/serve.h"
#include "serve_client.h"

#define BATCH 1000

static struct latency_server *start_server_with(struct latency_server_opts opts)
{
	char err[256] = "";
	struct latency_server *s = latency_server_start(&opts, err, sizeof(err));

	cr_assert_not_null(s, "latency_server_start: %s", err);
	cr_assert_neq(latency_server_port(s), 0);
	return s;
}

static struct latency_server *start_server(unsigned delay_ms, size_t body_size)
{
	return start_server_with((struct latency_server_opts){ .delay_ms = delay_ms, .body_size = body_size });
}

static struct latency_server_stats stats_of(struct latency_server *s)
{
	struct latency_server_stats st;

	latency_server_stats(s, &st);
	return st;
}

static size_t count_bytes(char *data, size_t size, size_t nmemb, void *bytes)
{
	(void)data;
	*(size_t *)bytes += size * nmemb;
	return size * nmemb;
}

/* One GET for the server's root; body_bytes collects the body's length. */
static CURL *new_request(const struct latency_server *s, size_t *body_bytes)
{
	char url[64];
	CURL *h = curl_easy_init();

	cr_assert_not_null(h);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", latency_server_port(s));
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, count_bytes);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body_bytes);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	return h;
}

static long perform_ok(CURL *h)
{
	long status = 0;
	CURLcode rc = curl_easy_perform(h);

	cr_assert_eq(rc, CURLE_OK, "curl: %s", curl_easy_strerror(rc));
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

/* Seconds one request takes against a server with the given delay. */
static double timed_request(unsigned delay_ms)
{
	struct latency_server *s = start_server(delay_ms, 16);
	size_t body_bytes = 0;
	CURL *h = new_request(s, &body_bytes);
	double start = serve_now_s();

	cr_assert_eq(perform_ok(h), 200);
	double elapsed = serve_now_s() - start;
	curl_easy_cleanup(h);
	latency_server_stop(s);
	return elapsed;
}

TestSuite(serve, .timeout = 15);

Test(serve, answers_200_with_body_of_requested_size)
{
	struct latency_server *s = start_server(0, 4096);
	size_t body_bytes = 0;
	CURL *h = new_request(s, &body_bytes);
	char *type = NULL;

	cr_assert_eq(perform_ok(h), 200);
	cr_assert_eq(body_bytes, 4096);
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type);
	cr_assert_str_eq(type, "application/octet-stream");
	cr_assert_eq(stats_of(s).answered, 1);
	curl_easy_cleanup(h);
	latency_server_stop(s);
}

Test(serve, respects_the_delay)
{
	double elapsed = timed_request(100);

	cr_assert_geq(elapsed, 0.095, "took %.3f s", elapsed);
	cr_assert_lt(elapsed, 0.400, "took %.3f s", elapsed);
}

Test(serve, zero_delay_is_fast)
{
	double elapsed = timed_request(0);

	cr_assert_lt(elapsed, 0.050, "took %.3f s", elapsed);
}

Test(serve, keeps_connections_alive)
{
	struct latency_server *s = start_server(20, 100);
	size_t body_bytes = 0;
	CURL *h = new_request(s, &body_bytes);
	long new_connections = -1;

	cr_assert_eq(perform_ok(h), 200);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &new_connections);
	cr_assert_eq(new_connections, 1);
	cr_assert_eq(perform_ok(h), 200);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &new_connections);
	cr_assert_eq(new_connections, 0, "the second request opened a new connection");
	cr_assert_eq(body_bytes, 200);
	curl_easy_cleanup(h);
	latency_server_stop(s);
}

Test(serve, answers_garbage_with_400_and_closes)
{
	struct latency_server *s = start_server(0, 10);
	int fd = serve_connect(latency_server_port(s));

	serve_send(fd, "HELLO\r\n\r\n");
	struct serve_reply reply = serve_await_end(fd, 3);
	cr_assert_eq(reply.end, SERVE_EOF, "the server kept the connection open or reset it (%d)", reply.end);
	cr_assert_eq(serve_status(&reply), 400, "reply: %s", reply.head);
	cr_assert_eq(stats_of(s).bad_requests, 1);
	close(fd);
	latency_server_stop(s);
}

static int thread_count(void)
{
	FILE *status = fopen("/proc/self/status", "r");
	char line[256];
	int threads = -1;

	cr_assert_not_null(status);
	while (fgets(line, sizeof(line), status))
		if (sscanf(line, "Threads: %d", &threads) == 1)
			break;
	fclose(status);
	return threads;
}

static CURLM *start_batch(const struct latency_server *s, CURL **handles, size_t *body_bytes)
{
	CURLM *multi = curl_multi_init();

	cr_assert_not_null(multi);
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
	for (int i = 0; i < BATCH; i++) {
		handles[i] = new_request(s, &body_bytes[i]);
		curl_easy_setopt(handles[i], CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(handles[i], CURLOPT_FORBID_REUSE, 1L);
		curl_multi_add_handle(multi, handles[i]);
	}
	return multi;
}

/* Drives the batch to the end; returns the most threads the process had meanwhile. */
static int run_batch(CURLM *multi)
{
	int running = 1, most_threads = 0;

	while (running > 0) {
		cr_assert_eq(curl_multi_perform(multi, &running), CURLM_OK);
		if (running > 0)
			cr_assert_eq(curl_multi_poll(multi, NULL, 0, 100, NULL), CURLM_OK);
		int threads = thread_count();
		most_threads = threads > most_threads ? threads : most_threads;
	}
	return most_threads;
}

Test(serve, serves_a_thousand_concurrent_connections)
{
	static CURL *handles[BATCH];
	static size_t body_bytes[BATCH];
	struct latency_server *s = start_server(200, 512);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURLM *multi = start_batch(s, handles, body_bytes);
	double start = serve_now_s();
	int most_threads = run_batch(multi);
	double elapsed = serve_now_s() - start;

	for (int i = 0; i < BATCH; i++) {
		long status = 0, connects = 0;

		curl_easy_getinfo(handles[i], CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(handles[i], CURLINFO_NUM_CONNECTS, &connects);
		cr_assert_eq(status, 200, "request %d: status %ld", i, status);
		cr_assert_eq(connects, 1, "request %d reused a connection", i);
		cr_assert_eq(body_bytes[i], 512);
		curl_multi_remove_handle(multi, handles[i]);
		curl_easy_cleanup(handles[i]);
	}
	curl_multi_cleanup(multi);
	cr_log_info("%d concurrent requests, delay 200 ms: %.3f s, at most %d threads",
		    BATCH, elapsed, most_threads);
	cr_assert_lt(elapsed, 3.0, "took %.3f s", elapsed);
	cr_assert_lt(most_threads, 10, "%d threads for %d requests", most_threads, BATCH);
	cr_assert_eq(stats_of(s).answered, BATCH);
	latency_server_stop(s);
}

static void *request_in_background(void *server)
{
	size_t body_bytes = 0;
	CURL *h = new_request(server, &body_bytes);

	curl_easy_perform(h);   /* answered early or cut off by the stop: either is fine */
	curl_easy_cleanup(h);
	return NULL;
}

Test(serve, stops_promptly_with_requests_waiting)
{
	struct latency_server *s = start_server(5000, 10);
	pthread_t client;

	cr_assert_eq(pthread_create(&client, NULL, request_in_background, s), 0);
	usleep(200 * 1000);
	double start = serve_now_s();
	latency_server_stop(s);
	double elapsed = serve_now_s() - start;
	pthread_join(client, NULL);
	cr_assert_lt(elapsed, 1.0, "stop took %.3f s", elapsed);
}

static int open_descriptors(void)
{
	int count = 0;

	for (int fd = 0; fd < 4096; fd++)
		count += fcntl(fd, F_GETFD) != -1;
	return count;
}

Test(serve, stop_releases_every_descriptor)
{
	int before = open_descriptors();
	struct latency_server *s = start_server(0, 10);
	size_t body_bytes = 0;
	CURL *h = new_request(s, &body_bytes);

	cr_assert_eq(perform_ok(h), 200);
	curl_easy_cleanup(h);
	int silent = serve_connect(latency_server_port(s));   /* sends nothing: still waiting at the gate */
	usleep(50 * 1000);
	latency_server_stop(s);
	close(silent);
	cr_assert_eq(open_descriptors(), before);
}

Test(serve, reports_a_port_in_use)
{
	struct latency_server *first = start_server(0, 10);
	struct latency_server_opts opts = { .port = latency_server_port(first), .delay_ms = 0, .body_size = 10 };
	char err[256] = "";

	cr_assert_null(latency_server_start(&opts, err, sizeof(err)));
	cr_assert(strstr(err, "in use") != NULL, "err: %s", err);
	latency_server_stop(first);
}

/* ---- limits and timeouts ---- */

static struct rlimit fd_limit(void)
{
	struct rlimit limit;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &limit), 0);
	return limit;
}

Test(serve_limits, sizes_the_limit_from_the_raised_descriptor_limit)
{
	struct rlimit hard = fd_limit(), low = { .rlim_cur = 512, .rlim_max = hard.rlim_max };

	cr_assert_geq(hard.rlim_max, 2 * SERVE_FD_RESERVE, "the hard RLIMIT_NOFILE is too low for this test");
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);   /* this test's own process */
	struct latency_server *s = start_server(0, 10);
	rlim_t room = hard.rlim_max - SERVE_FD_RESERVE;

	cr_assert_eq(fd_limit().rlim_cur, hard.rlim_max, "the soft limit was not raised to the hard one");
	cr_assert_eq(latency_server_connection_limit(s), room < SERVE_MAX_CONNECTIONS ? room : SERVE_MAX_CONNECTIONS);
	latency_server_stop(s);
}

Test(serve_limits, refuses_a_limit_the_descriptors_cannot_hold)
{
	struct rlimit limit = fd_limit();
	struct latency_server_opts opts = { .max_connections = (unsigned)limit.rlim_max, .body_size = 10 };
	char err[256] = "";

	cr_assert_null(latency_server_start(&opts, err, sizeof(err)));
	cr_assert(strstr(err, "do not fit in RLIMIT_NOFILE") != NULL, "err: %s", err);
}

/* A connection's reply once the server has closed it (within 5 s). */
static struct serve_reply closed_reply(int fd)
{
	struct serve_reply reply = serve_await_end(fd, 5);

	cr_assert_neq(reply.end, SERVE_OPEN, "the server kept the connection open");
	close(fd);
	return reply;
}

Test(serve_limits, answers_503_past_the_limit_and_serves_again_once_a_connection_closes)
{
	struct latency_server *s = start_server_with((struct latency_server_opts){ .max_connections = 2,
										    .body_size = 10 });
	unsigned port = latency_server_port(s);
	int first = serve_connect(port), second = serve_connect(port);
	struct serve_reply third = closed_reply(serve_connect(port));

	cr_assert_eq(third.end, SERVE_EOF, "refused by a reset, not a close");
	cr_assert_eq(serve_status(&third), 503, "reply: %s", third.head);
	close(first);
	usleep(100 * 1000);   /* the server sees the close */
	int fourth = serve_connect(port);
	serve_send(fourth, serve_get);
	struct serve_reply answered = serve_await_end(fourth, 1);
	cr_assert_eq(serve_status(&answered), 200, "reply: %s", answered.head);
	struct latency_server_stats st = stats_of(s);
	cr_assert_eq(st.refused, 1);
	cr_assert_eq(st.connections, 4);
	cr_assert_eq(st.most_open, 2);
	close(second);
	close(fourth);
	latency_server_stop(s);
}

Test(serve_limits, answers_503_when_descriptors_run_out)
{
	struct rlimit small = { .rlim_cur = 64, .rlim_max = 64 };
	int spare[64], n_spare = 0;

	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &small), 0);   /* this test's own process */
	struct latency_server *s = start_server(0, 10);
	while (n_spare < 64 && (spare[n_spare] = dup(0)) >= 0)
		n_spare++;
	cr_assert(n_spare > 0 && n_spare < 64, "%d descriptors opened", n_spare);
	close(spare[--n_spare]);   /* room for the client's socket only: the server's accept fails */
	struct serve_reply reply = closed_reply(serve_connect(latency_server_port(s)));

	cr_assert_eq(serve_status(&reply), 503, "reply: %s", reply.head);
	cr_assert_eq(stats_of(s).refused, 1);
	while (n_spare > 0)
		close(spare[--n_spare]);
	int fd = serve_connect(latency_server_port(s));
	serve_send(fd, serve_get);
	struct serve_reply answered = serve_await_end(fd, 1);
	cr_assert_eq(serve_status(&answered), 200, "after the descriptors came back: %s", answered.head);
	close(fd);
	latency_server_stop(s);
}

static struct latency_server *start_with_timeouts(unsigned header_timeout_s, unsigned idle_timeout_s)
{
	return start_server_with((struct latency_server_opts){ .body_size = 10, .header_timeout_s = header_timeout_s,
							      .idle_timeout_s = idle_timeout_s });
}

/* Seconds from now until the server closes fd, which must be between low and high. */
static void assert_closed_within(int fd, double start, double low, double high)
{
	struct serve_reply reply = closed_reply(fd);
	double elapsed = serve_now_s() - start;

	cr_assert(elapsed >= low && elapsed < high, "closed after %.3f s, not in [%.1f, %.1f)", elapsed, low, high);
	cr_assert_eq(reply.len, 0, "an answer before the close: %s", reply.head);
}

/* A connection that sends `request` (or nothing) and then stalls must be closed by a timeout of
 * 1 s, the header one or the idle one: timed_out says which. */
static void assert_stall_closed(unsigned header_timeout_s, unsigned idle_timeout_s, const char *request,
				unsigned long long timed_out)
{
	struct latency_server *s = start_with_timeouts(header_timeout_s, idle_timeout_s);
	double start = serve_now_s();
	int fd = serve_connect(latency_server_port(s));

	if (request != NULL)
		serve_send(fd, request);
	assert_closed_within(fd, start, 0.95, 3.5);
	cr_assert_eq(stats_of(s).timed_out, timed_out);
	latency_server_stop(s);
}

Test(serve_limits, closes_a_silent_connection_after_the_header_timeout)
{
	assert_stall_closed(1, 30, NULL, 1);
}

Test(serve_limits, closes_a_slow_sender_after_the_header_timeout)
{
	struct latency_server *s = start_with_timeouts(1, 30);
	double start = serve_now_s();
	int fd = serve_connect(latency_server_port(s));

	serve_send(fd, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
	/* One header byte every 100 ms, each resetting any inactivity timer. */
	for (int i = 0; i < 15 && send(fd, "x", 1, MSG_NOSIGNAL) == 1; i++)
		usleep(100 * 1000);
	assert_closed_within(fd, start, 0.95, 3);
	cr_assert_eq(stats_of(s).timed_out, 1);
	latency_server_stop(s);
}

Test(serve_limits, closes_a_kept_alive_connection_idle_past_the_header_timeout)
{
	struct latency_server *s = start_with_timeouts(1, 30);
	int fd = serve_connect(latency_server_port(s));
	struct serve_reply reply = { .end = SERVE_OPEN };

	serve_send(fd, serve_get);
	serve_await(fd, &reply, 1, 1);
	double answered = serve_now_s();
	cr_assert_eq(serve_status(&reply), 200, "reply: %s", reply.head);
	assert_closed_within(fd, answered, 0.9, 3);
	cr_assert_eq(stats_of(s).timed_out, 1);
	latency_server_stop(s);
}

Test(serve_limits, answers_a_head_that_arrives_in_pieces_within_the_header_timeout)
{
	static const char *pieces[] = { "GET / HT", "TP/1.1\r\nHo", "st: 127.0.0.1\r\n", "\r\n" };
	struct latency_server *s = start_with_timeouts(1, 30);
	int fd = serve_connect(latency_server_port(s));

	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		serve_send(fd, pieces[i]);
		usleep(100 * 1000);
	}
	struct serve_reply reply = serve_await_end(fd, 0.5);
	cr_assert_eq(serve_status(&reply), 200, "reply: %s", reply.head);
	cr_assert_eq(stats_of(s).timed_out, 0);
	close(fd);
	latency_server_stop(s);
}

Test(serve_limits, closes_a_stalled_upload_after_the_idle_timeout)
{
	/* The header section is in: only the idle timeout may close it. */
	assert_stall_closed(30, 1, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nabc", 0);
}

Test(serve_limits, answers_431_to_a_first_head_over_8_KiB)
{
	static char head[9000];
	struct latency_server *s = start_server(0, 10);
	int fd = serve_connect(latency_server_port(s));

	snprintf(head, sizeof(head), "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ");
	memset(head + strlen(head), 'a', sizeof(head) - 1 - strlen(head));
	serve_send(fd, head);
	struct serve_reply reply = closed_reply(fd);
	cr_assert_eq(serve_status(&reply), 431, "reply: %s", reply.head);
	cr_assert_eq(stats_of(s).bad_requests, 1);
	latency_server_stop(s);
}

/* ---- option parsing ---- */

#define ARGC(argv) ((int)(sizeof(argv) / sizeof((argv)[0])))

Test(serve_args, defaults)
{
	char *argv[] = { "serve" };
	struct latency_server_opts opts;

	cr_assert_eq(serve_parse_args(ARGC(argv), argv, &opts), PARSE_OK);
	cr_assert_eq(opts.port, 0);
	cr_assert_eq(opts.delay_ms, 100);
	cr_assert_eq(opts.body_size, 1024);
	cr_assert_eq(opts.max_connections, 0, "sized from RLIMIT_NOFILE");
	cr_assert_eq(opts.header_timeout_s, SERVE_HEADER_TIMEOUT_S);
	cr_assert_eq(opts.idle_timeout_s, SERVE_IDLE_TIMEOUT_S);
}

Test(serve_args, all_options)
{
	char *argv[] = { "serve", "--port", "8080", "--delay=5", "--size", "0", "--duration", "3",
			 "--max-connections", "500", "--header-timeout", "2", "--idle-timeout=7" };
	struct latency_server_opts opts;

	cr_assert_eq(serve_parse_args(ARGC(argv), argv, &opts), PARSE_OK);
	cr_assert_eq(opts.port, 8080);
	cr_assert_eq(opts.delay_ms, 5);
	cr_assert_eq(opts.body_size, 0);
	cr_assert_eq(opts.max_connections, 500);
	cr_assert_eq(opts.header_timeout_s, 2);
	cr_assert_eq(opts.idle_timeout_s, 7);
}

Test(serve_args, help_lists_the_limits_on_stdout)
{
	char *argv[] = { "serve", "--help" };
	struct latency_server_opts opts;

	cr_assert_eq(serve_parse_args(ARGC(argv), argv, &opts), PARSE_HELP);
	cr_redirect_stdout();
	cr_assert_eq(cmd_serve(ARGC(argv), argv), 0);
	fflush(stdout);
	FILE *out = cr_get_redirected_stdout();
	char text[4096];
	size_t len = fread(text, 1, sizeof(text) - 1, out);
	text[len] = '\0';
	cr_assert(strstr(text, "--max-connections N") && strstr(text, "answered 503") &&
		  strstr(text, "--header-timeout SEC") && strstr(text, "--idle-timeout SEC"), "help: %s", text);
}

static void assert_rejected(int argc, char **argv, const char *message)
{
	struct latency_server_opts opts;

	cr_redirect_stderr();
	cr_assert_eq(serve_parse_args(argc, argv, &opts), PARSE_ERROR);
	fflush(stderr);
	char expected[512];
	snprintf(expected, sizeof(expected), "conctrace: serve: %s (see conctrace serve --help)\n", message);
	cr_assert_stderr_eq_str(expected);
}

/* Bad command lines and the one line each must get; by value, since criterion copies parameters
 * into the test's process (pointers into this one would not hold). */
struct rejection {
	char args[3][24];
	char message[64];
};

ParameterizedTestParameters(serve_args, rejected)
{
	static struct rejection cases[] = {
		{ { "--verbose" }, "unknown option '--verbose'" },
		{ { "--delay", "x" }, "--delay: not a number: 'x'" },
		{ { "--delay=x" }, "--delay: not a number: 'x'" },
		{ { "--size", "-1" }, "--size: not a number: '-1'" },
		{ { "--port", "65536" }, "--port: out of range (0-65535): '65536'" },
		{ { "--max-connections", "0" }, "--max-connections: out of range (1-1048576): '0'" },
		{ { "--header-timeout", "0" }, "--header-timeout: out of range (1-86400): '0'" },
		{ { "--idle-timeout", "86401" }, "--idle-timeout: out of range (1-86400): '86401'" },
		{ { "--port" }, "--port: missing value" },
		{ { "--port", "1", "extra" }, "unexpected argument 'extra'" },
	};

	return cr_make_param_array(struct rejection, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct rejection *r, serve_args, rejected)
{
	char *argv[4] = { "serve" };
	int argc = 1;

	while (argc < 4 && r->args[argc - 1][0] != '\0') {
		argv[argc] = r->args[argc - 1];
		argc++;
	}
	assert_rejected(argc, argv, r->message);
}
