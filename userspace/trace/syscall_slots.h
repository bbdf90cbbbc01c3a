/* The per-process rows of syscall statistics the BPF side fills (bpf/tracer.bpf.c: syscall_stats,
 * free_proc_slots, proc_slot_threads). A process holds a slot while it has traced threads; once
 * the last has exited, its rows are moved into the run model and the slot is free for the next
 * process. The last slot is shared by the processes that find none free: their syscalls count for
 * the tree, lumped together, not for each process. */
#ifndef CONCTRACE_TRACE_SYSCALL_SLOTS_H
#define CONCTRACE_TRACE_SYSCALL_SLOTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "model/model.h"

struct syscall_slots;

/* Maps the loaded maps (their fds) and offers every slot but the shared last one. NULL with a
 * one-line reason in ERR. */
struct syscall_slots *syscall_slots_open(int stats_fd, int threads_fd, int free_fd, uint32_t nslots, int ncpus,
					 char *err, size_t errlen);
/* A free slot for process TGID, which user space registers itself (else the shared one). */
uint32_t syscall_slots_take(struct syscall_slots *s, pid_t tgid);
/* SLOT now belongs to process TGID (a fork the BPF side gave it to). */
void syscall_slots_own(struct syscall_slots *s, uint32_t slot, pid_t tgid);
/* One more traced thread holds SLOT; release: one fewer, true when it was the last. */
void syscall_slots_hold(struct syscall_slots *s, uint32_t slot);
bool syscall_slots_release(struct syscall_slots *s, uint32_t slot);
/* Moves the rows of SLOT, whose process has no traced thread left, into M and frees the slot. */
void syscall_slots_harvest(struct syscall_slots *s, uint32_t slot, struct run_model *m);
/* At the end: moves the rows of every slot still held, and of the shared one, into M, and counts the
 * processes user space put in the shared one (the BPF side counts the forks, DROP_PROC_SLOTS_FULL). */
void syscall_slots_drain(struct syscall_slots *s, struct run_model *m);
void syscall_slots_close(struct syscall_slots *s);

#endif
