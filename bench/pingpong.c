// pingpong: two threads pass one byte back and forth over two pipes, so every
// round trip costs two context switches.  The loop times itself, so start-up
// and any tracer attached around the process do not count.
//   pingpong [--rounds N] [--work-ns NS]
// Prints {"rounds":N,"switches":2N,"loop_ns":T,"ns_per_switch":T/2N,"cpu_ns":C,
// "cpu_ns_per_switch":C/2N}, C the CPU time both threads used in the loop.
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct pingpong {
	long rounds;
	long work_ns;          // busy time after each receive; paces the switch rate
	int to_responder[2];   // pipe: initiator writes, responder reads
	int to_initiator[2];   // pipe: responder writes, initiator reads
	pthread_barrier_t ready; // keeps thread start-up out of the timed loop
};

static void die(const char *what)
{
	fprintf(stderr, "pingpong: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long long clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static void spin_ns(long ns)
{
	if (ns <= 0)
		return;
	long long until = now_ns() + ns;
	while (now_ns() < until)
		;
}

static void send_byte(int fd)
{
	char byte = 'x';

	if (write(fd, &byte, 1) != 1)
		die("write");
}

static void receive_byte(int fd)
{
	char byte;

	if (read(fd, &byte, 1) != 1)
		die("read");
}

static void *responder(void *arg)
{
	struct pingpong *pp = arg;

	pthread_barrier_wait(&pp->ready);
	for (long i = 0; i < pp->rounds; i++) {
		receive_byte(pp->to_responder[0]);
		spin_ns(pp->work_ns);
		send_byte(pp->to_initiator[1]);
	}
	return NULL;
}

// Times the loop on the wall clock and in CPU time of both threads: the CPU time leaves out what
// other programs on the CPU took, which a busy machine adds to the wall time by the millisecond,
// and keeps what a tracer's programs take in the threads' own context and in their switches.
static void run_initiator(struct pingpong *pp, long long *loop_ns, long long *cpu_ns)
{
	pthread_barrier_wait(&pp->ready);
	long long start = now_ns(), cpu_start = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	for (long i = 0; i < pp->rounds; i++) {
		send_byte(pp->to_responder[1]);
		receive_byte(pp->to_initiator[0]);
		spin_ns(pp->work_ns);
	}
	*loop_ns = now_ns() - start;
	*cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
}

static long parse_count(const char *option, const char *value)
{
	char *end;

	errno = 0;
	long n = value ? strtol(value, &end, 10) : -1;
	if (!value || errno || *end || end == value || n < 0) {
		fprintf(stderr, "pingpong: %s needs a non-negative integer\n", option);
		exit(2);
	}
	return n;
}

static void parse_args(int argc, char **argv, struct pingpong *pp)
{
	pp->rounds = 200000;
	pp->work_ns = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rounds") == 0)
			pp->rounds = parse_count(argv[i], argv[i + 1]), i++;
		else if (strcmp(argv[i], "--work-ns") == 0)
			pp->work_ns = parse_count(argv[i], argv[i + 1]), i++;
		else {
			fprintf(stderr, "usage: pingpong [--rounds N] [--work-ns NS]\n");
			exit(2);
		}
	}
	if (pp->rounds == 0) {
		fprintf(stderr, "pingpong: --rounds must be at least 1\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct pingpong pp;
	pthread_t thread;

	parse_args(argc, argv, &pp);
	if (pipe(pp.to_responder) || pipe(pp.to_initiator))
		die("pipe");
	pthread_barrier_init(&pp.ready, NULL, 2);
	errno = pthread_create(&thread, NULL, responder, &pp);
	if (errno)
		die("pthread_create");
	long long loop_ns, cpu_ns;
	run_initiator(&pp, &loop_ns, &cpu_ns);
	pthread_join(thread, NULL);

	long switches = 2 * pp.rounds;
	printf("{\"rounds\":%ld,\"switches\":%ld,\"loop_ns\":%lld,\"ns_per_switch\":%.1f,"
	       "\"cpu_ns\":%lld,\"cpu_ns_per_switch\":%.1f}\n",
	       pp.rounds, switches, loop_ns, (double)loop_ns / switches, cpu_ns, (double)cpu_ns / switches);
	return 0;
}
