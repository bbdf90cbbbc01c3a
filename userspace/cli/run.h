/* `conctrace run`. */
#ifndef CONCTRACE_CLI_RUN_H
#define CONCTRACE_CLI_RUN_H

int cmd_run(int argc, char **argv);

#endif
