// Helpers shared by the test programs.  Each program has known scheduling
// behaviour; with SCHEDSTAT_OUT set, every thread appends the kernel's own
// counters for itself just before it exits, so tests can check conctrace's
// numbers against them:
//   schedstat TID RUN_NS WAIT_NS TIMESLICES   (/proc/self/task/TID/schedstat)
//   switches TID VOLUNTARY NONVOLUNTARY       (/proc/self/task/TID/status)
#ifndef PROGS_H
#define PROGS_H

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(1);
}

static inline long long clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

enum { SPIN_CHUNK_NS = 100000 };

// Busy-wait (never sleeps) until ns have passed on clock: CLOCK_MONOTONIC for
// wall time, CLOCK_THREAD_CPUTIME_ID for this thread's own CPU time.  CPU-time
// clocks are real syscalls, so between checks spin up to SPIN_CHUNK_NS on the
// vDSO-served monotonic clock: a traced run then sees few syscalls, at the
// price of overshooting by less than one chunk.
static inline void spin_ns(clockid_t clock, long long ns)
{
	long long until = clock_ns(clock) + ns;

	for (long long left = ns; left > 0; left = until - clock_ns(clock)) {
		long long chunk_end = clock_ns(CLOCK_MONOTONIC) + (left < SPIN_CHUNK_NS ? left : SPIN_CHUNK_NS);
		while (clock_ns(CLOCK_MONOTONIC) < chunk_end)
			;
	}
}

// Reads /proc/self/task/TID/NAME into buf (NUL-terminated).
static inline void read_task_file(pid_t tid, const char *name, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/%s", tid, name);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	ssize_t n = read(fd, buf, size - 1);
	if (n < 0)
		die(path);
	buf[n] = '\0';
	close(fd);
}

// Value of the "KEY:\tVALUE" line in a /proc status text.  Matching from the
// line start keeps "voluntary_..." from finding "nonvoluntary_...".
static inline unsigned long long status_field(const char *status, const char *key)
{
	char pattern[64];

	snprintf(pattern, sizeof(pattern), "\n%s:", key);
	const char *line = strstr(status, pattern);
	if (!line) {
		fprintf(stderr, "progs: no %s in /proc status\n", key);
		exit(1);
	}
	return strtoull(line + strlen(pattern), NULL, 10);
}

// Call as the last thing a thread (or main) does.  One O_APPEND write() per
// thread keeps lines from different threads and processes from interleaving.
static inline void record_thread_stats(void)
{
	const char *out = getenv("SCHEDSTAT_OUT");

	if (!out)
		return;
	pid_t tid = gettid();
	unsigned long long run_ns, wait_ns, timeslices;
	char schedstat[128], status[4096], lines[256];
	read_task_file(tid, "schedstat", schedstat, sizeof(schedstat));
	if (sscanf(schedstat, "%llu %llu %llu", &run_ns, &wait_ns, &timeslices) != 3) {
		fprintf(stderr, "progs: cannot parse schedstat '%s'\n", schedstat);
		exit(1);
	}
	read_task_file(tid, "status", status, sizeof(status));
	int len = snprintf(lines, sizeof(lines), "schedstat %d %llu %llu %llu\nswitches %d %llu %llu\n",
			   tid, run_ns, wait_ns, timeslices, tid,
			   status_field(status, "voluntary_ctxt_switches"),
			   status_field(status, "nonvoluntary_ctxt_switches"));
	int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0)
		die(out);
	if (write(fd, lines, len) != len)
		die(out);
	close(fd);
}

// Runs FN in N new threads and waits for them all; then records main's own stats.
static inline void run_threads(int n, void *(*fn)(void *))
{
	pthread_t threads[n];

	for (int i = 0; i < n; i++) {
		errno = pthread_create(&threads[i], NULL, fn, NULL);
		if (errno)
			die("pthread_create");
	}
	for (int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	record_thread_stats();
}

#endif
