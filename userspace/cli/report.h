/* `conctrace report`. */
#ifndef CONCTRACE_CLI_REPORT_H
#define CONCTRACE_CLI_REPORT_H

int cmd_report(int argc, char **argv);

#endif
