/* A soak of `conctrace serve` on loopback: a flood past the connection limit, silent and slow
 * clients, clients that vanish, then SIGTERM with requests waiting. The server runs the real
 * command (cmd_serve) in a child process; this process is its clients. Bounded in count and
 * time: SERVE_SOAK_CONNECTIONS connections in the flood (1500 by default, about ten seconds;
 * bench/serve_soak.sh runs 20,000), every wait has a deadline. The figures go to stderr. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/serve.h"
#include "serve_client.h"

#define DELAY_MS 1000          /* long enough for requests to be still waiting at SIGTERM */
#define TRICKLE_S 0.25         /* a slow client sends one header byte this often */
#define STOP_BOUND_S 2.0       /* SIGTERM to exit, with hundreds of connections open */

static const char partial_head[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

struct client {
	int fd;              /* -1 once this side closed it */
	bool trickle;        /* sends a header byte every TRICKLE_S until the server closes */
	struct serve_reply reply;
};

struct soak {
	pid_t server;
	int out, err;                     /* the server's stdout and stderr */
	unsigned port, limit, header_timeout_s;
	int baseline_fds;
	double start_s;
	/* what the clients saw */
	unsigned long long connections, answered, refused;
};

static unsigned soak_connections(void)
{
	const char *text = getenv("SERVE_SOAK_CONNECTIONS");
	unsigned n = text ? (unsigned)strtoul(text, NULL, 10) : 1500;

	cr_assert(n >= 60 && n <= 100000, "SERVE_SOAK_CONNECTIONS: from 60 to 100000, not %s", text);
	return n;
}

/* Reads a line from fd, waiting at most timeout_s; false at end of file or timeout. */
static bool read_line(int fd, char *line, size_t size, double timeout_s)
{
	double until = serve_now_s() + timeout_s;
	size_t len = 0;

	while (len + 1 < size) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = until - serve_now_s();

		if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0 || read(fd, line + len, 1) != 1)
			return false;
		if (line[len++] == '\n')
			break;
	}
	line[len] = '\0';
	return true;
}

static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *entry;
	int count = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *dir = opendir(path);
	cr_assert_not_null(dir, "%s", path);
	while ((entry = readdir(dir)) != NULL)
		count += entry->d_name[0] != '.';
	closedir(dir);
	return count;
}

/* Sockets of the server's port in CLOSE-WAIT: the client left, the server never closed. */
static int close_wait_sockets(unsigned port)
{
	FILE *tcp = fopen("/proc/net/tcp", "r");
	char line[512];
	int count = 0;

	cr_assert_not_null(tcp);
	while (fgets(line, sizeof(line), tcp)) {
		unsigned local_port, state;

		if (sscanf(line, " %*d: %*x:%x %*x:%*x %x", &local_port, &state) == 2)
			count += local_port == port && state == 0x08;
	}
	fclose(tcp);
	return count;
}

/* Waits up to timeout_s for the server to hold at least `want` descriptors; returns its count. */
static int await_fds(const struct soak *k, int want, double timeout_s)
{
	double until = serve_now_s() + timeout_s;
	int fds;

	while ((fds = count_fds(k->server)) < want && serve_now_s() < until)
		usleep(20 * 1000);
	return fds;
}

static void start_server(struct soak *k, unsigned flood)
{
	char max[16], timeout[16], delay[16], line[256];
	int out[2], err[2];

	k->limit = flood * 2 / 3;
	k->header_timeout_s = 2 + flood / 2000;   /* opening the flood takes well under this */
	snprintf(max, sizeof(max), "%u", k->limit);
	snprintf(timeout, sizeof(timeout), "%u", k->header_timeout_s);
	snprintf(delay, sizeof(delay), "%u", DELAY_MS);
	char *argv[] = { "serve", "--delay", delay, "--size", "512", "--max-connections", max,
			 "--header-timeout", timeout, "--idle-timeout", "30", NULL };
	pid_t parent = getpid();

	cr_assert(pipe(out) == 0 && pipe(err) == 0);
	k->server = fork();
	cr_assert_geq(k->server, 0);
	if (k->server == 0) {
		/* A failed assertion ends this process: the server must not outlive it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		_exit(cmd_serve((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv));
	}
	close(out[1]);
	close(err[1]);
	k->out = out[0];
	k->err = err[0];
	cr_assert(read_line(k->out, line, sizeof(line), 5) &&
		  sscanf(line, "listening on http://127.0.0.1:%u/", &k->port) == 1, "the server said: %s", line);
	k->baseline_fds = count_fds(k->server);
	k->start_s = serve_now_s();
}

/* Opens n connections, each sending `request` if not NULL. */
static struct client *open_clients(struct soak *k, size_t n, const char *request)
{
	struct client *c = calloc(n, sizeof(*c));

	cr_assert_not_null(c);
	for (size_t i = 0; i < n; i++) {
		c[i].fd = serve_connect(k->port);
		if (request != NULL)
			serve_send(c[i].fd, request);
	}
	k->connections += n;
	return c;
}

static bool still_open(const struct client *c)
{
	return c->fd >= 0 && c->reply.end == SERVE_OPEN;
}

static size_t count_ended(const struct client *c, size_t n)
{
	size_t ended = 0;

	for (size_t i = 0; i < n; i++)
		ended += c[i].fd >= 0 && c[i].reply.end != SERVE_OPEN;
	return ended;
}

/* Reads from every open connection and trickles for the slow ones until `want` more have been
 * closed by the server or until_s passes; returns how many more were closed by the server. */
static size_t drive(struct client *c, size_t n, size_t want, double until_s)
{
	struct pollfd *p = calloc(n, sizeof(*p));
	double next_trickle = serve_now_s();
	size_t before = count_ended(c, n), ended;

	cr_assert_not_null(p);
	while ((ended = count_ended(c, n) - before) < want && serve_now_s() < until_s) {
		bool trickle_now = serve_now_s() >= next_trickle;

		for (size_t i = 0; i < n; i++) {
			p[i] = (struct pollfd){ .fd = still_open(&c[i]) ? c[i].fd : -1, .events = POLLIN };
			if (trickle_now && c[i].trickle && still_open(&c[i]))
				send(c[i].fd, "x", 1, MSG_NOSIGNAL);
		}
		if (trickle_now)
			next_trickle += TRICKLE_S;
		poll(p, n, 50);
		for (size_t i = 0; i < n; i++)
			if (p[i].revents != 0)
				serve_take(c[i].fd, &c[i].reply);
	}
	free(p);
	return ended;
}

/* Adds what the clients were answered to the tally and closes them. */
static void finish_clients(struct soak *k, struct client *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int status = serve_status(&c[i].reply);

		k->answered += status == 200;
		k->refused += status == 503;
		if (c[i].fd >= 0)
			close(c[i].fd);
	}
	free(c);
}

/* One GET on a new connection; returns its status (0 if none came within 3 s). */
static int get(struct soak *k)
{
	struct client *c = open_clients(k, 1, serve_get);
	int status;

	serve_await(c->fd, &c->reply, DELAY_MS / 1000.0 + 3, 12);
	status = serve_status(&c->reply);
	finish_clients(k, c, 1);
	return status;
}

/* Phase 1: `flood` silent connections; those past the limit must get a 503 and a clean close. */
static struct client *flood_past_the_limit(struct soak *k, size_t flood)
{
	struct client *c = open_clients(k, flood, NULL);
	size_t over = flood - k->limit;
	double opened_s = serve_now_s() - k->start_s;

	cr_assert_lt(opened_s, k->header_timeout_s - 0.5, "opening took %.2f s", opened_s);
	/* Before the header timeout, only the refused ones can have been closed. */
	cr_assert_eq(drive(c, flood, over, k->start_s + k->header_timeout_s - 0.3), over);
	for (size_t i = 0; i < flood; i++) {
		if (c[i].reply.end == SERVE_OPEN)
			continue;
		cr_assert_eq(serve_status(&c[i].reply), 503, "connection %zu: %s", i, c[i].reply.head);
		cr_assert_eq(c[i].reply.end, SERVE_EOF, "connection %zu was reset, not closed", i);
	}
	cr_assert_eq(get(k), 503, "a request while full");
	return c;
}

/* Phase 2: a tenth of the held connections leave; a request is answered again. */
static void some_leave(struct soak *k, struct client *c, size_t n)
{
	size_t leaving = k->limit / 10;
	int status = 0;
	double until = serve_now_s() + 2;

	for (size_t i = 0; i < n && leaving > 0; i++)
		if (still_open(&c[i])) {
			close(c[i].fd);
			c[i].fd = -1;
			leaving--;
		}
	while (status != 200 && serve_now_s() < until)
		status = get(k);   /* 503 until the server has seen the clients leave */
	cr_assert_eq(status, 200, "no answer once connections were freed");
}

/* Phase 3: a third of the held connections turn slow, sending a header byte now and then; they
 * and the silent rest must all be closed by the header timeout. Returns how many were held. */
static size_t slow_held_clients(struct client *held, size_t n, double until_s)
{
	size_t waiting = 0;

	for (size_t i = 0; i < n; i++)
		if (still_open(&held[i]) && waiting++ % 3 == 0) {
			serve_send(held[i].fd, partial_head);
			held[i].trickle = true;
		}
	cr_assert_eq(drive(held, n, waiting, until_s), waiting, "held connections left open");
	return waiting;
}

/* Phase 4: kept-alive clients, answered once, send their next request slowly; the header
 * timeout, counted from the answer, must close them. Returns how many there were. */
static size_t slow_kept_alive_clients(struct soak *k)
{
	size_t kept = k->limit / 20;
	struct client *c = open_clients(k, kept, serve_get);

	for (size_t i = 0; i < kept; i++) {
		serve_await(c[i].fd, &c[i].reply, DELAY_MS / 1000.0 + 2, 12);
		cr_assert_eq(serve_status(&c[i].reply), 200, "kept-alive client %zu: %s", i, c[i].reply.head);
		serve_send(c[i].fd, partial_head);
		c[i].trickle = true;
	}
	cr_assert_eq(drive(c, kept, kept, serve_now_s() + k->header_timeout_s + 3), kept,
		     "kept-alive connections left open");
	finish_clients(k, c, kept);
	return kept;
}

/* No descriptor is left behind: within timeout_s, the server is back to its count at start and
 * no socket of its port waits in CLOSE-WAIT (the client left, the server has not closed), the
 * accept queue included. */
static void assert_reaped(const struct soak *k, double timeout_s, const char *after)
{
	double until = serve_now_s() + timeout_s;
	int fds, close_wait;

	for (;;) {
		fds = count_fds(k->server);
		close_wait = close_wait_sockets(k->port);
		if ((fds == k->baseline_fds && close_wait == 0) || serve_now_s() > until)
			break;
		usleep(20 * 1000);
	}
	cr_assert_eq(fds, k->baseline_fds, "after %s: %d descriptors, %d at start", after, fds, k->baseline_fds);
	cr_assert_eq(close_wait, 0, "after %s: %d sockets in CLOSE-WAIT", after, close_wait);
}

/* Phase 5: nine tenths of the limit ask at once, all are answered after the delay. */
static size_t burst(struct soak *k)
{
	size_t n = k->limit * 9 / 10;
	struct client *c = open_clients(k, n, serve_get);

	for (size_t i = 0; i < n; i++) {
		serve_await(c[i].fd, &c[i].reply, DELAY_MS / 1000.0 + 3, 12);
		cr_assert_eq(serve_status(&c[i].reply), 200, "request %zu of the burst: %s", i, c[i].reply.head);
	}
	finish_clients(k, c, n);
	assert_reaped(k, 2, "kept-alive clients left");
	return n;
}

/* Phase 6: clients send a request and vanish before its answer. */
static void vanishing_clients(struct soak *k)
{
	size_t n = k->limit / 2;
	struct client *c = open_clients(k, n, serve_get);

	finish_clients(k, c, n);
	assert_reaped(k, DELAY_MS / 1000.0 + 3, "clients vanished with requests waiting");
	cr_assert_eq(get(k), 200, "no answer after the clients vanished");
}

/* Phase 7: SIGTERM with requests waiting and idle connections; returns how long the exit took. */
static double sigterm_under_load(struct soak *k, size_t *waiting, size_t *idle)
{
	int status = -1;

	*waiting = k->limit * 3 / 5;
	*idle = k->limit / 5;
	struct client *w = open_clients(k, *waiting, serve_get), *i = open_clients(k, *idle, NULL);
	int want = k->baseline_fds + (int)(*waiting + *idle);
	cr_assert_geq(await_fds(k, want, 3), want, "the server did not accept every connection");
	double start = serve_now_s();
	kill(k->server, SIGTERM);
	while (waitpid(k->server, &status, WNOHANG) == 0 && serve_now_s() - start < 10)
		usleep(1000);
	double took = serve_now_s() - start;
	if (took >= 10) {
		kill(k->server, SIGKILL);
		waitpid(k->server, &status, 0);
	}
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the server did not exit 0 (status %d)", status);
	finish_clients(k, w, *waiting);
	finish_clients(k, i, *idle);
	return took;
}

/* The server's own account, printed when it stopped. */
static struct latency_server_stats server_report(const struct soak *k, unsigned *limit)
{
	struct latency_server_stats st;
	char line[512];

	cr_assert(read_line(k->err, line, sizeof(line), 1), "the server printed nothing when it stopped");
	cr_assert(sscanf(line, "served %llu requests; %llu connections, %llu refused at the limit of %u, "
			 "%llu closed by the header timeout, %llu bad requests; at most %llu open at once",
			 &st.answered, &st.connections, &st.refused, limit, &st.timed_out, &st.bad_requests,
			 &st.most_open) == 7, "the server said: %s", line);
	return st;
}

Test(serve_soak, survives_a_flood_slow_clients_vanishing_clients_and_sigterm_under_load)
{
	struct soak k = { 0 };
	struct rlimit fds;
	unsigned flood = soak_connections(), limit;
	size_t waiting, idle;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &fds), 0);
	fds.rlim_cur = fds.rlim_max;
	cr_assert(fds.rlim_max >= flood + 64 && setrlimit(RLIMIT_NOFILE, &fds) == 0,
		  "RLIMIT_NOFILE (hard %llu) cannot hold %u connections", (unsigned long long)fds.rlim_max, flood);
	start_server(&k, flood);
	struct client *held = flood_past_the_limit(&k, flood);
	some_leave(&k, held, flood);
	size_t slow_held = slow_held_clients(held, flood, k.start_s + k.header_timeout_s + 3);
	finish_clients(&k, held, flood);
	size_t slow_kept = slow_kept_alive_clients(&k);
	assert_reaped(&k, 2, "the header timeout");
	size_t burst_size = burst(&k);
	vanishing_clients(&k);
	double stop_s = sigterm_under_load(&k, &waiting, &idle);
	double soak_s = serve_now_s() - k.start_s;
	struct latency_server_stats st = server_report(&k, &limit);

	fprintf(stderr, "serve soak: %llu connections in %.1f s (limit %u, at most %llu open): %llu requests "
		"answered, %llu refused with 503, %llu closed by the header timeout (%zu held, %zu kept alive), "
		"a burst of %zu answered at once; SIGTERM with %zu requests waiting and %zu idle connections: "
		"exit in %.3f s\n", st.connections, soak_s, limit, st.most_open, st.answered, st.refused,
		st.timed_out, slow_held, slow_kept, burst_size, waiting, idle, stop_s);
	cr_assert_eq(limit, k.limit);
	cr_assert_eq(st.most_open, k.limit, "the flood did not fill the server, or overfilled it");
	cr_assert_eq(st.connections, k.connections);
	cr_assert_eq(st.refused, k.refused, "503s sent and 503s received differ");
	cr_assert_eq(st.timed_out, slow_held + slow_kept);
	cr_assert_eq(st.bad_requests, 0);
	/* Requests whose client vanished are answered into a closed socket: counted, never seen. */
	cr_assert(st.answered >= k.answered && st.answered <= k.answered + k.limit / 2,
		  "answered %llu, received %llu", st.answered, k.answered);
	cr_assert_lt(stop_s, STOP_BOUND_S, "SIGTERM took %.3f s", stop_s);
	close(k.out);
	close(k.err);
}
