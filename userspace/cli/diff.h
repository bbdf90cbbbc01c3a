/* `conctrace diff`. */
#ifndef CONCTRACE_CLI_DIFF_H
#define CONCTRACE_CLI_DIFF_H

int cmd_diff(int argc, char **argv);

#endif
