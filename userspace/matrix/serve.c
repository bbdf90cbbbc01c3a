/* The latency server behind "conctrace serve": libmicrohttpd answers HTTP/1.1 on
 * 127.0.0.1 from one epoll thread; a delayed request suspends its connection and
 * a single timer thread resumes it when its deadline passes, so thousands of
 * requests can wait at once without a thread each.
 *
 * A gate thread accepts connections and hands them to libmicrohttpd only once the header
 * section of their first request is in and its request line is well formed: libmicrohttpd
 * 0.9.75 drops a one-word line such as "HELLO" without any answer and stalls on binary
 * junk, where we want a 400.
 *
 * Floods. The gate counts every open connection (at the gate, in libmicrohttpd, suspended)
 * and answers 503 past the limit, so libmicrohttpd never reaches a limit of its own: 0.9.75
 * leaves a mutex locked when a connection added from another thread finds it full, which
 * deadlocked the server for good. A request's header section must be in within the header
 * timeout of the connection's opening or of the previous answer, however it trickles in
 * (slowloris); the timer thread shuts an overdue connection down and its owner, the gate or
 * libmicrohttpd, then closes it. Once a request is in, libmicrohttpd's idle timeout closes
 * a connection on which no byte moves. */
#include "matrix/serve.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
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

#include "base/util.h"

#define GATE_HEAD_BYTES 8192             /* a longer first header section gets a 431 */
#define GATE_EVENTS 64
#define FD_SLOTS_MAX (1u << 20)          /* descriptors tracked; the default fs.nr_open */
/* libmicrohttpd hears of a closed connection just before it stops counting it, so our count
 * can trail its own by one: its limit sits this far above ours and is never reached. */
#define MHD_LIMIT_MARGIN 16u
/* Each connection's buffer: holds a head the gate lets through and the answer's headers, at
 * half the default's resident memory (libmicrohttpd fills it whole). */
#define MHD_CONNECTION_MEMORY 16384

/* A delayed request: its connection is suspended until due_ns (CLOCK_MONOTONIC). */
struct pending_answer {
	uint64_t due_ns;
	struct MHD_Connection *conn;
};

/* One per descriptor. at_gate belongs to the gate thread, the rest to the server's lock. */
struct fd_slot {
	bool at_gate;            /* accepted, not handed to libmicrohttpd yet */
	bool awaiting_headers;   /* in the list of header waits */
	int older, newer;        /* neighbours in that list, -1 at its ends */
	uint64_t since_ns;       /* when the wait began */
};

struct latency_server {
	struct MHD_Daemon *daemon;
	struct MHD_Response *response;   /* one response shared by all requests; MHD counts its users */
	char *body;
	int listen_fd;
	unsigned port;
	unsigned delay_ms;
	unsigned limit;                  /* connections open at once */
	unsigned idle_timeout_s;
	uint64_t header_timeout_ns;
	bool halted;

	bool lock_ready;
	pthread_mutex_t lock;            /* guards all below but the threads' own fields */
	pthread_cond_t wake;             /* the next deadline came earlier, or stop was asked */
	struct latency_server_stats stats;
	unsigned open;                   /* connections at the gate or in libmicrohttpd */
	struct pending_answer *heap;     /* min-heap on due_ns, room for `limit` */
	size_t heap_len;
	bool stopping;
	struct fd_slot *slots;           /* by descriptor */
	size_t fd_slots;
	/* The header waits in the order they began, which with one timeout for all is also the
	 * order of their deadlines: the oldest is the next to expire. */
	int oldest_wait, newest_wait;

	pthread_t timer_thread;
	bool timer_running;

	pthread_t gate_thread;
	bool gate_running;
	int gate_epoll;
	int gate_stop_fd;                /* eventfd: written to stop the gate */
	int spare_fd;                    /* given up to refuse a connection when descriptors run out */
};

/* Where a request is, kept in MHD's per-request pointer; only the addresses matter. */
static char request_started, request_delayed;

static const char reply_400[] = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
static const char reply_431[] = "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n"
				"Content-Length: 0\r\n\r\n";
static const char reply_503[] = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
				"Retry-After: 1\r\nContent-Length: 0\r\n\r\n";

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

/* ---- header waits and the count of open connections, all under s->lock ---- */

static bool tracked(const struct latency_server *s, int fd)
{
	return fd >= 0 && (size_t)fd < s->fd_slots;
}

static void end_wait(struct latency_server *s, int fd)
{
	struct fd_slot *slot;

	if (!tracked(s, fd) || !s->slots[fd].awaiting_headers)
		return;
	slot = &s->slots[fd];
	if (slot->older >= 0)
		s->slots[slot->older].newer = slot->newer;
	else
		s->oldest_wait = slot->newer;
	if (slot->newer >= 0)
		s->slots[slot->newer].older = slot->older;
	else
		s->newest_wait = slot->older;
	slot->awaiting_headers = false;
}

/* From now on, fd's next header section must be in within the header timeout. */
static void begin_wait(struct latency_server *s, int fd)
{
	struct fd_slot *slot;

	if (!tracked(s, fd))
		return;
	end_wait(s, fd);
	slot = &s->slots[fd];
	slot->awaiting_headers = true;
	slot->older = s->newest_wait;
	slot->newer = -1;
	slot->since_ns = monotonic_ns();
	if (s->newest_wait >= 0) {
		s->slots[s->newest_wait].newer = fd;
	} else {
		s->oldest_wait = fd;
		pthread_cond_signal(&s->wake);   /* the timer may be sleeping past this deadline */
	}
	s->newest_wait = fd;
}

/* A connection is closing; its descriptor number may be handed out again once the lock is released. */
static void forget_connection(struct latency_server *s, int fd)
{
	end_wait(s, fd);
	s->open--;
}

/* Shuts down the connections whose header section is overdue; their owners see the
 * hang-up and close them. Under the lock, so no descriptor number is reused meanwhile. */
static void end_overdue_waits(struct latency_server *s, uint64_t now_ns)
{
	while (s->oldest_wait >= 0 && s->slots[s->oldest_wait].since_ns + s->header_timeout_ns <= now_ns) {
		int fd = s->oldest_wait;

		end_wait(s, fd);
		shutdown(fd, SHUT_RDWR);
		s->stats.timed_out++;
	}
}

/* ---- the timer thread: delayed answers and header deadlines ---- */

/* The next time the timer has something to do; UINT64_MAX for nothing. */
static uint64_t next_deadline(const struct latency_server *s)
{
	uint64_t next = UINT64_MAX;

	if (s->oldest_wait >= 0)
		next = s->slots[s->oldest_wait].since_ns + s->header_timeout_ns;
	if (s->heap_len > 0 && s->heap[0].due_ns < next)
		next = s->heap[0].due_ns;
	return next;
}

/* Resumes connections as their deadlines pass and ends overdue header waits; on stop,
 * resumes all at once because MHD must not be stopped with a connection still suspended. */
static void *run_timer(void *arg)
{
	struct latency_server *s = arg;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping || s->heap_len > 0) {
		uint64_t now_ns = monotonic_ns(), until_ns;

		end_overdue_waits(s, now_ns);
		if (s->heap_len > 0 && (s->stopping || s->heap[0].due_ns <= now_ns)) {
			struct MHD_Connection *conn = heap_pop(s);

			pthread_mutex_unlock(&s->lock);
			MHD_resume_connection(conn);
			pthread_mutex_lock(&s->lock);
			continue;
		}
		until_ns = next_deadline(s);
		if (until_ns == UINT64_MAX) {
			pthread_cond_wait(&s->wake, &s->lock);
		} else {
			struct timespec until = { .tv_sec = (time_t)(until_ns / NSEC_PER_SEC),
						  .tv_nsec = (long)(until_ns % NSEC_PER_SEC) };
			pthread_cond_timedwait(&s->wake, &s->lock, &until);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* ---- libmicrohttpd's callbacks, on its thread ---- */

static int connection_fd(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

	return info != NULL ? info->connect_fd : -1;
}

/* Suspends the connection until its deadline; false means answer now (stopping, or no room). */
static bool delay_answer(struct latency_server *s, struct MHD_Connection *conn)
{
	bool delayed = false;

	pthread_mutex_lock(&s->lock);
	if (!s->stopping && s->heap_len < s->limit) {
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

	if (queued == MHD_YES) {
		pthread_mutex_lock(&s->lock);
		s->stats.answered++;
		pthread_mutex_unlock(&s->lock);
	}
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
		pthread_mutex_lock(&s->lock);
		end_wait(s, connection_fd(conn));   /* the header section is in */
		pthread_mutex_unlock(&s->lock);
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

/* A request is done: on a connection kept alive, the wait for the next header section begins. */
static void request_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			      enum MHD_RequestTerminationCode why)
{
	struct latency_server *s = cls;

	(void)req_cls;
	if (why != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		return;   /* the connection is closing */
	pthread_mutex_lock(&s->lock);
	begin_wait(s, connection_fd(conn));
	pthread_mutex_unlock(&s->lock);
}

/* MHD tells of a closed connection before it closes the descriptor. */
static void connection_changed(void *cls, struct MHD_Connection *conn, void **socket_context,
			       enum MHD_ConnectionNotificationCode what)
{
	struct latency_server *s = cls;

	(void)socket_context;
	if (what != MHD_CONNECTION_NOTIFY_CLOSED)
		return;
	pthread_mutex_lock(&s->lock);
	forget_connection(s, connection_fd(conn));
	pthread_mutex_unlock(&s->lock);
}

/* ---- start-up ---- */

/* The soft RLIMIT_NOFILE, raised to the hard one: each connection is a descriptor. */
static size_t raise_fd_limit(void)
{
	struct rlimit limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
		return 0;
	if (limit.rlim_cur < limit.rlim_max) {
		struct rlimit raised = { .rlim_cur = limit.rlim_max, .rlim_max = limit.rlim_max };

		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			limit = raised;
	}
	return limit.rlim_cur > FD_SLOTS_MAX ? FD_SLOTS_MAX : (size_t)limit.rlim_cur;
}

/* The connection limit: the one asked for if the descriptors can hold it, or sized from them. */
static int size_limit(struct latency_server *s, unsigned asked, char *err, size_t errlen)
{
	size_t room;

	s->fd_slots = raise_fd_limit();
	room = s->fd_slots > 2 * SERVE_FD_RESERVE ? s->fd_slots - SERVE_FD_RESERVE : s->fd_slots / 2;
	if (asked > room || room == 0) {
		snprintf(err, errlen, "%u connections do not fit in RLIMIT_NOFILE (%zu descriptors, of which "
			 "%zu are kept for the rest of the process): at most %zu", asked, s->fd_slots,
			 s->fd_slots - room, room);
		return -1;
	}
	s->limit = asked != 0 ? asked : room < SERVE_MAX_CONNECTIONS ? (unsigned)room : SERVE_MAX_CONNECTIONS;
	return 0;
}

/* The limit, the tables it sizes, and the lock that guards them. */
static int make_tables(struct latency_server *s, unsigned asked, char *err, size_t errlen)
{
	pthread_condattr_t attr;

	if (size_limit(s, asked, err, errlen) < 0)
		return -1;
	s->heap = calloc(s->limit, sizeof(*s->heap));
	s->slots = calloc(s->fd_slots, sizeof(*s->slots));
	if (s->heap == NULL || s->slots == NULL) {
		snprintf(err, errlen, "cannot allocate the tables for %u connections", s->limit);
		return -1;
	}
	/* Deadlines are monotonic, so the condition variable must wait on that clock. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&s->lock, NULL);
	s->lock_ready = true;
	return 0;
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
	int rc = pthread_create(&s->timer_thread, NULL, run_timer, s);

	if (rc != 0) {
		snprintf(err, errlen, "cannot start the timer thread: %s", strerror(rc));
		return -1;
	}
	s->timer_running = true;
	return 0;
}

static int start_daemon(struct latency_server *s, char *err, size_t errlen)
{
	/* Strict: an HTTP/1.1 request without Host gets a 400 too. */
	s->daemon = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
				     MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, handle_request, s,
				     MHD_OPTION_CONNECTION_LIMIT, s->limit + MHD_LIMIT_MARGIN,
				     MHD_OPTION_CONNECTION_TIMEOUT, s->idle_timeout_s,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MHD_CONNECTION_MEMORY,
				     MHD_OPTION_NOTIFY_COMPLETED, request_completed, s,
				     MHD_OPTION_NOTIFY_CONNECTION, connection_changed, s,
				     MHD_OPTION_STRICT_FOR_CLIENT, 1,
				     MHD_OPTION_END);
	if (s->daemon == NULL) {
		snprintf(err, errlen, "libmicrohttpd cannot start serving on 127.0.0.1:%u", s->port);
		return -1;
	}
	return 0;
}

/* ---- the gate: a connection reaches libmicrohttpd only with a well-formed first head ---- */

enum head_verdict { HEAD_INCOMPLETE, HEAD_VALID, HEAD_INVALID, HEAD_TOO_LARGE, HEAD_GONE };

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
static enum head_verdict scan_word(const unsigned char *line, size_t len, size_t *at,
				   bool (*accepts)(unsigned char))
{
	size_t start = *at;

	while (*at < len && accepts(line[*at]))
		(*at)++;
	if (*at == len)
		return HEAD_INCOMPLETE;
	if (*at == start || line[(*at)++] != ' ')
		return HEAD_INVALID;
	return HEAD_VALID;
}

/* Judges "METHOD SP TARGET SP HTTP/d.d CRLF" from its first bytes, failing at the first
 * byte that cannot belong so that junk never waits for a line end; *at ends on the LF. */
static enum head_verdict judge_request_line(const unsigned char *line, size_t len, size_t *at)
{
	static const char version[] = "HTTP/#.#";   /* '#' is any digit */
	enum head_verdict verdict;

	*at = 0;
	while (*at < len && (line[*at] == '\r' || line[*at] == '\n'))
		(*at)++;   /* RFC 9112 2.2: empty lines before a request are ignored */
	if ((verdict = scan_word(line, len, at, is_token_char)) != HEAD_VALID ||
	    (verdict = scan_word(line, len, at, is_target_char)) != HEAD_VALID)
		return verdict;
	for (size_t i = 0; i < sizeof(version) - 1; i++, (*at)++) {
		if (*at == len)
			return HEAD_INCOMPLETE;
		if (version[i] == '#' ? !isdigit(line[*at]) : line[*at] != version[i])
			return HEAD_INVALID;
	}
	if (*at < len && line[*at] == '\r')
		(*at)++;
	if (*at == len)
		return HEAD_INCOMPLETE;
	return line[*at] == '\n' ? HEAD_VALID : HEAD_INVALID;
}

/* A valid request line, then header lines up to an empty one. */
static enum head_verdict judge_head(const unsigned char *head, size_t len)
{
	size_t line_end;
	enum head_verdict verdict = judge_request_line(head, len, &line_end);

	if (verdict != HEAD_VALID)
		return verdict;
	if (memmem(head + line_end, len - line_end, "\n\r\n", 3) != NULL ||
	    memmem(head + line_end, len - line_end, "\n\n", 2) != NULL)
		return HEAD_VALID;
	return HEAD_INCOMPLETE;
}

/* Drains what the client sent, since closing over unread data resets the connection and the
 * client might never see the reply; then sends the reply, if any, and closes. */
static void close_with(int fd, const char *reply)
{
	char drain[GATE_HEAD_BYTES];

	for (int i = 0; i < 16 && recv(fd, drain, sizeof(drain), MSG_DONTWAIT) > 0; i++)
		;
	if (reply != NULL)
		send(fd, reply, strlen(reply), MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void leave_gate(struct latency_server *s, int fd)
{
	epoll_ctl(s->gate_epoll, EPOLL_CTL_DEL, fd, NULL);
	s->slots[fd].at_gate = false;
}

/* Closes a connection the gate owned; a reply here is always a 400 or a 431. */
static void drop_connection(struct latency_server *s, int fd, const char *reply)
{
	pthread_mutex_lock(&s->lock);
	forget_connection(s, fd);
	if (reply != NULL)
		s->stats.bad_requests++;
	pthread_mutex_unlock(&s->lock);
	close_with(fd, reply);
}

static void hand_to_mhd(struct latency_server *s, int fd)
{
	struct sockaddr_storage peer;
	socklen_t peer_len = sizeof(peer);

	if (getpeername(fd, (struct sockaddr *)&peer, &peer_len) < 0) {
		drop_connection(s, fd, NULL);   /* the client is already gone */
		return;
	}
	/* Under the lock: MHD closes fd when it refuses it, and the number must leave the
	 * header waits before anyone can be given it again. */
	pthread_mutex_lock(&s->lock);
	if (MHD_add_connection(s->daemon, fd, (struct sockaddr *)&peer, peer_len) != MHD_YES)
		forget_connection(s, fd);
	pthread_mutex_unlock(&s->lock);
}

/* What the connection has sent so far, peeked at, not consumed. */
static enum head_verdict look_at(int fd, uint32_t events)
{
	unsigned char head[GATE_HEAD_BYTES];
	ssize_t len;
	enum head_verdict verdict;

	if (events & (EPOLLHUP | EPOLLERR))
		return HEAD_GONE;   /* reset, or shut down by the header timeout: no one to answer */
	len = recv(fd, head, sizeof(head), MSG_PEEK | MSG_DONTWAIT);
	if (len < 0 && (errno == EAGAIN || errno == EINTR))
		return HEAD_INCOMPLETE;
	if (len <= 0)
		return HEAD_GONE;
	verdict = judge_head(head, (size_t)len);
	if (verdict == HEAD_INCOMPLETE && (size_t)len == sizeof(head))
		return HEAD_TOO_LARGE;
	if (verdict == HEAD_INCOMPLETE && (events & EPOLLRDHUP))
		return HEAD_INVALID;   /* the client stopped sending halfway */
	return verdict;
}

static void inspect(struct latency_server *s, int fd, uint32_t events)
{
	enum head_verdict verdict = look_at(fd, events);

	if (verdict == HEAD_INCOMPLETE)
		return;   /* edge-triggered: woken again when more bytes arrive */
	leave_gate(s, fd);
	if (verdict == HEAD_VALID)
		hand_to_mhd(s, fd);
	else
		drop_connection(s, fd, verdict == HEAD_INVALID ? reply_400 :
				       verdict == HEAD_TOO_LARGE ? reply_431 : NULL);
}

static void count_refusal(struct latency_server *s)
{
	pthread_mutex_lock(&s->lock);
	s->stats.connections++;
	s->stats.refused++;
	pthread_mutex_unlock(&s->lock);
}

/* Takes a new connection in to wait for its first request, or answers 503 at the limit. */
static void welcome(struct latency_server *s, int fd)
{
	struct epoll_event event = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = fd };
	bool admitted;

	pthread_mutex_lock(&s->lock);
	admitted = s->open < s->limit && tracked(s, fd) &&
		   epoll_ctl(s->gate_epoll, EPOLL_CTL_ADD, fd, &event) == 0;
	if (admitted) {
		s->stats.connections++;
		if (++s->open > s->stats.most_open)
			s->stats.most_open = s->open;
		s->slots[fd].at_gate = true;
		begin_wait(s, fd);
	}
	pthread_mutex_unlock(&s->lock);
	if (!admitted) {
		count_refusal(s);
		close_with(fd, reply_503);
	}
}

/* Out of descriptors: gives up the spare one for long enough to accept and refuse a
 * connection, which would otherwise wait unseen in the backlog (the listener is edge-triggered). */
static bool refuse_on_spare(struct latency_server *s)
{
	int fd;

	if (s->spare_fd < 0)
		return false;
	close(s->spare_fd);
	fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0) {
		count_refusal(s);
		close_with(fd, reply_503);
	}
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return fd >= 0;
}

/* Accepts every pending connection. */
static void admit(struct latency_server *s)
{
	for (;;) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0)
			welcome(s, fd);
		else if (errno == EINTR || errno == ECONNABORTED)
			continue;
		else if ((errno != EMFILE && errno != ENFILE) || !refuse_on_spare(s))
			return;
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
	int rc;

	s->gate_epoll = epoll_create1(EPOLL_CLOEXEC);
	s->gate_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (s->gate_epoll < 0 || s->gate_stop_fd < 0 || s->spare_fd < 0 ||
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

static void close_if_open(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Stops accepting, closes the connections still at the gate and the listening socket. */
static void stop_gate(struct latency_server *s)
{
	if (s->gate_running) {
		eventfd_write(s->gate_stop_fd, 1);
		pthread_join(s->gate_thread, NULL);
	}
	for (size_t fd = 0; s->slots != NULL && fd < s->fd_slots; fd++)
		if (s->slots[fd].at_gate)
			drop_connection(s, (int)fd, NULL);
	close_if_open(s->gate_epoll);
	close_if_open(s->gate_stop_fd);
	close_if_open(s->spare_fd);
	close_if_open(s->listen_fd);
}

/* ---- the server's life ---- */

void latency_server_halt(struct latency_server *s)
{
	if (s->halted)
		return;
	s->halted = true;
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
	if (s->lock_ready) {
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->lock);
	}
	free(s->heap);
	free(s->slots);
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
	s->listen_fd = s->gate_epoll = s->gate_stop_fd = s->spare_fd = -1;
	s->oldest_wait = s->newest_wait = -1;
	s->delay_ms = opts->delay_ms;
	s->idle_timeout_s = opts->idle_timeout_s ? opts->idle_timeout_s : SERVE_IDLE_TIMEOUT_S;
	s->header_timeout_ns = (opts->header_timeout_s ? opts->header_timeout_s : SERVE_HEADER_TIMEOUT_S) *
			       NSEC_PER_SEC;
	if (make_tables(s, opts->max_connections, err, errlen) < 0 ||
	    make_response(s, opts->body_size, err, errlen) < 0 ||
	    open_listener(s, opts->port, err, errlen) < 0 ||
	    start_timer(s, err, errlen) < 0 ||
	    start_daemon(s, err, errlen) < 0 ||
	    start_gate(s, err, errlen) < 0) {
		latency_server_halt(s);
		server_free(s);
		return NULL;
	}
	return s;
}

unsigned latency_server_port(const struct latency_server *s)
{
	return s->port;
}

unsigned latency_server_connection_limit(const struct latency_server *s)
{
	return s->limit;
}

void latency_server_stats(struct latency_server *s, struct latency_server_stats *stats)
{
	pthread_mutex_lock(&s->lock);
	*stats = s->stats;
	pthread_mutex_unlock(&s->lock);
}

unsigned long long latency_server_stop(struct latency_server *s)
{
	unsigned long long answered;

	if (s == NULL)
		return 0;
	latency_server_halt(s);
	answered = s->stats.answered;   /* every thread has ended */
	server_free(s);
	return answered;
}
