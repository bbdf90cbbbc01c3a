/* The wait-class table, the syscall rules and the kernel-function rules. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "model/classify.h"
#include "model/syscall_names.h"
#include "base/util.h"

Test(classify, class_names_are_unique_and_found_by_name)
{
	for (int i = 0; i < WC_COUNT; i++) {
		cr_assert(wait_classes[i].name && wait_classes[i].meaning, "class %d unnamed", i);
		cr_assert_eq(wait_class_by_name(wait_classes[i].name), i);
	}
	cr_assert_eq(wait_class_by_name("nonsense"), -1);
	cr_assert_str_eq(wait_classes[WC_GIL].name, "gil");
	cr_assert_str_eq(wait_classes[WC_LOOP_IDLE].name, "loop-idle");
}

/* docs/method.md lists the same classes, in the same order, with the same meanings. */
Test(classify, docs_table_matches_the_code)
{
	char *doc = read_file("docs/method.md", NULL), *at;
	int found = 0;

	cr_assert(doc, "docs/method.md not found (run from the repository)");
	at = strstr(doc, "| class | rule at switch-out | meaning |");
	cr_assert(at, "no class table in docs/method.md");
	for (int i = 0; i < WC_COUNT; i++) {
		char row[64];

		snprintf(row, sizeof(row), "\n| %s |", wait_classes[i].name);
		at = strstr(at, row);
		cr_assert(at, "class %s missing or out of order in docs/method.md", wait_classes[i].name);
		cr_assert(strstr(at, wait_classes[i].meaning) && strstr(at, wait_classes[i].meaning) < strchr(at + 1, '\n'),
			  "meaning of %s differs in docs/method.md", wait_classes[i].name);
		found++;
	}
	cr_assert_eq(found, WC_COUNT);
	free(doc);
}

Test(classify, syscalls_get_their_kinds)
{
	uint8_t kinds[SYSCALL_SLOTS];

	classify_syscalls(kinds);
	cr_assert_eq(kinds[syscall_nr("futex")], SK_LOCK);
	cr_assert_eq(kinds[syscall_nr("epoll_wait")], SK_LOOP);
	cr_assert_eq(kinds[syscall_nr("io_uring_enter")], SK_LOOP);
	cr_assert_eq(kinds[syscall_nr("clock_nanosleep")], SK_TIMER);
	cr_assert_eq(kinds[syscall_nr("wait4")], SK_CHILD);
	cr_assert_eq(kinds[syscall_nr("accept4")], SK_NET);
	cr_assert_eq(kinds[syscall_nr("read")], SK_FD | SK_IO_BYTES);
	cr_assert_eq(kinds[syscall_nr("recvfrom")], SK_NET | SK_IO_BYTES);
	cr_assert_eq(kinds[syscall_nr("getpid")], SK_OTHER);
	cr_assert_eq(syscall_nr("read"), 0);
	cr_assert_str_eq(syscall_name(1), "write");
	cr_assert_null(syscall_name(-1));
	cr_assert_null(syscall_name(SYSCALL_NR_MAX));
}

static const char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/conctrace-kallsyms-%d", getpid());
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

Test(classify, kernel_ranges_end_at_the_next_symbol)
{
	const char *path = write_tmp(
		"ffffffff81000000 T _stext\n"
		"ffffffff81000100 t rwsem_down_write_slowpath\n"
		"ffffffff81000180 D some_data\n"          /* data symbols do not end a function */
		"ffffffff81000200 T schedule\n"
		"ffffffff81000300 t __mutex_lock.constprop.0\n"
		"ffffffff81000340 t __mutex_lock_slowpath\n"
		"ffffffff81000400 T jbd2_log_wait_commit\n"
		"ffffffff81000500 T __mutex_lockless\n"   /* a prefix alone does not match */
		"ffffffff81000600 T zzz_end\n");
	struct krange r[8];
	int n = classify_kernel_ranges(path, r, 8);

	unlink(path);
	cr_assert_eq(n, 4);
	cr_assert_eq(r[0].start, 0xffffffff81000100ULL);
	cr_assert_eq(r[0].end, 0xffffffff81000200ULL);
	cr_assert_eq(r[0].wait_class, WC_KERNEL_LOCK);
	cr_assert_eq(r[1].start, 0xffffffff81000300ULL);
	cr_assert_eq(r[1].end, 0xffffffff81000340ULL);
	cr_assert_eq(r[2].wait_class, WC_KERNEL_LOCK);
	cr_assert_eq(r[3].start, 0xffffffff81000400ULL);
	cr_assert_eq(r[3].wait_class, WC_DISK);
}

Test(classify, kernel_ranges_respect_the_limit_and_missing_files)
{
	const char *path = write_tmp("ffffffff81000100 t rwsem_down_read_slowpath\n"
				     "ffffffff81000200 t rwsem_down_write_slowpath\n"
				     "ffffffff81000300 t next\n");
	struct krange r[1];

	cr_assert_eq(classify_kernel_ranges(path, r, 1), 1);
	unlink(path);
	cr_assert_eq(classify_kernel_ranges("/nonexistent/kallsyms", r, 1), -1);
}
