/* What every command does with a bad command line: one line that names the problem and points to
 * the command's --help (never the whole usage), and "did you mean" for a mistyped name. */
#ifndef CONCTRACE_USAGE_H
#define CONCTRACE_USAGE_H

#include <stddef.h>

/* Prints "conctrace: CMD: MSG (see conctrace CMD --help)" to stderr; returns 2, the exit status of
 * bad usage. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The one of NAMES[0..N) that NAME most likely misspells (at most two edits away, or NAME is a
 * prefix of it); NULL when none is that close. */
const char *closest_name(const char *name, const char *const *names, size_t n);

#endif
