/* /proc readers, on this very process and on files written by the test. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "trace/proc.h"

static void write_diskstats(const char *path, unsigned long long writes, unsigned long long ticks)
{
	FILE *f = fopen(path, "w");

	fprintf(f, "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
	fprintf(f, " 254       0 vda 100 5 2000 50 %llu 3 8000 40 0 %llu 90 0 0 0 0 0 0\n", writes, ticks);
	fclose(f);
}

Test(proc, diskstats_delta_keeps_devices_that_moved)
{
	char path[64];
	struct disk_snapshot before, after;
	struct run_model m;

	snprintf(path, sizeof(path), "/tmp/conctrace-diskstats-%d", getpid());
	write_diskstats(path, 10, 100);
	cr_assert_eq(diskstats_read(path, &before), 0);
	write_diskstats(path, 25, 160);
	cr_assert_eq(diskstats_read(path, &after), 0);
	unlink(path);
	cr_assert_eq(before.n, 2);
	model_init(&m);
	diskstats_delta(&before, &after, &m);
	cr_assert_eq(m.n_disks, 1);
	cr_assert_str_eq(m.disks[0].name, "vda");
	cr_assert_eq(m.disks[0].dev, 254u << 20);
	cr_assert_eq(m.disks[0].writes, 15);
	cr_assert_eq(m.disks[0].io_ticks_ms, 60);
	cr_assert_eq(m.disks[0].reads, 0);
	diskstats_free(&before);
	diskstats_free(&after);
	model_free(&m);
	cr_assert_eq(diskstats_read("/nonexistent", &before), -1);
}

Test(proc, this_process)
{
	pid_t *tids, *procs;
	size_t n = proc_threads(getpid(), &tids);
	char *maps = proc_exec_maps(getpid()), *cmd = proc_cmdline(getpid());
	uint64_t run, delay, slices, vol, invol;

	cr_assert_geq(n, 1);
	cr_assert_eq(tids[0] > 0, 1);
	cr_assert(maps && strstr(maps, "test_proc"), "own executable not in maps");
	cr_assert(cmd && cmd[0]);
	cr_assert(proc_schedstat(getpid(), getpid(), &run, &delay, &slices));
	cr_assert_gt(run, 0);
	cr_assert(proc_switches(getpid(), getpid(), &vol, &invol));
	cr_assert_eq(proc_ppid(getpid()), getppid());
	n = proc_descendants(getppid(), &procs);
	cr_assert_geq(n, 2);
	cr_assert_eq(procs[0], getppid());
	free(tids);
	free(procs);
	free(maps);
	free(cmd);
	cr_assert_null(proc_exec_maps(999999999));
}
