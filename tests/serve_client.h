/* A raw HTTP client for the latency server's tests: connections on 127.0.0.1, and what came back
 * before the server closed them. */
#ifndef CONCTRACE_TEST_SERVE_CLIENT_H
#define CONCTRACE_TEST_SERVE_CLIENT_H

#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char serve_get[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

static inline double serve_now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A blocking connection; it completes in the kernel whether or not the server has accepted it yet.
 * Connections take turns among 64 loopback source addresses: past half of the ephemeral port range
 * on one address (about 14,000 connections), the kernel's port search makes each connect()
 * take milliseconds. */
static inline int serve_connect(unsigned port)
{
	static unsigned turn;
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in source = { .sin_family = AF_INET,
				      .sin_addr.s_addr = htonl(INADDR_LOOPBACK + 257 + turn++ % 64) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
	/* The port is chosen at connect(), for the whole address pair, not at bind(). */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	cr_assert_eq(bind(fd, (struct sockaddr *)&source, sizeof(source)), 0, "bind: %s", strerror(errno));
	cr_assert_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0, "connect: %s", strerror(errno));
	return fd;
}

static inline void serve_send(int fd, const char *text)
{
	size_t len = strlen(text);

	cr_assert_eq(send(fd, text, len, MSG_NOSIGNAL), (ssize_t)len, "send: %s", strerror(errno));
}

/* How a connection ended, as its client saw it. */
enum serve_end { SERVE_OPEN, SERVE_EOF, SERVE_RESET };

/* One connection's side of the exchange: the bytes received (the start of them) and how it ended. */
struct serve_reply {
	char head[64];
	size_t len;
	enum serve_end end;
};

/* Reads what is there without waiting; records the end if the server closed. */
static inline void serve_take(int fd, struct serve_reply *r)
{
	char buf[4096];

	while (r->end == SERVE_OPEN) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			for (ssize_t i = 0; i < n && r->len < sizeof(r->head) - 1; i++)
				r->head[r->len++] = buf[i];
			r->head[r->len] = '\0';
		} else if (n == 0) {
			r->end = SERVE_EOF;
		} else if (errno != EINTR) {
			if (errno != EAGAIN)
				r->end = SERVE_RESET;
			return;
		}
	}
}

/* Waits up to timeout_s for the server to close fd or for r to hold at least want bytes. */
static inline void serve_await(int fd, struct serve_reply *r, double timeout_s, size_t want)
{
	double until = serve_now_s() + timeout_s;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = until - serve_now_s();

		serve_take(fd, r);
		if (r->end != SERVE_OPEN || r->len >= want || left <= 0)
			return;
		poll(&p, 1, (int)(left * 1000) + 1);
	}
}

/* Waits up to timeout_s for the server to close fd; returns how it ended and what it sent. */
static inline struct serve_reply serve_await_end(int fd, double timeout_s)
{
	struct serve_reply r = { .end = SERVE_OPEN };

	serve_await(fd, &r, timeout_s, SIZE_MAX);
	return r;
}

/* The status code of a reply, 0 if it is not one. */
static inline int serve_status(const struct serve_reply *r)
{
	int status = 0;

	return sscanf(r->head, "HTTP/1.1 %d ", &status) == 1 ? status : 0;
}

#endif
