/* The latency server: an HTTP/1.1 server on 127.0.0.1 that answers every request
 * after a fixed delay with a body of a fixed size, for network workloads. */
#ifndef CONCTRACE_SERVE_H
#define CONCTRACE_SERVE_H

#include <stddef.h>

struct latency_server;

struct latency_server_opts {
	unsigned port;      /* 0 = pick a free port */
	unsigned delay_ms;  /* time between a request's arrival and its answer */
	size_t body_size;   /* bytes in every response body */
};

/* Starts serving on 127.0.0.1 in background threads; NULL on failure with a one-line reason in err. */
struct latency_server *latency_server_start(const struct latency_server_opts *opts, char *err, size_t errlen);
unsigned latency_server_port(const struct latency_server *s);
unsigned long long latency_server_requests(const struct latency_server *s);
/* Answers the requests still waiting, stops, frees; returns how many requests were answered. */
unsigned long long latency_server_stop(struct latency_server *s);

#endif
