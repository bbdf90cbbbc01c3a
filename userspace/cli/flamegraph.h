/* `conctrace flamegraph`. */
#ifndef CONCTRACE_CLI_FLAMEGRAPH_H
#define CONCTRACE_CLI_FLAMEGRAPH_H

int cmd_flamegraph(int argc, char **argv);

#endif
