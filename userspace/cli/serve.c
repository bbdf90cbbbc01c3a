/* `conctrace serve`: the latency server (matrix/serve.h) in the foreground until a signal. */
#include "cli/serve.h"
#include "cli/usage.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define STR(x) #x
#define XSTR(x) STR(x)

static const char serve_synopsis[] =
	"usage: conctrace serve [--port N] [--delay MS] [--size BYTES] [--duration SEC]\n"
	"                       [--max-connections N] [--header-timeout SEC] [--idle-timeout SEC]\n";

static const char serve_usage[] =
	"  Answers every HTTP request on 127.0.0.1 after a fixed delay with a body of a fixed size,\n"
	"  until SIGINT or SIGTERM, then prints what it did on stderr.\n"
	"      --port N               port, 0 for any free one (default 0; the URL is printed)\n"
	"      --delay MS             time from a request's arrival to its answer (default 100)\n"
	"      --size BYTES           response body size (default 1024)\n"
	"      --duration SEC         also stop after SEC seconds (default 0: only at a signal)\n"
	"      --max-connections N    connections open at once, those waiting for their answer\n"
	"                             included; one more is answered 503 and closed (default: the\n"
	"                             hard RLIMIT_NOFILE less " XSTR(SERVE_FD_RESERVE) ", at most "
	XSTR(SERVE_MAX_CONNECTIONS) ")\n"
	"      --header-timeout SEC   a request's header section must be in SEC after the connection\n"
	"                             opened or the previous answer went out, or the connection is\n"
	"                             closed: slow senders and idle kept-alive connections\n"
	"                             (default " XSTR(SERVE_HEADER_TIMEOUT_S) ")\n"
	"      --idle-timeout SEC     once a request is in, SEC without a byte moving either way\n"
	"                             closes the connection (default " XSTR(SERVE_IDLE_TIMEOUT_S) ")\n"
	"  -h, --help                 this help\n";

enum serve_option {
	OPT_PORT = 256, OPT_DELAY, OPT_SIZE, OPT_DURATION, OPT_MAX_CONNECTIONS, OPT_HEADER_TIMEOUT,
	OPT_IDLE_TIMEOUT,
};

static const struct option serve_options[] = {
	{ "port", required_argument, NULL, OPT_PORT },
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
	{ "header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* What each numeric option accepts, by its value less OPT_PORT (also its place in serve_options). */
static const struct { unsigned long long min, max; } option_range[] = {
	[OPT_PORT - OPT_PORT] = { 0, 65535 },
	[OPT_DELAY - OPT_PORT] = { 0, 3600000 },           /* one hour */
	[OPT_SIZE - OPT_PORT] = { 0, 1ull << 30 },         /* 1 GiB */
	[OPT_DURATION - OPT_PORT] = { 0, 31536000 },       /* one year */
	[OPT_MAX_CONNECTIONS - OPT_PORT] = { 1, 1u << 20 }, /* the default fs.nr_open */
	[OPT_HEADER_TIMEOUT - OPT_PORT] = { 1, 86400 },    /* one day */
	[OPT_IDLE_TIMEOUT - OPT_PORT] = { 1, 86400 },
};

/* Parses a decimal number in [min, max]; prints why not and returns -1 otherwise. */
static int parse_number(const char *option, const char *text, unsigned long long min,
			unsigned long long max, unsigned long long *value)
{
	char *end;

	errno = 0;
	*value = strtoull(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end != '\0') {
		usage_error("serve", "--%s: not a number: '%s'", option, text);
		return -1;
	}
	if (errno == ERANGE || *value < min || *value > max) {
		usage_error("serve", "--%s: out of range (%llu-%llu): '%s'", option, min, max, text);
		return -1;
	}
	return 0;
}

static void set_option(int option, unsigned long long value, struct latency_server_opts *opts,
		       unsigned *duration_s)
{
	switch (option) {
	case OPT_PORT: opts->port = (unsigned)value; break;
	case OPT_DELAY: opts->delay_ms = (unsigned)value; break;
	case OPT_SIZE: opts->body_size = (size_t)value; break;
	case OPT_DURATION: *duration_s = (unsigned)value; break;
	case OPT_MAX_CONNECTIONS: opts->max_connections = (unsigned)value; break;
	case OPT_HEADER_TIMEOUT: opts->header_timeout_s = (unsigned)value; break;
	default: opts->idle_timeout_s = (unsigned)value; break;
	}
}

static void report_bad_option(int result, char **argv)
{
	const char *name = argv[optind - 1];

	if (result == ':')
		usage_error("serve", "%s: missing value", name);
	else
		usage_error("serve", "unknown option '%s'", name);
}

/* Reads one option (getopt's result) into opts; -1 after printing why it is wrong. */
static int take_option(int result, char **argv, struct latency_server_opts *opts, unsigned *duration_s)
{
	unsigned long long value;
	int index = result - OPT_PORT;

	if (result == '?' || result == ':') {
		report_bad_option(result, argv);
		return -1;
	}
	if (parse_number(serve_options[index].name, optarg, option_range[index].min, option_range[index].max,
			 &value) < 0)
		return -1;
	set_option(result, value, opts, duration_s);
	return 0;
}

static enum parse_result parse_options(int argc, char **argv, struct latency_server_opts *opts,
				       unsigned *duration_s)
{
	int result;

	*opts = (struct latency_server_opts){ .port = 0, .delay_ms = 100, .body_size = 1024,
					      .max_connections = 0, .header_timeout_s = SERVE_HEADER_TIMEOUT_S,
					      .idle_timeout_s = SERVE_IDLE_TIMEOUT_S };
	*duration_s = 0;
	optind = 0;   /* full reset: the parser may run more than once per process */
	opterr = 0;   /* our own one-line messages instead of getopt's */
	/* Only long options (and -h); "+" stops at the first operand so it is reported, not skipped. */
	while ((result = getopt_long(argc, argv, "+:h", serve_options, NULL)) != -1) {
		if (result == 'h')
			return PARSE_HELP;
		if (take_option(result, argv, opts, duration_s) < 0)
			return PARSE_ERROR;
	}
	if (optind < argc) {
		usage_error("serve", "unexpected argument '%s'", argv[optind]);
		return PARSE_ERROR;
	}
	return PARSE_OK;
}

enum parse_result serve_parse_args(int argc, char **argv, struct latency_server_opts *opts)
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

/* Halts the server and says on stderr what it did. */
static void stop_and_report(struct latency_server *server)
{
	struct latency_server_stats st;

	latency_server_halt(server);
	latency_server_stats(server, &st);
	fprintf(stderr, "served %llu requests; %llu connections, %llu refused at the limit of %u, "
		"%llu closed by the header timeout, %llu bad requests; at most %llu open at once\n",
		st.answered, st.connections, st.refused, latency_server_connection_limit(server),
		st.timed_out, st.bad_requests, st.most_open);
	latency_server_stop(server);
}

int cmd_serve(int argc, char **argv)
{
	struct latency_server_opts opts;
	struct latency_server *server;
	sigset_t stop_signals, old_mask;
	unsigned duration_s;
	char err[256];

	switch (parse_options(argc, argv, &opts, &duration_s)) {
	case PARSE_HELP:
		fputs(serve_synopsis, stdout);
		fputs(serve_usage, stdout);
		return 0;
	case PARSE_ERROR:
		return 2;
	case PARSE_OK:
		break;
	}
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
	printf("listening on http://127.0.0.1:%u/ (at most %u connections, header timeout %u s, "
	       "idle timeout %u s)\n", latency_server_port(server), latency_server_connection_limit(server),
	       opts.header_timeout_s, opts.idle_timeout_s);
	fflush(stdout);
	wait_for_stop(&stop_signals, duration_s);
	stop_and_report(server);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	return 0;
}
