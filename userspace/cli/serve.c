/* `conctrace serve`: the latency server (matrix/serve.h) in the foreground until a signal. */
#include "cli/serve.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_PORT 65535ull
#define MAX_DELAY_MS 3600000ull          /* one hour */
#define MAX_BODY_SIZE (1ull << 30)       /* 1 GiB */
#define MAX_DURATION_S 31536000ull       /* one year */


static void print_usage(void)
{
	fprintf(stderr, "usage: conctrace serve [--port N] [--delay MS] [--size BYTES] [--duration SEC]\n");
}

/* Parses a decimal number in [0, max]; prints why not and returns -1 otherwise. */
static int parse_number(const char *option, const char *text, unsigned long long max,
			unsigned long long *value)
{
	char *end;

	errno = 0;
	*value = strtoull(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end != '\0') {
		fprintf(stderr, "conctrace serve: %s: not a number: '%s'\n", option, text);
		return -1;
	}
	if (errno == ERANGE || *value > max) {
		fprintf(stderr, "conctrace serve: %s: out of range (0-%llu): '%s'\n", option, max, text);
		return -1;
	}
	return 0;
}

/* One option's value into its field; the option table's val picks the field. */
static int apply_option(int option, const char *text, struct latency_server_opts *opts,
			unsigned *duration_s)
{
	unsigned long long value;

	switch (option) {
	case 'p':
		if (parse_number("--port", text, MAX_PORT, &value) < 0)
			return -1;
		opts->port = (unsigned)value;
		return 0;
	case 'd':
		if (parse_number("--delay", text, MAX_DELAY_MS, &value) < 0)
			return -1;
		opts->delay_ms = (unsigned)value;
		return 0;
	case 's':
		if (parse_number("--size", text, MAX_BODY_SIZE, &value) < 0)
			return -1;
		opts->body_size = (size_t)value;
		return 0;
	default:
		if (parse_number("--duration", text, MAX_DURATION_S, &value) < 0)
			return -1;
		*duration_s = (unsigned)value;
		return 0;
	}
}

static void report_bad_option(int result, char **argv)
{
	const char *name = argv[optind - 1];

	if (result == ':')
		fprintf(stderr, "conctrace serve: %s: missing value\n", name);
	else
		fprintf(stderr, "conctrace serve: unknown option '%s'\n", name);
}

static int parse_options(int argc, char **argv, struct latency_server_opts *opts, unsigned *duration_s)
{
	static const struct option long_options[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "delay", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int result;

	*opts = (struct latency_server_opts){ .port = 0, .delay_ms = 100, .body_size = 1024 };
	*duration_s = 0;
	optind = 0;   /* full reset: the parser may run more than once per process */
	opterr = 0;   /* our own one-line messages instead of getopt's */
	/* Only long options; "+" stops at the first operand so it is reported, not skipped. */
	while ((result = getopt_long(argc, argv, "+:", long_options, NULL)) != -1) {
		if (result == '?' || result == ':') {
			report_bad_option(result, argv);
			goto bad;
		}
		if (apply_option(result, optarg, opts, duration_s) < 0)
			goto bad;
	}
	if (optind < argc) {
		fprintf(stderr, "conctrace serve: unexpected argument '%s'\n", argv[optind]);
		goto bad;
	}
	return 0;
bad:
	print_usage();
	return -1;
}

int serve_parse_args(int argc, char **argv, struct latency_server_opts *opts)
{
	unsigned duration_s;

	return parse_options(argc, argv, opts, &duration_s);
}

/* Waits for SIGINT/SIGTERM (blocked by the caller), or until duration_s passes if not 0. */
static void wait_for_stop(const sigset_t *stop_signals, unsigned duration_s)
{
	struct timespec timeout = { .tv_sec = duration_s };
	int sig;

	do {
		sig = duration_s ? sigtimedwait(stop_signals, NULL, &timeout) : sigwaitinfo(stop_signals, NULL);
	} while (sig < 0 && errno == EINTR);
}

int cmd_serve(int argc, char **argv)
{
	struct latency_server_opts opts;
	struct latency_server *server;
	sigset_t stop_signals, old_mask;
	unsigned duration_s;
	char err[256];

	if (parse_options(argc, argv, &opts, &duration_s) < 0)
		return 2;
	/* Block the stop signals before any thread starts, so every thread inherits the mask
	 * and they are only ever taken synchronously by wait_for_stop. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
	server = latency_server_start(&opts, err, sizeof(err));
	if (server == NULL) {
		fprintf(stderr, "conctrace serve: %s\n", err);
		pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
		return 1;
	}
	printf("listening on http://127.0.0.1:%u/\n", latency_server_port(server));
	fflush(stdout);
	wait_for_stop(&stop_signals, duration_s);
	fprintf(stderr, "served %llu requests\n", latency_server_stop(server));
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	return 0;
}
