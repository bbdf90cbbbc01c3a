// switcher: context switches at a high rate for a given time. Two threads
// pass a byte back and forth over two pipes on the CPU the program started on
// (~600k switches per second here); both threads record their kernel counters
// before exiting. One CPU keeps every wakeup local: a wakeup that preempts
// across CPUs waits for an interrupt, and the kernel counts that wait as the
// woken thread's run time (docs/method.md, "Cross-checks").
//   switcher SECONDS
#include <pthread.h>
#include <sched.h>

#include "progs.h"

static int to_peer[2], to_main[2];

static void send_byte(int fd, char byte)
{
	if (write(fd, &byte, 1) != 1)
		die("write");
}

static char receive_byte(int fd)
{
	char byte;

	if (read(fd, &byte, 1) != 1)
		die("read");
	return byte;
}

static void *peer(void *unused)
{
	(void)unused;
	while (receive_byte(to_peer[0]) != 'q')  // main's last byte wants no answer
		send_byte(to_main[1], 'x');
	record_thread_stats();
	return NULL;
}

int main(int argc, char **argv)
{
	long long seconds = argc == 2 ? atoll(argv[1]) : 0, end;
	pthread_t thread;
	cpu_set_t cpu;

	if (seconds <= 0) {
		fprintf(stderr, "usage: switcher SECONDS\n");
		return 2;
	}
	CPU_ZERO(&cpu);
	CPU_SET(sched_getcpu(), &cpu);
	if (sched_setaffinity(0, sizeof(cpu), &cpu))  // the thread below inherits it
		die("sched_setaffinity");
	if (pipe(to_peer) || pipe(to_main))
		die("pipe");
	errno = pthread_create(&thread, NULL, peer, NULL);
	if (errno)
		die("pthread_create");
	end = clock_ns(CLOCK_MONOTONIC) + seconds * 1000000000LL;
	while (clock_ns(CLOCK_MONOTONIC) < end) {
		send_byte(to_peer[1], 'x');
		receive_byte(to_main[0]);
	}
	send_byte(to_peer[1], 'q');
	pthread_join(thread, NULL);
	record_thread_stats();
	return 0;
}
