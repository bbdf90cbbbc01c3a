/* Per-syscall statistics: how each call is timed (docs/method.md, "Syscalls"), and the per-process
 * slots they live in, freed when a process's last thread exits. Needs root: it loads BPF. */
#include <criterion/criterion.h>
#include <string.h>
#include "model/account.h"
#include "model/syscall_names.h"
#include "harness.h"

#define SUMMARY_LEN 65536

/* Records sh -c SCRIPT with its summary in SUMMARY; loads the report into M. */
static void record_shell(const char *tag, const char *script, char *summary, struct run_model *m)
{
	const char *dir = fresh_dir(tag);
	char *argv[] = { (char *)conctrace_bin(), "record", "-o", (char *)dir, "--", "/bin/sh", "-c",
			 (char *)script, NULL };

	cr_assert_eq(run_argv(argv, summary, SUMMARY_LEN), 0);
	load_report(dir, m);
	remove_dir(dir);
}

/* The tree's calls of syscall NAME and the rows that hold them. */
static uint64_t calls_of(const struct run_model *m, const char *name, size_t *rows)
{
	long nr = syscall_nr(name);
	uint64_t n = 0;

	*rows = 0;
	for (size_t i = 0; i < m->n_syscalls; i++)
		if ((long)m->syscalls[i].nr == nr) {
			n += m->syscalls[i].s.count;
			++*rows;
		}
	return n;
}

/* 300 commands one after the other: a slot is free again once a command has exited, so each keeps
 * its own statistics and nothing is dropped. With slots never reused, the 256th process on shared
 * the last one and the summary said the accounting was incomplete. */
Test(syscalls, shell_loop_of_300_commands_reuses_slots, .timeout = 60)
{
	static char summary[SUMMARY_LEN];
	struct run_model m;
	size_t rows;

	record_shell("slots-loop", "i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i + 1)); done", summary, &m);
	cr_assert_eq(m.n_procs, 301, "%zu processes", m.n_procs);
	cr_assert_eq(model_drops(&m), 0, "drops: proc_slots_full %llu, all %llu",
		     (unsigned long long)m.counters[DROP_PROC_SLOTS_FULL], (unsigned long long)model_drops(&m));
	cr_assert_null(strstr(summary, "DROPS"), "%s", summary);
	cr_assert_null(strstr(summary, "lumped"), "%s", summary);
	/* every command's own execve in a row of its own; each fork counted once, not again as the
	 * child's return */
	cr_assert_eq(calls_of(&m, "execve", &rows), 301);
	cr_assert_eq(rows, 301);
	cr_assert_eq(calls_of(&m, "clone", &rows) + calls_of(&m, "clone3", &rows) + calls_of(&m, "fork", &rows) +
		     calls_of(&m, "vfork", &rows), 300);
	for (size_t i = 0; i < m.n_syscalls; i++)
		cr_assert_neq(m.syscalls[i].tgid, 0, "a row of no process");
	model_free(&m);
}

/* 300 commands at once: more processes than slots. The ones that find none free share one: their
 * calls still count for the tree, and the summary says they are lumped, not that the accounting is
 * incomplete. */
Test(syscalls, more_processes_at_once_than_slots_are_lumped, .timeout = 60)
{
	static char summary[SUMMARY_LEN];
	struct run_model m;
	size_t rows;

	record_shell("slots-lumped", "i=0; while [ $i -lt 300 ]; do sleep 1 & i=$((i + 1)); done; wait", summary,
		     &m);
	cr_assert_gt(m.counters[DROP_PROC_SLOTS_FULL], 0);
	cr_assert_null(strstr(summary, "DROPS"), "%s", summary);
	cr_assert_not_null(strstr(summary, "lumped together"), "%s", summary);
	cr_assert_eq(calls_of(&m, "clock_nanosleep", &rows) + calls_of(&m, "nanosleep", &rows), 300);
	model_free(&m);
}

/* A call's time is its time off the CPU, with no program at its entry: the sleeper's one nanosleep
 * is its 0.3 s asleep and its wait for a CPU after (in the run queue, or the wake-up's own latency
 * when it was woken onto an idle CPU). */
Test(syscalls, a_wait_is_timed_off_the_cpu)
{
	const char *dir = fresh_dir("syscall-wait");
	char *argv[] = { (char *)conctrace_bin(), "record", "-q", "-o", (char *)dir, "--", (char *)prog("sleeper"),
			 NULL };
	struct run_model m;
	struct acct_totals t;
	const struct model_syscall *sleep = NULL;

	cr_assert_eq(run_argv(argv, NULL, 0), 0);
	load_report(dir, &m);
	totals_of(&m, 0, &t);
	for (size_t i = 0; i < m.n_syscalls; i++)
		if ((long)m.syscalls[i].nr == syscall_nr("nanosleep") ||
		    (long)m.syscalls[i].nr == syscall_nr("clock_nanosleep"))  /* glibc's nanosleep() */
			sleep = &m.syscalls[i];
	cr_assert(sleep, "no nanosleep counted");
	cr_assert(m.meta.syscall_offcpu);
	cr_assert_eq(sleep->s.count, 1);
	cr_assert(sleep->s.total_ns >= t.ns[WC_TIMER] &&
			  sleep->s.total_ns <= t.ns[WC_TIMER] + t.ns[WC_RUNQUEUE] + t.ns[WC_WAKEUP],
		  "nanosleep %llu ns, timer %llu ns, runnable %llu ns, waking %llu ns",
		  (unsigned long long)sleep->s.total_ns, (unsigned long long)t.ns[WC_TIMER],
		  (unsigned long long)t.ns[WC_RUNQUEUE], (unsigned long long)t.ns[WC_WAKEUP]);
	cr_assert_eq(sleep->s.max_ns, sleep->s.total_ns);
	model_free(&m);
	remove_dir(dir);
}
