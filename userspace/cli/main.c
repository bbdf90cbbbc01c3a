/* conctrace: where did the wall time of a (Python, threaded, asyncio, multiprocess) program go?
 *
 * cli/: main and one unit per command (record, run, report, diff, flamegraph, serve); the only layer
 * that wires the tracer to the rest. Commands parse options, connect the stages, map failures to
 * exit codes; they may call every layer. */
#include <stdio.h>
#include <string.h>
#include "cli/diff.h"
#include "cli/flamegraph.h"
#include "cli/record.h"
#include "cli/report.h"
#include "cli/run.h"
#include "cli/serve.h"
#include "model/model.h"
#include "base/util.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "run", cmd_run, "trace every workload x runtime x model and compare them in tables" },
	{ "record", cmd_record, "trace a command (or -p PID) and its descendants" },
	{ "report", cmd_report, "print a saved report again and regenerate its exports (no root)" },
	{ "diff", cmd_diff, "compare two reports: time per class, syscalls, a differential flame graph" },
	{ "flamegraph", cmd_flamegraph, "render folded stacks as an interactive SVG flame graph" },
	{ "serve", cmd_serve, "run the latency HTTP server the network workloads use" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: conctrace COMMAND [options]\n");
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].what);
	fprintf(out, "'conctrace COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
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
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	errmsg("unknown command '%s'", argv[1]);
	usage(stderr);
	return 2;
}
