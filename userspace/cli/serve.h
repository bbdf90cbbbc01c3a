/* `conctrace serve`. */
#ifndef CONCTRACE_CLI_SERVE_H
#define CONCTRACE_CLI_SERVE_H

#include "matrix/serve.h"

/* Parses "conctrace serve" options into opts; returns 0, or -1 after printing a one-line error + usage to stderr. Pure, testable. */
int serve_parse_args(int argc, char **argv, struct latency_server_opts *opts);
int cmd_serve(int argc, char **argv);

#endif
