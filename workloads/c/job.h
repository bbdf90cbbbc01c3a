/* The job every part of the C workload runner shares: what to do, what a worker adds up, which
 * tasks it takes (cwork.c runs the models, work_*.c do the tasks). */
#ifndef CWORK_JOB_H
#define CWORK_JOB_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

enum workload { WORK_DISK, WORK_CPU, WORK_NET };
enum cpu_variant { CPU_TRIPLE, CPU_SQUARES };

/* One run's work: `tasks` files, cpu tasks or requests, and what each task does. */
struct job {
	enum workload workload;
	long tasks;
	const char *dir;	/* disk */
	int dir_fd;
	long lines, line_length;
	enum cpu_variant variant;	/* cpu */
	long num;
	const char *url;	/* net */
};

/* What one worker (thread, process or event loop) adds up; it stops at its first error.
 * Small enough (< PIPE_BUF) to come back from a child process in one atomic write. */
struct partial {
	unsigned __int128 value;	/* cpu: sum of the task values */
	uint64_t ok, bytes;		/* net: 200 responses, body bytes */
	char error[192];		/* empty unless the worker failed */
};

/* Which tasks a worker does: pulled from a shared counter, or a static stride. */
struct share {
	_Atomic long *next;	/* pull models: next unclaimed task index */
	long first, stride;	/* event-loop models: first, first + stride, ... */
};

/* Records the first error of a worker in PART (later ones are usually its consequences). */
__attribute__((format(printf, 2, 3)))
void set_error(struct partial *part, const char *fmt, ...);

#endif
