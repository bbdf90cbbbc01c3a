/* `conctrace advise [record options] -- CMD`: which concurrency model the command should use, and
 * how much faster it would be, from one recording of it (docs/predict.md). */
#ifndef CONCTRACE_CLI_ADVISE_H
#define CONCTRACE_CLI_ADVISE_H

int cmd_advise(int argc, char **argv);

#endif
