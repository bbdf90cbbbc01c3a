/* The latency server, spoken to over 127.0.0.1 with libcurl and raw sockets. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/serve.h"
#include "matrix/serve.h"

#define BATCH 1000

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct latency_server *start_server(unsigned delay_ms, size_t body_size)
{
	struct latency_server_opts opts = { .port = 0, .delay_ms = delay_ms, .body_size = body_size };
	char err[256] = "";
	struct latency_server *s = latency_server_start(&opts, err, sizeof(err));

	cr_assert_not_null(s, "latency_server_start: %s", err);
	cr_assert_neq(latency_server_port(s), 0);
	return s;
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
	double start = now_s();

	cr_assert_eq(perform_ok(h), 200);
	double elapsed = now_s() - start;
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
	cr_assert_eq(latency_server_requests(s), 1);
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

static int connect_raw(const struct latency_server *s)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)latency_server_port(s)),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval timeout = { .tv_sec = 3 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	cr_assert_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

Test(serve, answers_garbage_with_400_and_closes)
{
	static const char garbage[] = "HELLO\r\n\r\n";
	struct latency_server *s = start_server(0, 10);
	int fd = connect_raw(s);
	char reply[4096];
	size_t len = 0;
	ssize_t n;

	cr_assert_eq(send(fd, garbage, sizeof(garbage) - 1, 0), (ssize_t)sizeof(garbage) - 1);
	while ((n = recv(fd, reply + len, sizeof(reply) - 1 - len, 0)) > 0)
		len += (size_t)n;
	cr_assert_eq(n, 0, "the server kept the connection open (recv returned %zd)", n);
	reply[len] = '\0';
	cr_assert(strncmp(reply, "HTTP/1.1 400", 12) == 0, "reply: %s", reply);
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
	double start = now_s();
	int most_threads = run_batch(multi);
	double elapsed = now_s() - start;

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
	cr_assert_eq(latency_server_requests(s), BATCH);
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
	double start = now_s();
	latency_server_stop(s);
	double elapsed = now_s() - start;
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
	int silent = connect_raw(s);   /* sends nothing: still waiting at the gate */
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

/* ---- option parsing ---- */

#define ARGC(argv) ((int)(sizeof(argv) / sizeof((argv)[0])))

Test(serve_args, defaults)
{
	char *argv[] = { "serve" };
	struct latency_server_opts opts;

	cr_assert_eq(serve_parse_args(ARGC(argv), argv, &opts), 0);
	cr_assert_eq(opts.port, 0);
	cr_assert_eq(opts.delay_ms, 100);
	cr_assert_eq(opts.body_size, 1024);
}

Test(serve_args, all_options)
{
	char *argv[] = { "serve", "--port", "8080", "--delay=5", "--size", "0", "--duration", "3" };
	struct latency_server_opts opts;

	cr_assert_eq(serve_parse_args(ARGC(argv), argv, &opts), 0);
	cr_assert_eq(opts.port, 8080);
	cr_assert_eq(opts.delay_ms, 5);
	cr_assert_eq(opts.body_size, 0);
}

static void assert_rejected(int argc, char **argv, const char *message)
{
	struct latency_server_opts opts;

	cr_redirect_stderr();
	cr_assert_eq(serve_parse_args(argc, argv, &opts), -1);
	fflush(stderr);
	char expected[256];
	snprintf(expected, sizeof(expected), "conctrace serve: %s\n"
		 "usage: conctrace serve [--port N] [--delay MS] [--size BYTES] [--duration SEC]\n", message);
	cr_assert_stderr_eq_str(expected);
}

Test(serve_args, unknown_option)
{
	char *argv[] = { "serve", "--verbose" };

	assert_rejected(ARGC(argv), argv, "unknown option '--verbose'");
}

Test(serve_args, not_a_number)
{
	char *argv[] = { "serve", "--delay", "x" };

	assert_rejected(ARGC(argv), argv, "--delay: not a number: 'x'");
}

Test(serve_args, negative_number)
{
	char *argv[] = { "serve", "--size", "-1" };

	assert_rejected(ARGC(argv), argv, "--size: not a number: '-1'");
}

Test(serve_args, port_out_of_range)
{
	char *argv[] = { "serve", "--port", "65536" };

	assert_rejected(ARGC(argv), argv, "--port: out of range (0-65535): '65536'");
}

Test(serve_args, missing_value)
{
	char *argv[] = { "serve", "--port" };

	assert_rejected(ARGC(argv), argv, "--port: missing value");
}

Test(serve_args, extra_argument)
{
	char *argv[] = { "serve", "--port", "1", "extra" };

	assert_rejected(ARGC(argv), argv, "unexpected argument 'extra'");
}
