/* Tracing one process tree: used by `conctrace record` and by every cell of `conctrace run`. */
#ifndef CONCTRACE_RECORD_H
#define CONCTRACE_RECORD_H

#include <stdbool.h>
#include "cli/record_opts.h"

/* 0 when this process may trace; else prints why on one line and returns the exit status (2). */
int record_check_environment(void);
/* Runs or attaches as O says, writes O->outdir/report.json; returns the exit status. */
int record_session(const struct record_opts *o);

/* True once SIGINT/SIGTERM/SIGHUP reached a session (the caller should stop starting new ones). */
bool record_interrupted(void);

int cmd_record(int argc, char **argv);

#endif
