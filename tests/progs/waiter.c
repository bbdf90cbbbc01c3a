// waiter: blocks in one known way after another, each for a known time, so that every wait class
// of an interruptible sleep can be checked: net 0.2 s (TCP recv on loopback), pipe 0.1 s (a pipe
// read) + 0.1 s (a unix socket recv), loop-idle 0.1 s (epoll_wait), timer 0.1 s (nanosleep).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include "progs.h"

// A helper thread that sleeps MS milliseconds, then writes one byte to FD.
struct delayed_write {
	int fd, ms;
};

static void *write_later(void *arg)
{
	struct delayed_write *d = arg;

	usleep(d->ms * 1000);
	if (d->fd >= 0 && write(d->fd, "x", 1) != 1)
		die("write");
	return NULL;
}

static void wait_for_byte(int read_fd, int write_fd, int ms)
{
	struct delayed_write d = { write_fd, ms };
	pthread_t t;
	char c;

	if (pthread_create(&t, NULL, write_later, &d))
		die("pthread_create");
	if (read(read_fd, &c, 1) != 1)
		die("read");
	pthread_join(t, NULL);
}

static void tcp_wait(int ms)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), s;

	if (l < 0 || c < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 1) || getsockname(l, (void *)&a, &len))
		die("tcp listen");
	if (connect(c, (void *)&a, sizeof(a)) || (s = accept(l, NULL, NULL)) < 0)
		die("tcp connect");
	wait_for_byte(c, s, ms);
	close(s);
	close(c);
	close(l);
}

int main(void)
{
	int p[2], u[2], ep = epoll_create1(0);
	struct epoll_event ev;

	tcp_wait(200);
	if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, u) || ep < 0)
		die("pipe");
	wait_for_byte(p[0], p[1], 100);
	wait_for_byte(u[0], u[1], 100);
	epoll_wait(ep, &ev, 1, 100);
	usleep(100000);
	return 0;
}
