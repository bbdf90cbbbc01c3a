#include "matrix/run_progress.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#include "base/util.h"

struct progress {
	struct cell *cells;
	size_t n, current;
	uint64_t start_ns, cell_start_ns;
	bool tty, stopping;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
};

static void format_duration(double s, char *out, size_t len)
{
	unsigned long t = s + 0.5;

	if (t >= 3600)
		snprintf(out, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(out, len, "%lu:%02lu", t / 60, t % 60);
}

/* "elapsed M:SS, about M:SS left" for the run as it stands; the caller holds the lock. */
static void format_times(const struct progress *p, char *out, size_t len)
{
	uint64_t now = monotonic_ns();
	double cell_s = p->current < p->n ? ns_to_s(now - p->cell_start_ns) : 0;
	double left_s = estimate_left(p->cells, p->n, p->current, cell_s);
	char elapsed[32], left[32];

	format_duration(ns_to_s(now - p->start_ns), elapsed, sizeof(elapsed));
	if (left_s < 0) {
		snprintf(out, len, "elapsed %s, estimating the time left", elapsed);
		return;
	}
	format_duration(left_s, left, sizeof(left));
	snprintf(out, len, "elapsed %s, about %s left", elapsed, left);
}

static void *status_line_thread(void *arg)
{
	struct progress *p = arg;
	sigset_t all;

	sigfillset(&all);    /* Ctrl-C belongs to the main thread's session */
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		struct timespec due;
		char times[96];

		if (p->current < p->n) {
			format_times(p, times, sizeof(times));
			fprintf(stderr, "\r\033[K[%zu/%zu] %s  %s", p->current + 1, p->n,
				p->cells[p->current].name, times);
			fflush(stderr);
		}
		clock_gettime(CLOCK_REALTIME, &due);
		due.tv_sec++;
		pthread_cond_timedwait(&p->wake, &p->lock, &due);
	}
	fputs("\r\033[K", stderr);
	fflush(stderr);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct progress *progress_start(struct cell *cells, size_t n)
{
	struct progress *p = xcalloc(1, sizeof(*p));

	p->cells = cells;
	p->n = n;
	p->current = n;
	p->start_ns = monotonic_ns();
	p->tty = isatty(STDERR_FILENO);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (p->tty && pthread_create(&p->thread, NULL, status_line_thread, p))
		p->tty = false;
	return p;
}

void progress_begin_cell(struct progress *p, size_t i)
{
	pthread_mutex_lock(&p->lock);
	p->current = i;
	p->cell_start_ns = monotonic_ns();
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
}

void progress_end_cell(struct progress *p, size_t i)
{
	struct cell *c = &p->cells[i];
	char times[96];

	pthread_mutex_lock(&p->lock);
	c->run_s = ns_to_s(monotonic_ns() - p->cell_start_ns);
	p->current = i + 1;
	if (!p->tty) {
		format_times(p, times, sizeof(times));
		fprintf(stderr, "[%zu/%zu] %s: %s", i + 1, p->n, c->name, cell_status_names[c->status]);
		if (c->status == CELL_OK)
			fprintf(stderr, " %.2fs", c->stats.wall_s);
		else if (c->status == CELL_FAILED)
			fprintf(stderr, " (%s)", c->reason);
		fprintf(stderr, "  [%s]\n", times);
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_stop(struct progress *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	if (p->tty)
		pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
