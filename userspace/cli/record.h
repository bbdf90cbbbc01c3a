/* Tracing one process tree: used by `conctrace record` and by every cell of `conctrace run`. */
#ifndef CONCTRACE_RECORD_H
#define CONCTRACE_RECORD_H

#include <stdbool.h>
#include "base/outdir.h"
#include "cli/record_opts.h"

/* 0 when this process may trace; else prints why on one line and returns the exit status (2). */
int record_check_environment(void);
/* Runs or attaches as O says and writes every export into INTO, or, when NULL, into O->outdir
 * (base/outdir.h: kept as .old when it holds an earlier output). Returns the exit status: the
 * command's, else 1 when an output was not written. */
int record_session(const struct record_opts *o, const struct outdir *into);

/* True once SIGINT/SIGTERM/SIGHUP reached a session (the caller should stop starting new ones). */
bool record_interrupted(void);

int cmd_record(int argc, char **argv);

#endif
