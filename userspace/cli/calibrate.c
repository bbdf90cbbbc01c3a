/* conctrace calibrate (calibrate.h). */
#include "cli/calibrate.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include "base/util.h"
#include "cli/usage.h"
#include "matrix/calibrate.h"
#include "matrix/matrix.h"

static const char calibrate_usage[] =
	"usage: conctrace calibrate [--recalibrate] [--python PATH] [--json]\n"
	"  Prints what this machine charges for the hand-offs and starts the concurrency models make\n"
	"  (an executor round trip, a pool worker's start, an io_uring write, a fork, a pipe byte), as\n"
	"  `conctrace run` and `advise` use them: read from the cache (/var/cache/conctrace as root,\n"
	"  else $XDG_CACHE_HOME/conctrace), or measured now (a few seconds) and cached.\n"
	"      --recalibrate   measure anew\n"
	"      --python PATH   the interpreter to measure (default: " RUN_PYTHON ")\n"
	"      --json          the figures as JSON\n"
	"Exit status: 0, 1 when a micro-benchmark failed, 2 for bad usage.\n";

int cmd_calibrate(int argc, char **argv)
{
	static const struct option options[] = {
		{ "recalibrate", no_argument, NULL, 'r' }, { "python", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	const char *python = NULL;
	bool recalibrate = false, json = false;
	struct calibration cal;
	char err[256];
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'r': recalibrate = true; break;
		case 'p': python = optarg; break;
		case 'j': json = true; break;
		case 'h':
			fputs(calibrate_usage, stdout);
			return 0;
		default:
			return usage_error("calibrate", "unknown option or missing argument: '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("calibrate", "unexpected argument '%s'", argv[optind]);
	if (calibration_get(python, recalibrate, &cal, err, sizeof(err))) {
		errmsg("calibrate: %s", err);
		return 1;
	}
	if (json) {
		json_t *j = calibration_json(&cal);

		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
		json_decref(j);
	} else {
		calibration_print(stdout, &cal);
		if (cal.path[0])
			printf("cache: %s\n", cal.path);
	}
	return 0;
}
