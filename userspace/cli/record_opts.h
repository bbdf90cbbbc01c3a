/* Command-line parsing of `conctrace record`: pure, so it is unit-tested. */
#ifndef CONCTRACE_CLI_H
#define CONCTRACE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/util.h"

struct record_opts {
	const char *outdir;
	uint32_t freq_hz;
	const char *user;            /* run CMD as this user; NULL: $SUDO_USER or unchanged */
	pid_t pid;                   /* attach mode when > 0 */
	double duration_s;           /* attach mode: 0 = until Ctrl-C or the process exits */
	double timeout_s;            /* command mode: kill the tree after this long; 0 = never */
	bool quiet;
	bool verbose;                /* the summary's whole finding texts and cross-check table */
	const char *push_url;        /* Pyroscope-compatible server to send the profiles to */
	bool offcpu_stacks;
	uint64_t offcpu_stack_period_ns;
	bool timeline;               /* record every state transition: critical path, Perfetto slices */
	bool chrome_trace;           /* with timeline: also trace.json, the Chrome JSON form of the trace */
	bool syscall_stats;          /* per-syscall counts, bytes, time off the CPU (sys_exit traced) */
	char **cmd;                  /* NULL-terminated; NULL in attach mode */
	char **shown_cmd;            /* the command the report names, when CMD wraps it (run's cells:
				      * a shell that redirects, then execs it); NULL: CMD */
};

/* Parses ARGV (argv[0] is the subcommand name). On PARSE_ERROR, ERR holds a one-line reason. */
enum parse_result record_parse(int argc, char **argv, struct record_opts *o, char *err, size_t errlen);
extern const char record_usage[];

#endif
