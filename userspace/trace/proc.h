/* Readers of /proc: what the kernel says about processes, threads and disks. */
#ifndef CONCTRACE_PROC_H
#define CONCTRACE_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "model/model.h"

/* Executable mappings of PID as "start-end offset path" lines (caller frees); NULL if gone. */
char *proc_exec_maps(pid_t pid);
/* Command line with NULs turned into spaces (caller frees); NULL if gone. */
char *proc_cmdline(pid_t pid);
/* /proc/PID/task/TID/schedstat: run time, run delay (ns) and time slices. */
bool proc_schedstat(pid_t pid, pid_t tid, uint64_t *run_ns, uint64_t *delay_ns, uint64_t *slices);
/* voluntary/nonvoluntary_ctxt_switches of a thread. */
bool proc_switches(pid_t pid, pid_t tid, uint64_t *vol, uint64_t *invol);

/* A snapshot of every whole-disk device in /proc/diskstats. */
struct disk_snapshot {
	struct model_disk *disks;
	size_t n, cap;
};
int diskstats_read(const char *path, struct disk_snapshot *s);
/* Adds to M the devices whose counters changed between BEFORE and AFTER, as differences. */
void diskstats_delta(const struct disk_snapshot *before, const struct disk_snapshot *after,
		     struct run_model *m);
void diskstats_free(struct disk_snapshot *s);

/* Thread ids of process PID (caller frees); 0 when it is gone. */
size_t proc_threads(pid_t pid, pid_t **out);
/* Parent of PID, or -1. */
pid_t proc_ppid(pid_t pid);
/* PID and all its descendant processes, from the ppid fields of /proc (caller frees). */
size_t proc_descendants(pid_t pid, pid_t **out);

#endif
