/* Syscall number <-> name, generated from the installed kernel headers (x86_64). */
#ifndef CONCTRACE_SYSCALL_NAMES_H
#define CONCTRACE_SYSCALL_NAMES_H

#define SYSCALL_NR_MAX 512

extern const char *const syscall_names[SYSCALL_NR_MAX];

/* Name of syscall NR, or NULL when the number is unknown. */
const char *syscall_name(long nr);
/* Number of the syscall called NAME, or -1. */
long syscall_nr(const char *name);

#endif
