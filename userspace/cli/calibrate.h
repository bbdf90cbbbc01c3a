/* `conctrace calibrate`: prints this machine's hand-off and start-up costs (matrix/calibrate.h),
 * measured now or read from the cache, and says when they were measured. */
#ifndef CONCTRACE_CLI_CALIBRATE_H
#define CONCTRACE_CLI_CALIBRATE_H

int cmd_calibrate(int argc, char **argv);

#endif
