/* The one table of wait classes, and the rules that put a blocked thread into one. */
#ifndef CONCTRACE_CLASSIFY_H
#define CONCTRACE_CLASSIFY_H

#include <linux/types.h>
#include <stdint.h>
#include "bpf/tracer.h"

struct wait_class_info {
	const char *name;     /* the name shared by code, report.json and docs */
	const char *meaning;  /* one line, for --help-classes and docs */
};
extern const struct wait_class_info wait_classes[WC_COUNT];

/* Index of the class called NAME, or -1. */
int wait_class_by_name(const char *name);

/* Fills the per-syscall kind table the BPF program uses to classify interruptible sleeps. */
void classify_syscalls(uint8_t kinds[SYSCALL_SLOTS]);

/* Finds the kernel functions that mark an uninterruptible wait as a kernel lock (or disk) in a
 * kallsyms-format file; returns how many address ranges were written to OUT, or -1. */
int classify_kernel_ranges(const char *kallsyms_path, struct krange *out, int max);

#endif
