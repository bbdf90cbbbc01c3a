#include "model/classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/syscall_names.h"
#include "base/util.h"

const struct wait_class_info wait_classes[WC_COUNT] = {
	[WC_ONCPU]       = { "oncpu",       "running on a CPU" },
	[WC_RUNQUEUE]    = { "runqueue",    "runnable, waiting for a CPU behind other tasks (after a wakeup or a preemption)" },
	[WC_WAKEUP]      = { "wakeup",      "woken onto an idle CPU, waiting for it to run the thread (the wake-up's latency)" },
	[WC_DISK]        = { "disk",        "uninterruptible sleep in io_schedule (the kernel's iowait)" },
	[WC_KERNEL_LOCK] = { "kernel-lock", "uninterruptible sleep on a kernel rwsem, mutex or semaphore" },
	[WC_LOCK]        = { "lock",        "futex wait: a user-space lock, condition variable or queue" },
	[WC_GIL]         = { "gil",         "futex wait on the Python GIL" },
	[WC_LOOP_IDLE]   = { "loop-idle",   "epoll/io_uring wait (or poll/select on no socket or pipe): an event loop with nothing ready" },
	[WC_NET]         = { "net",         "blocked reading or writing a network socket, or in accept/connect" },
	[WC_TIMER]       = { "timer",       "sleeping on a timer (nanosleep, clock_nanosleep)" },
	[WC_CHILD]       = { "child",       "waiting for a child process (wait4, waitid)" },
	[WC_PIPE]        = { "pipe",        "blocked on a pipe or unix socket (local IPC)" },
	[WC_OTHER_SLEEP] = { "other-sleep", "any other interruptible sleep" },
	[WC_OTHER_D]     = { "other-d",     "any other uninterruptible sleep" },
};

int wait_class_by_name(const char *name)
{
	for (int i = 0; i < WC_COUNT; i++)
		if (strcmp(wait_classes[i].name, name) == 0)
			return i;
	return -1;
}

/* Syscalls whose interruptible sleeps say what the thread waits for, with the flags the BPF side
 * reads at their exit. Unlisted: other-sleep. */
static const struct {
	const char *name;
	uint8_t kind;
} syscall_rules[] = {
	{ "futex", SK_LOCK }, { "futex_waitv", SK_LOCK },
	{ "epoll_wait", SK_LOOP }, { "epoll_pwait", SK_LOOP }, { "epoll_pwait2", SK_LOOP },
	{ "poll", SK_POLL }, { "ppoll", SK_POLL }, { "select", SK_SELECT }, { "pselect6", SK_SELECT },
	{ "io_uring_enter", SK_LOOP },
	{ "nanosleep", SK_TIMER }, { "clock_nanosleep", SK_TIMER },
	{ "wait4", SK_CHILD }, { "waitid", SK_CHILD },
	{ "accept", SK_NET }, { "accept4", SK_NET }, { "connect", SK_NET },
	{ "recvfrom", SK_NET | SK_IO_BYTES }, { "recvmsg", SK_NET | SK_IO_BYTES },
	{ "recvmmsg", SK_NET }, { "sendto", SK_NET | SK_IO_BYTES | SK_WRITE },
	{ "sendmsg", SK_NET | SK_IO_BYTES | SK_WRITE }, { "sendmmsg", SK_NET },
	{ "read", SK_FD | SK_IO_BYTES }, { "readv", SK_FD | SK_IO_BYTES },
	{ "pread64", SK_FD | SK_IO_BYTES }, { "preadv", SK_FD | SK_IO_BYTES },
	{ "preadv2", SK_FD | SK_IO_BYTES },
	{ "write", SK_FD | SK_IO_BYTES | SK_WRITE }, { "writev", SK_FD | SK_IO_BYTES | SK_WRITE },
	{ "pwrite64", SK_FD | SK_IO_BYTES | SK_WRITE }, { "pwritev", SK_FD | SK_IO_BYTES | SK_WRITE },
	{ "pwritev2", SK_FD | SK_IO_BYTES | SK_WRITE },
	{ "close", SK_FD_CHANGE }, { "close_range", SK_FD_CHANGE }, { "dup2", SK_FD_CHANGE },
	{ "dup3", SK_FD_CHANGE },
	{ "clone", SK_OTHER | SK_FORK }, { "clone3", SK_OTHER | SK_FORK }, { "fork", SK_OTHER | SK_FORK },
	{ "vfork", SK_OTHER | SK_FORK },
};

void classify_syscalls(uint8_t kinds[SYSCALL_SLOTS])
{
	memset(kinds, SK_OTHER, SYSCALL_SLOTS);
	for (size_t i = 0; i < ARRAY_LEN(syscall_rules); i++) {
		long nr = syscall_nr(syscall_rules[i].name);

		if (nr >= 0 && nr < SYSCALL_SLOTS)
			kinds[nr] = syscall_rules[i].kind;
	}
}

/* Kernel functions found on the stack of an uninterruptible sleep that is not in io_schedule. */
static const struct {
	const char *name;
	uint32_t wait_class;
} kernel_rules[] = {
	{ "rwsem_down_read_slowpath", WC_KERNEL_LOCK },
	{ "rwsem_down_write_slowpath", WC_KERNEL_LOCK },
	{ "__mutex_lock", WC_KERNEL_LOCK },
	{ "__mutex_lock_slowpath", WC_KERNEL_LOCK },
	{ "__rt_mutex_slowlock_locked", WC_KERNEL_LOCK },
	{ "percpu_rwsem_wait", WC_KERNEL_LOCK },
	{ "__down_common", WC_KERNEL_LOCK },
	{ "jbd2_log_wait_commit", WC_DISK },
	{ "blk_mq_get_tag", WC_DISK },
};

/* Class of kernel symbol NAME: rules match the name or a compiler clone of it ("name.constprop.0"). */
static int kernel_rule_class(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(kernel_rules); i++) {
		size_t n = strlen(kernel_rules[i].name);

		if (strncmp(name, kernel_rules[i].name, n) == 0 && (name[n] == 0 || name[n] == '.'))
			return kernel_rules[i].wait_class;
	}
	return -1;
}

struct ksym {
	uint64_t addr;
	int wait_class;
};

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int classify_kernel_ranges(const char *kallsyms_path, struct krange *out, int max)
{
	FILE *f = fopen(kallsyms_path, "re");
	struct ksym *syms = NULL;
	size_t n = 0, cap = 0;
	char line[512], name[256], type;
	unsigned long long addr;
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		if (type != 't' && type != 'T')
			continue;
		struct ksym *s = VEC_PUSH(syms, n, cap);
		s->addr = addr;
		s->wait_class = kernel_rule_class(name);
	}
	fclose(f);
	vec_sort(syms, n, sizeof(*syms), cmp_ksym);
	for (size_t i = 0; i + 1 < n && found < max; i++) {
		if (syms[i].wait_class < 0)
			continue;
		out[found].start = syms[i].addr;
		out[found].end = syms[i + 1].addr;
		out[found].wait_class = syms[i].wait_class;
		found++;
	}
	free(syms);
	return found;
}
