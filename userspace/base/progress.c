#include "base/progress.h"

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#include "base/util.h"

#define QUIET_NS (1000 * 1000000ULL)   /* nothing is printed for steps this short */
#define REPAINT_NS (100 * 1000000ULL)

static struct {
	int depth;
	bool tty, shown;
	uint64_t start_ns, painted_ns;
} progress;

void progress_begin(void)
{
	if (progress.depth++)
		return;
	progress.tty = isatty(STDERR_FILENO);
	progress.shown = false;
	progress.start_ns = monotonic_ns();
	progress.painted_ns = 0;
}

void progress_update(const char *step, uint64_t done, uint64_t total)
{
	uint64_t now;

	if (!progress.depth || !progress.tty)
		return;
	now = monotonic_ns();
	if (now - progress.start_ns < QUIET_NS || now - progress.painted_ns < REPAINT_NS)
		return;
	progress.painted_ns = now;
	progress.shown = true;
	if (total)
		fprintf(stderr, "\rconctrace: %s: %3.0f%% (%.1f s)\033[K", step, 100.0 * done / total,
			(now - progress.start_ns) / 1e9);
	else
		fprintf(stderr, "\rconctrace: %s: %llu (%.1f s)\033[K", step, (unsigned long long)done,
			(now - progress.start_ns) / 1e9);
	fflush(stderr);
}

void progress_end(void)
{
	if (!progress.depth || --progress.depth)
		return;
	if (progress.shown)
		fputs("\r\033[K", stderr);
	progress.shown = false;
}
