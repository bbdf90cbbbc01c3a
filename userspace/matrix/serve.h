/* The latency server: an HTTP/1.1 server on 127.0.0.1 that answers every request
 * after a fixed delay with a body of a fixed size, for network workloads. It holds at most
 * a fixed number of connections and closes those that keep a slot without sending a request
 * (docs/run.md, "The latency server"). */
#ifndef CONCTRACE_SERVE_H
#define CONCTRACE_SERVE_H

#include <stddef.h>

struct latency_server;

/* What a 0 in the options below stands for. */
#define SERVE_HEADER_TIMEOUT_S 15
#define SERVE_IDLE_TIMEOUT_S 30
/* Descriptors left to the rest of the process when the limit is sized from RLIMIT_NOFILE. */
#define SERVE_FD_RESERVE 256
#define SERVE_MAX_CONNECTIONS 65536   /* the most the limit is sized to on its own */

struct latency_server_opts {
	unsigned port;              /* 0 = pick a free port */
	unsigned delay_ms;          /* time between a request's arrival and its answer */
	size_t body_size;           /* bytes in every response body */
	unsigned max_connections;   /* open at once, suspended ones included; 0 = from RLIMIT_NOFILE */
	unsigned header_timeout_s;  /* a request's header section must be in this long after the
	                               connection opened or the previous answer was sent; 0 = default */
	unsigned idle_timeout_s;    /* no byte moving either way this long closes a connection; 0 = default */
};

/* What the server did since it started. */
struct latency_server_stats {
	unsigned long long connections;    /* accepted, the refused ones included */
	unsigned long long answered;       /* requests answered 200 */
	unsigned long long refused;        /* connections answered 503 and closed: at the limit */
	unsigned long long timed_out;      /* connections closed by the header timeout */
	unsigned long long bad_requests;   /* first requests answered 400 or 431 and closed */
	unsigned long long most_open;      /* the most connections open at once */
};

/* Starts serving on 127.0.0.1 in background threads; NULL on failure with a one-line reason in err.
 * Raises the soft RLIMIT_NOFILE to the hard one: every connection is a descriptor. */
struct latency_server *latency_server_start(const struct latency_server_opts *opts, char *err, size_t errlen);
unsigned latency_server_port(const struct latency_server *s);
/* The connection limit in force: opts->max_connections, or the one sized from RLIMIT_NOFILE. */
unsigned latency_server_connection_limit(const struct latency_server *s);
void latency_server_stats(struct latency_server *s, struct latency_server_stats *stats);
/* Stops accepting and answering and closes every connection (requests still waiting get no
 * answer); the statistics stay readable until latency_server_stop. */
void latency_server_halt(struct latency_server *s);
/* Halts if not yet halted and frees; returns how many requests were answered. */
unsigned long long latency_server_stop(struct latency_server *s);

#endif
