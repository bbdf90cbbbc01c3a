#include "trace/syscall_slots.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "base/util.h"

struct syscall_slots {
	struct syscall_stat *rows;    /* [cpu][slot][nr], shared with the BPF side */
	uint32_t *threads;            /* [slot]: traced threads holding it */
	size_t rows_bytes, threads_bytes;
	int free_fd;
	uint32_t nslots;
	int ncpus;
	pid_t *owner;                 /* [slot]: the process whose rows it holds, 0 when none */
	uint64_t lumped;              /* processes user space registered into the shared slot */
};

static void *map_shared(int fd, size_t bytes, char *err, size_t errlen)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED) {
		snprintf(err, errlen, "mapping the syscall statistics: %s", strerror(errno));
		return NULL;
	}
	return p;
}

static size_t page_align(size_t bytes)
{
	size_t page = sysconf(_SC_PAGESIZE);

	return (bytes + page - 1) / page * page;
}

struct syscall_slots *syscall_slots_open(int stats_fd, int threads_fd, int free_fd, uint32_t nslots, int ncpus,
					 char *err, size_t errlen)
{
	struct syscall_slots *s = xcalloc(1, sizeof(*s));

	s->free_fd = free_fd;
	s->nslots = nslots;
	s->ncpus = ncpus;
	s->owner = xcalloc(nslots, sizeof(*s->owner));
	s->rows_bytes = page_align((size_t)ncpus * nslots * SYSCALL_SLOTS * sizeof(*s->rows));
	s->threads_bytes = page_align(nslots * sizeof(*s->threads));
	s->rows = map_shared(stats_fd, s->rows_bytes, err, errlen);
	s->threads = s->rows ? map_shared(threads_fd, s->threads_bytes, err, errlen) : NULL;
	if (!s->threads) {
		syscall_slots_close(s);
		return NULL;
	}
	for (uint32_t slot = 0; slot + 1 < nslots; slot++) {
		if (bpf_map_update_elem(free_fd, NULL, &slot, BPF_ANY)) {
			snprintf(err, errlen, "offering syscall statistics slots: %s", strerror(errno));
			syscall_slots_close(s);
			return NULL;
		}
	}
	return s;
}

uint32_t syscall_slots_take(struct syscall_slots *s, pid_t tgid)
{
	uint32_t slot;

	if (bpf_map_lookup_and_delete_elem(s->free_fd, NULL, &slot) || slot + 1 >= s->nslots) {
		s->lumped++;
		return s->nslots - 1;
	}
	s->owner[slot] = tgid;
	return slot;
}

void syscall_slots_own(struct syscall_slots *s, uint32_t slot, pid_t tgid)
{
	if (slot + 1 < s->nslots)
		s->owner[slot] = tgid;
}

void syscall_slots_hold(struct syscall_slots *s, uint32_t slot)
{
	if (slot + 1 < s->nslots)
		__atomic_fetch_add(&s->threads[slot], 1, __ATOMIC_SEQ_CST);
}

bool syscall_slots_release(struct syscall_slots *s, uint32_t slot)
{
	return slot + 1 < s->nslots && __atomic_fetch_sub(&s->threads[slot], 1, __ATOMIC_SEQ_CST) == 1;
}

/* Adds the rows of SLOT, summed over CPUs, to M as process TGID's (0: the shared slot's). */
static void move_rows(struct syscall_slots *s, uint32_t slot, pid_t tgid, struct run_model *m)
{
	for (uint32_t nr = 0; nr < SYSCALL_SLOTS; nr++) {
		struct syscall_stat sum = { 0 };

		for (int cpu = 0; cpu < s->ncpus; cpu++) {
			const struct syscall_stat *v = &s->rows[((size_t)cpu * s->nslots + slot) * SYSCALL_SLOTS + nr];

			sum.count += v->count;
			sum.errors += v->errors;
			sum.total_ns += v->total_ns;
			sum.bytes += v->bytes;
			if (v->max_ns > sum.max_ns)
				sum.max_ns = v->max_ns;
		}
		if (!sum.count)
			continue;
		m->counters[CNT_SYSCALL] += sum.count;
		*VEC_PUSH(m->syscalls, m->n_syscalls, m->cap_syscalls) = (struct model_syscall){
			.tgid = tgid, .nr = nr, .s = sum,
		};
	}
}

void syscall_slots_harvest(struct syscall_slots *s, uint32_t slot, struct run_model *m)
{
	if (slot + 1 >= s->nslots)
		return;
	move_rows(s, slot, s->owner[slot], m);
	for (int cpu = 0; cpu < s->ncpus; cpu++)
		memset(&s->rows[((size_t)cpu * s->nslots + slot) * SYSCALL_SLOTS], 0, SYSCALL_SLOTS * sizeof(*s->rows));
	s->owner[slot] = 0;
	if (bpf_map_update_elem(s->free_fd, NULL, &slot, BPF_ANY))
		errmsg("warning: syscall statistics slot %u cannot be offered again: %s", slot, strerror(errno));
}

void syscall_slots_drain(struct syscall_slots *s, struct run_model *m)
{
	/* A slot's owner is unknown (0) when its fork event was lost: its rows still count. */
	for (uint32_t slot = 0; slot < s->nslots; slot++)
		move_rows(s, slot, slot + 1 < s->nslots ? s->owner[slot] : 0, m);
	m->counters[DROP_PROC_SLOTS_FULL] += s->lumped;
}

void syscall_slots_close(struct syscall_slots *s)
{
	if (!s)
		return;
	if (s->rows)
		munmap(s->rows, s->rows_bytes);
	if (s->threads)
		munmap(s->threads, s->threads_bytes);
	free(s->owner);
	free(s);
}
