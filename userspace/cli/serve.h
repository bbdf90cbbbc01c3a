/* `conctrace serve`. */
#ifndef CONCTRACE_CLI_SERVE_H
#define CONCTRACE_CLI_SERVE_H

#include "base/util.h"
#include "matrix/serve.h"

/* Parses "conctrace serve" options into opts; on PARSE_ERROR a one-line error and the synopsis
 * went to stderr. Pure, testable. */
enum parse_result serve_parse_args(int argc, char **argv, struct latency_server_opts *opts);
int cmd_serve(int argc, char **argv);

#endif
