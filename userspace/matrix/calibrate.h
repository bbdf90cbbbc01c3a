/* What this machine charges for the hand-offs and starts the concurrency models make (predict.h's
 * struct costs), measured once by small micro-benchmarks and cached: an executor round trip and a
 * process-pool task in Python, an io_uring write, a fork, a byte through a pipe (docs/predict.md,
 * "Calibration"). */
#ifndef CONCTRACE_CALIBRATE_H
#define CONCTRACE_CALIBRATE_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/utsname.h>
#include "analyze/predict.h"

struct calibration {
	struct costs costs;
	double measured_epoch;    /* when, seconds since 1970 */
	double load1;             /* the 1-minute load average then */
	int ncpus;
	char kernel[sizeof(((struct utsname *)0)->release)], python[256];
	bool python_ok;           /* the Python figures were measured */
	char handoff_via[24];     /* "aiofiles", or "run_in_executor" where aiofiles is missing */
	bool cached;              /* read from the cache, not measured now */
	char path[PATH_MAX + 32];  /* the cache file */
};

/* The calibration of this machine for PYTHON (an interpreter path): read from the cache when it
 * was made on the same kernel, CPUs and interpreter, else measured (a few seconds) and cached;
 * measured anew when RECALIBRATE. 0, or -1 with a one-line reason in ERR. */
int calibration_get(const char *python, bool recalibrate, struct calibration *c, char *err, size_t errlen);

/* Measures without the cache. */
int calibration_measure(const char *python, struct calibration *c, char *err, size_t errlen);

/* One line of the figures and when they were measured. */
void calibration_print(FILE *out, const struct calibration *c);
json_t *calibration_json(const struct calibration *c);
/* Reads what calibration_json() wrote; -1 when J is not one. */
int calibration_from_json(const json_t *j, struct calibration *c);

#endif
