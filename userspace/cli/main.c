/* conctrace: where did the wall time of a (Python, threaded, asyncio, multiprocess) program go?
 *
 * cli/: main and one unit per command (record, advise, run, report, diff, flamegraph, calibrate,
 * serve); the only layer that wires the tracer to the rest. Commands parse options, connect the stages, map failures to
 * exit codes; they may call every layer. */
#include <stdio.h>
#include <string.h>
#include "cli/advise.h"
#include "cli/calibrate.h"
#include "cli/diff.h"
#include "cli/flamegraph.h"
#include "cli/record.h"
#include "cli/report.h"
#include "cli/run.h"
#include "cli/serve.h"
#include "cli/usage.h"
#include "model/model.h"
#include "base/util.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "run", cmd_run, "trace every workload x runtime x model and compare them in tables" },
	{ "record", cmd_record, "trace a command (or -p PID) and its descendants" },
	{ "advise", cmd_advise, "record a command once and predict its wall time under each concurrency model" },
	{ "report", cmd_report, "print a saved report again and regenerate its exports (no root)" },
	{ "diff", cmd_diff, "compare two reports: time per class, syscalls, a differential flame graph" },
	{ "flamegraph", cmd_flamegraph, "render folded stacks as an interactive SVG flame graph" },
	{ "calibrate", cmd_calibrate, "measure (or show) this machine's costs the what-if predictions use" },
	{ "serve", cmd_serve, "run the latency HTTP server the network workloads use" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: conctrace COMMAND [options]\n");
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].what);
	fprintf(out, "'conctrace help COMMAND' (or 'conctrace COMMAND --help') describes each command.\n");
}

static int find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (!strcmp(name, commands[i].name))
			return i;
	return -1;
}

/* "unknown command 'rnu'; did you mean 'run'?" */
static int unknown_command(const char *name)
{
	const char *names[ARRAY_LEN(commands) + 1];
	const char *guess;

	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		names[i] = commands[i].name;
	names[ARRAY_LEN(commands)] = "help";
	guess = closest_name(name, names, ARRAY_LEN(names));
	if (guess)
		errmsg("unknown command '%s'; did you mean '%s'? (see conctrace --help)", name, guess);
	else
		errmsg("unknown command '%s' (see conctrace --help)", name);
	return 2;
}

/* `conctrace help [COMMAND]`: the list of commands, or COMMAND --help. */
static int help(int argc, char **argv)
{
	char *help_argv[] = { NULL, "--help", NULL };
	int i;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	i = find_command(argv[1]);
	if (i < 0)
		return unknown_command(argv[1]);
	help_argv[0] = argv[1];
	return commands[i].fn(2, help_argv);
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("conctrace %s\n", CONCTRACE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help"))
		return help(argc - 1, argv + 1);
	i = find_command(argv[1]);
	return i < 0 ? unknown_command(argv[1]) : commands[i].fn(argc - 1, argv + 1);
}
