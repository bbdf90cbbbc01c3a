/* The conctrace subcommands; each returns the process exit status. */
#ifndef CONCTRACE_COMMANDS_H
#define CONCTRACE_COMMANDS_H

int cmd_record(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_flamegraph(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_diff(int argc, char **argv);

#endif
