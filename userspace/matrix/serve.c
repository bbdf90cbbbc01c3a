/* The latency server behind "conctrace serve": libmicrohttpd answers HTTP/1.1 on
 * 127.0.0.1 from one epoll thread; a delayed request suspends its connection and
 * a single timer thread resumes it when its deadline passes, so thousands of
 * requests can wait at once without a thread each.
 *
 * A gate thread accepts connections and hands them to libmicrohttpd only once their
 * first request line is well formed: libmicrohttpd 0.9.75 drops a one-word line such
 * as "HELLO" without any answer and stalls on binary junk, where we want a 400. */
#include "matrix/serve.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Suspended connections count against this too, so it also bounds the deadline heap. */
#define CONNECTION_LIMIT 16384u
#define NSEC_PER_SEC 1000000000ull
#define GATE_PEEK_BYTES 8192             /* a longer first request line is refused */
#define GATE_EVENTS 64

/* A delayed request: its connection is suspended until due_ns (CLOCK_MONOTONIC). */
struct pending_answer {
	uint64_t due_ns;
	struct MHD_Connection *conn;
};

struct latency_server {
	struct MHD_Daemon *daemon;
	struct MHD_Response *response;   /* one response shared by all requests; MHD counts its users */
	char *body;
	int listen_fd;
	unsigned port;
	unsigned delay_ms;
	atomic_ullong requests;

	pthread_t timer_thread;
	bool timer_running;
	pthread_mutex_t lock;            /* guards the heap and stopping */
	pthread_cond_t wake;             /* the earliest deadline changed, or stop was asked */
	struct pending_answer *heap;     /* min-heap on due_ns */
	size_t heap_len;
	bool stopping;

	pthread_t gate_thread;
	bool gate_running;
	int gate_epoll;
	int gate_stop_fd;                /* eventfd: written to stop the gate */
	bool *at_gate;                   /* by descriptor: accepted, first line not yet judged */
	size_t at_gate_slots;
};

/* Where a request is, kept in MHD's per-request pointer; only the addresses matter. */
static char request_started, request_delayed;

static uint64_t monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * NSEC_PER_SEC + (uint64_t)now.tv_nsec;
}

static void heap_swap(struct pending_answer *heap, size_t a, size_t b)
{
	struct pending_answer tmp = heap[a];

	heap[a] = heap[b];
	heap[b] = tmp;
}

static void heap_push(struct latency_server *s, struct pending_answer entry)
{
	size_t i = s->heap_len++;

	s->heap[i] = entry;
	while (i > 0 && s->heap[(i - 1) / 2].due_ns > s->heap[i].due_ns) {
		heap_swap(s->heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static struct MHD_Connection *heap_pop(struct latency_server *s)
{
	struct MHD_Connection *top = s->heap[0].conn;
	size_t i = 0;

	s->heap[0] = s->heap[--s->heap_len];
	for (;;) {
		size_t left = 2 * i + 1, right = left + 1, least = i;

		if (left < s->heap_len && s->heap[left].due_ns < s->heap[least].due_ns)
			least = left;
		if (right < s->heap_len && s->heap[right].due_ns < s->heap[least].due_ns)
			least = right;
		if (least == i)
			return top;
		heap_swap(s->heap, i, least);
		i = least;
	}
}

/* Resumes connections as their deadlines pass; on stop, resumes all of them at once
 * because MHD must not be stopped with a connection still suspended. */
static void *run_timer(void *arg)
{
	struct latency_server *s = arg;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		if (s->heap_len == 0) {
			if (s->stopping)
				break;
			pthread_cond_wait(&s->wake, &s->lock);
			continue;
		}
		uint64_t due_ns = s->heap[0].due_ns;
		if (!s->stopping && due_ns > monotonic_ns()) {
			struct timespec until = { .tv_sec = (time_t)(due_ns / NSEC_PER_SEC),
						  .tv_nsec = (long)(due_ns % NSEC_PER_SEC) };
			pthread_cond_timedwait(&s->wake, &s->lock, &until);
			continue;
		}
		struct MHD_Connection *conn = heap_pop(s);
		pthread_mutex_unlock(&s->lock);
		MHD_resume_connection(conn);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Suspends the connection until its deadline; false means answer now (stopping, or no room). */
static bool delay_answer(struct latency_server *s, struct MHD_Connection *conn)
{
	bool delayed = false;

	pthread_mutex_lock(&s->lock);
	if (!s->stopping && s->heap_len < CONNECTION_LIMIT) {
		/* Suspend before the timer can see the entry: resuming a running connection is undefined. */
		MHD_suspend_connection(conn);
		heap_push(s, (struct pending_answer){
			.due_ns = monotonic_ns() + (uint64_t)s->delay_ms * 1000000ull, .conn = conn });
		if (s->heap[0].conn == conn)
			pthread_cond_signal(&s->wake);
		delayed = true;
	}
	pthread_mutex_unlock(&s->lock);
	return delayed;
}

static bool is_stopping(struct latency_server *s)
{
	pthread_mutex_lock(&s->lock);
	bool stopping = s->stopping;
	pthread_mutex_unlock(&s->lock);
	return stopping;
}

static enum MHD_Result answer(struct latency_server *s, struct MHD_Connection *conn)
{
	enum MHD_Result queued = MHD_queue_response(conn, MHD_HTTP_OK, s->response);

	if (queued == MHD_YES)
		atomic_fetch_add(&s->requests, 1);
	return queued;
}

/* MHD calls this once the headers are in, once per chunk of body, then with no data
 * left; a resumed connection gets one more call, which sends the answer. */
static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version, const char *upload_data,
				      size_t *upload_data_size, void **req_cls)
{
	struct latency_server *s = cls;

	(void)url, (void)method, (void)version, (void)upload_data;
	if (*req_cls == NULL) {
		*req_cls = &request_started;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;   /* request bodies are read and ignored */
		return MHD_YES;
	}
	if (*req_cls == &request_started && s->delay_ms > 0 && delay_answer(s, conn)) {
		*req_cls = &request_delayed;
		return MHD_YES;
	}
	if (*req_cls == &request_delayed && is_stopping(s))
		return MHD_NO;   /* cut short by the stop: close rather than count an answer never sent */
	return answer(s, conn);
}

/* Each connection is a descriptor, so let the process use all it may. */
static void raise_fd_limit(void)
{
	struct rlimit limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
		limit.rlim_cur = limit.rlim_max;
		setrlimit(RLIMIT_NOFILE, &limit);
	}
}

/* Binds the listening socket ourselves so a busy port gets a precise error, and port 0 a real number. */
static int open_listener(struct latency_server *s, unsigned port, char *err, size_t errlen)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t addrlen = sizeof(addr);
	int one = 1;

	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0) {
		snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(s->listen_fd, SOMAXCONN) < 0 ||
	    getsockname(s->listen_fd, (struct sockaddr *)&addr, &addrlen) < 0) {
		snprintf(err, errlen, "cannot listen on 127.0.0.1:%u: %s", port, strerror(errno));
		return -1;
	}
	s->port = ntohs(addr.sin_port);
	return 0;
}

/* The body is a run of letters; MHD sends it straight from this buffer every time. */
static int make_response(struct latency_server *s, size_t body_size, char *err, size_t errlen)
{
	s->body = malloc(body_size ? body_size : 1);
	if (s->body == NULL) {
		snprintf(err, errlen, "cannot allocate a %zu-byte body", body_size);
		return -1;
	}
	for (size_t i = 0; i < body_size; i++)
		s->body[i] = (char)('a' + i % 26);
	s->response = MHD_create_response_from_buffer(body_size, s->body, MHD_RESPMEM_PERSISTENT);
	if (s->response == NULL ||
	    MHD_add_response_header(s->response, MHD_HTTP_HEADER_CONTENT_TYPE,
				    "application/octet-stream") != MHD_YES) {
		snprintf(err, errlen, "libmicrohttpd cannot create the response");
		return -1;
	}
	return 0;
}

static int start_timer(struct latency_server *s, char *err, size_t errlen)
{
	pthread_condattr_t attr;
	int rc;

	s->heap = calloc(CONNECTION_LIMIT, sizeof(*s->heap));
	if (s->heap == NULL) {
		snprintf(err, errlen, "cannot allocate the deadline queue");
		return -1;
	}
	/* Deadlines are monotonic, so the condition variable must wait on that clock. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&s->lock, NULL);
	rc = pthread_create(&s->timer_thread, NULL, run_timer, s);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the timer thread: %s", strerror(rc));
		return -1;
	}
	s->timer_running = true;
	return 0;
}

/* ---- the gate: a connection reaches libmicrohttpd only with a well-formed first line ---- */

enum line_verdict { LINE_INCOMPLETE, LINE_VALID, LINE_INVALID };

/* tchar of RFC 9110: the characters a method may be made of. */
static bool is_token_char(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool is_target_char(unsigned char c)
{
	return c > ' ' && c < 0x7f;
}

/* Advances *at over a non-empty run of accepted bytes followed by one space. */
static enum line_verdict scan_word(const unsigned char *line, size_t len, size_t *at,
				   bool (*accepts)(unsigned char))
{
	size_t start = *at;

	while (*at < len && accepts(line[*at]))
		(*at)++;
	if (*at == len)
		return LINE_INCOMPLETE;
	if (*at == start || line[(*at)++] != ' ')
		return LINE_INVALID;
	return LINE_VALID;
}

/* Judges "METHOD SP TARGET SP HTTP/d.d CRLF" from its first bytes, failing at the first
 * byte that cannot belong so that junk never waits for a line end. */
static enum line_verdict judge_request_line(const unsigned char *line, size_t len)
{
	static const char version[] = "HTTP/#.#";   /* '#' is any digit */
	enum line_verdict verdict;
	size_t at = 0;

	while (at < len && (line[at] == '\r' || line[at] == '\n'))
		at++;   /* RFC 9112 2.2: empty lines before a request are ignored */
	if ((verdict = scan_word(line, len, &at, is_token_char)) != LINE_VALID ||
	    (verdict = scan_word(line, len, &at, is_target_char)) != LINE_VALID)
		return verdict;
	for (size_t i = 0; i < sizeof(version) - 1; i++, at++) {
		if (at == len)
			return LINE_INCOMPLETE;
		if (version[i] == '#' ? !isdigit(line[at]) : line[at] != version[i])
			return LINE_INVALID;
	}
	if (at < len && line[at] == '\r')
		at++;
	if (at == len)
		return LINE_INCOMPLETE;
	return line[at] == '\n' ? LINE_VALID : LINE_INVALID;
}

static void leave_gate(struct latency_server *s, int fd)
{
	epoll_ctl(s->gate_epoll, EPOLL_CTL_DEL, fd, NULL);
	s->at_gate[fd] = false;
}

/* Answers 400 and closes; the unread request is drained first, as closing a socket
 * with unread data resets the connection and the client might never see the 400. */
static void refuse(int fd)
{
	static const char bad_request[] = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
					  "Content-Length: 0\r\n\r\n";
	char drain[GATE_PEEK_BYTES];

	for (int i = 0; i < 16 && recv(fd, drain, sizeof(drain), MSG_DONTWAIT) > 0; i++)
		;
	send(fd, bad_request, sizeof(bad_request) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void hand_to_mhd(struct latency_server *s, int fd)
{
	struct sockaddr_storage peer;
	socklen_t peer_len = sizeof(peer);

	if (getpeername(fd, (struct sockaddr *)&peer, &peer_len) < 0) {
		close(fd);   /* the client is already gone */
		return;
	}
	MHD_add_connection(s->daemon, fd, (struct sockaddr *)&peer, peer_len);   /* closes fd on failure */
}

/* Looks at what a waiting connection has sent, without consuming it, and decides its fate. */
static void inspect(struct latency_server *s, int fd, uint32_t events)
{
	unsigned char line[GATE_PEEK_BYTES];
	ssize_t len = recv(fd, line, sizeof(line), MSG_PEEK | MSG_DONTWAIT);

	if (len < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (len <= 0) {
		leave_gate(s, fd);
		close(fd);
		return;
	}
	enum line_verdict verdict = judge_request_line(line, (size_t)len);
	bool no_more_coming = (size_t)len == sizeof(line) || (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR));
	if (verdict == LINE_INCOMPLETE && !no_more_coming)
		return;   /* edge-triggered: woken again when more bytes arrive */
	leave_gate(s, fd);
	if (verdict == LINE_VALID)
		hand_to_mhd(s, fd);
	else
		refuse(fd);
}

/* Accepts every pending connection and waits for its first line; edge-triggered, so
 * a failure such as EMFILE leaves the rest for the next arrival instead of spinning. */
static void admit(struct latency_server *s)
{
	for (;;) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		struct epoll_event event = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = fd };
		if ((size_t)fd >= s->at_gate_slots || epoll_ctl(s->gate_epoll, EPOLL_CTL_ADD, fd, &event) < 0) {
			close(fd);   /* beyond the descriptor limit we were sized for */
			continue;
		}
		s->at_gate[fd] = true;
	}
}

static void *run_gate(void *arg)
{
	struct latency_server *s = arg;
	struct epoll_event events[GATE_EVENTS];

	for (;;) {
		int ready = epoll_wait(s->gate_epoll, events, GATE_EVENTS, -1);

		for (int i = 0; i < ready; i++) {
			int fd = events[i].data.fd;

			if (fd == s->gate_stop_fd)
				return NULL;
			if (fd == s->listen_fd)
				admit(s);
			else
				inspect(s, fd, events[i].events);
		}
	}
}

static int watch(int epoll_fd, int fd, uint32_t events)
{
	struct epoll_event event = { .events = events, .data.fd = fd };

	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
}

static int start_gate(struct latency_server *s, char *err, size_t errlen)
{
	struct rlimit limit;
	int rc;

	getrlimit(RLIMIT_NOFILE, &limit);
	s->at_gate_slots = limit.rlim_cur == RLIM_INFINITY ? 1u << 20 : (size_t)limit.rlim_cur;
	s->at_gate = calloc(s->at_gate_slots, sizeof(*s->at_gate));
	s->gate_epoll = epoll_create1(EPOLL_CLOEXEC);
	s->gate_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->at_gate == NULL || s->gate_epoll < 0 || s->gate_stop_fd < 0 ||
	    watch(s->gate_epoll, s->gate_stop_fd, EPOLLIN) < 0 ||
	    watch(s->gate_epoll, s->listen_fd, EPOLLIN | EPOLLET) < 0) {
		snprintf(err, errlen, "cannot set up accepting connections: %s", strerror(errno));
		return -1;
	}
	rc = pthread_create(&s->gate_thread, NULL, run_gate, s);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the accepting thread: %s", strerror(rc));
		return -1;
	}
	s->gate_running = true;
	return 0;
}

/* Stops accepting, closes the connections still at the gate and the listening socket. */
static void stop_gate(struct latency_server *s)
{
	if (s->gate_running) {
		eventfd_write(s->gate_stop_fd, 1);
		pthread_join(s->gate_thread, NULL);
	}
	for (size_t fd = 0; s->at_gate != NULL && fd < s->at_gate_slots; fd++)
		if (s->at_gate[fd])
			close((int)fd);
	free(s->at_gate);
	if (s->gate_epoll >= 0)
		close(s->gate_epoll);
	if (s->gate_stop_fd >= 0)
		close(s->gate_stop_fd);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
}

/* Stops whatever latency_server_start got running, in reverse order; no request is answered after. */
static void server_halt(struct latency_server *s)
{
	stop_gate(s);
	if (s->timer_running) {
		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->timer_thread, NULL);
	}
	if (s->daemon != NULL)
		MHD_stop_daemon(s->daemon);
}

static void server_free(struct latency_server *s)
{
	if (s->heap != NULL) {
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->lock);
		free(s->heap);
	}
	if (s->response != NULL)
		MHD_destroy_response(s->response);
	free(s->body);
	free(s);
}

struct latency_server *latency_server_start(const struct latency_server_opts *opts, char *err, size_t errlen)
{
	struct latency_server *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "cannot allocate the server");
		return NULL;
	}
	s->listen_fd = s->gate_epoll = s->gate_stop_fd = -1;
	s->delay_ms = opts->delay_ms;
	atomic_init(&s->requests, 0);
	raise_fd_limit();
	if (make_response(s, opts->body_size, err, errlen) < 0 ||
	    open_listener(s, opts->port, err, errlen) < 0 ||
	    start_timer(s, err, errlen) < 0)
		goto fail;
	/* Strict: an HTTP/1.1 request without Host gets a 400 too. */
	s->daemon = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
				     MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, handle_request, s,
				     MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT,
				     MHD_OPTION_STRICT_FOR_CLIENT, 1,
				     MHD_OPTION_END);
	if (s->daemon == NULL) {
		snprintf(err, errlen, "libmicrohttpd cannot start serving on 127.0.0.1:%u", s->port);
		goto fail;
	}
	if (start_gate(s, err, errlen) < 0)
		goto fail;
	return s;
fail:
	server_halt(s);
	server_free(s);
	return NULL;
}

unsigned latency_server_port(const struct latency_server *s)
{
	return s->port;
}

unsigned long long latency_server_requests(const struct latency_server *s)
{
	return atomic_load(&s->requests);
}

unsigned long long latency_server_stop(struct latency_server *s)
{
	unsigned long long served;

	if (s == NULL)
		return 0;
	server_halt(s);
	served = latency_server_requests(s);   /* after the halt: it answers the requests still waiting */
	server_free(s);
	return served;
}
