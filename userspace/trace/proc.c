#include "trace/proc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/util.h"

char *proc_exec_maps(pid_t pid)
{
	char path[64], line[4096], *out = NULL;
	size_t len = 0;
	FILE *f, *mem;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	mem = open_memstream(&out, &len);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off;
		char perms[8];
		int name_at = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &off, &name_at) < 4)
			continue;
		if (perms[2] != 'x')
			continue;
		line[strcspn(line, "\n")] = 0;
		fprintf(mem, "%llx-%llx %llx %s\n", start, end, off, name_at ? line + name_at : "");
	}
	fclose(f);
	fclose(mem);
	return out;
}

char *proc_cmdline(pid_t pid)
{
	char path[64], *buf;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	buf = read_file(path, &len);
	if (!buf)
		return NULL;
	for (size_t i = 0; i + 1 < len; i++)
		if (!buf[i])
			buf[i] = ' ';
	return buf;
}

bool proc_schedstat(pid_t pid, pid_t tid, uint64_t *run_ns, uint64_t *delay_ns, uint64_t *slices)
{
	char path[96];
	unsigned long long a, b, c;
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fscanf(f, "%llu %llu %llu", &a, &b, &c) == 3;
	fclose(f);
	if (ok) {
		*run_ns = a;
		*delay_ns = b;
		*slices = c;
	}
	return ok;
}

bool proc_switches(pid_t pid, pid_t tid, uint64_t *vol, uint64_t *invol)
{
	char path[96], line[256];
	unsigned long long v;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1) {
			*vol = v;
			found++;
		} else if (sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1) {
			*invol = v;
			found++;
		}
	}
	fclose(f);
	return found == 2;
}

int diskstats_read(const char *path, struct disk_snapshot *s)
{
	char line[512], name[32];
	unsigned maj, min;
	unsigned long long rd, rd_merged, rd_sect, rd_ms, wr, wr_merged, wr_sect, wr_ms, inflight, ticks;
	FILE *f = fopen(path, "re");

	memset(s, 0, sizeof(*s));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %u %31s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &maj, &min,
			   name, &rd, &rd_merged, &rd_sect, &rd_ms, &wr, &wr_merged, &wr_sect, &wr_ms,
			   &inflight, &ticks) != 13)
			continue;
		struct model_disk *d = VEC_PUSH(s->disks, s->n, s->cap);
		d->dev = maj << 20 | min;
		snprintf(d->name, sizeof(d->name), "%s", name);
		d->reads = rd;
		d->writes = wr;
		d->sectors_read = rd_sect;
		d->sectors_written = wr_sect;
		d->io_ticks_ms = ticks;
	}
	fclose(f);
	return 0;
}

void diskstats_delta(const struct disk_snapshot *before, const struct disk_snapshot *after,
		     struct run_model *m)
{
	for (size_t i = 0; i < after->n; i++) {
		const struct model_disk *a = &after->disks[i], *b = NULL;

		for (size_t j = 0; j < before->n && !b; j++)
			if (before->disks[j].dev == a->dev)
				b = &before->disks[j];
		if (!b || (a->reads == b->reads && a->writes == b->writes && a->io_ticks_ms == b->io_ticks_ms))
			continue;
		struct model_disk *d = VEC_PUSH(m->disks, m->n_disks, m->cap_disks);
		*d = *a;
		d->reads -= b->reads;
		d->writes -= b->writes;
		d->sectors_read -= b->sectors_read;
		d->sectors_written -= b->sectors_written;
		d->io_ticks_ms -= b->io_ticks_ms;
	}
}

void diskstats_free(struct disk_snapshot *s)
{
	free(s->disks);
	memset(s, 0, sizeof(*s));
}

/* The ppid in /proc/PID/stat, read after the comm field (which may hold spaces and parens). */
pid_t proc_ppid(pid_t pid)
{
	char path[64], *buf, *p;
	int ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	buf = read_file(path, NULL);
	if (!buf)
		return -1;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		ppid = -1;
	free(buf);
	return ppid;
}

size_t proc_descendants(pid_t pid, pid_t **out)
{
	pid_t *all = NULL, *parents = NULL, *found = NULL;
	size_t n_all = 0, cap_all = 0, n_par = 0, cap_par = 0, n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir("/proc");

	*VEC_PUSH(found, n, cap) = pid;
	while (d && (de = readdir(d))) {
		pid_t p = atoi(de->d_name);

		if (p > 0) {
			*VEC_PUSH(all, n_all, cap_all) = p;
			*VEC_PUSH(parents, n_par, cap_par) = proc_ppid(p);
		}
	}
	if (d)
		closedir(d);
	/* Breadth first: every process whose parent is already in the list joins it. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n_all; j++)
			if (parents[j] == found[i])
				*VEC_PUSH(found, n, cap) = all[j];
	free(all);
	free(parents);
	*out = found;
	return n;
}

size_t proc_threads(pid_t pid, pid_t **out)
{
	char path[64];
	pid_t *tids = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	while (d && (de = readdir(d)))
		if (atoi(de->d_name) > 0)
			*VEC_PUSH(tids, n, cap) = atoi(de->d_name);
	if (d)
		closedir(d);
	*out = tids;
	return n;
}
