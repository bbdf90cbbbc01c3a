/* Symbolizer and folded stacks. User frames: the fixture programs (build/fixtures) print where
 * their functions are, the test captures their maps while they run, and names the addresses
 * after they have exited, as a report does. Kernel frames: a fake kallsyms. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <dlfcn.h>
#include <inttypes.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "render/fold.h"
#include "trace/proc.h"
#include "model/symbolize.h"
#include "base/util.h"

#define MAX_FUNCS 8

/* What one run of a fixture reported, and the maps it had. */
struct fixture_run {
	char names[MAX_FUNCS][64];
	uint64_t addrs[MAX_FUNCS];
	int n;
	char *maps;
};

/* build/fixtures, found next to this test binary (build/tests/unit/model/). */
static void fixture_path(const char *name, char *path, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	cr_assert_gt(n, 0);
	exe[n] = 0;
	snprintf(path, len, "%s/../../../fixtures/%s", dirname(exe), name);
}

static void read_report(FILE *out, struct fixture_run *r)
{
	char line[256], name[64];
	void *addr;

	while (fgets(line, sizeof(line), out) && strcmp(line, "ready\n")) {
		cr_assert_lt(r->n, MAX_FUNCS);
		cr_assert_eq(sscanf(line, "%63s %p", name, &addr), 2, "fixture said: %s", line);
		snprintf(r->names[r->n], sizeof(r->names[r->n]), "%s", name);
		r->addrs[r->n++] = (uint64_t)(uintptr_t)addr;
	}
}

/* Runs the program at PATH to its "ready" line, captures its maps, then lets it exit. */
static struct fixture_run run_fixture(const char *path)
{
	struct fixture_run r = { .n = 0 };
	int to_child[2], from_child[2], status;
	pid_t pid;
	FILE *out;

	cr_assert_eq(pipe(to_child), 0);
	cr_assert_eq(pipe(from_child), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		dup2(to_child[0], STDIN_FILENO);
		dup2(from_child[1], STDOUT_FILENO);
		close(to_child[1]);
		close(from_child[0]);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(to_child[0]);
	close(from_child[1]);
	out = fdopen(from_child[0], "r");
	read_report(out, &r);
	r.maps = proc_exec_maps(pid);
	close(to_child[1]);
	fclose(out);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s failed: status %d", path, status);
	cr_assert_eq(r.n, 4, "%s reported %d functions", path, r.n);
	cr_assert_not_null(r.maps);
	return r;
}

static uint64_t reported(const struct fixture_run *r, const char *name)
{
	int i = 0;

	while (i < r->n && strcmp(r->names[i], name))
		i++;
	cr_assert_lt(i, r->n, "fixture did not report %s", name);
	return r->addrs[i];
}

/* The frame the symbolizer should print for an unnamed ADDR: its mapping's file and offset,
 * computed here straight from the maps lines. */
static void expected_unknown(const struct fixture_run *r, uint64_t addr, char *buf, size_t len)
{
	char *copy = xstrdup(r->maps), *save = NULL;

	snprintf(buf, len, "(no mapping)");
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long start, end, off;
		int at = 0;

		if (sscanf(line, "%llx-%llx %llx %n", &start, &end, &off, &at) == 3 && addr >= start &&
		    addr < end)
			snprintf(buf, len, "[unknown] (%s+0x%llx)", basename(line + at),
				 addr - start + off);
	}
	free(copy);
}

static void assert_user_frame(struct symbolizer *s, const struct fixture_run *r, uint64_t addr,
			      const char *want)
{
	struct model_process p = { .pid = 1, .maps = r->maps };
	char buf[256];

	cr_assert_str_eq(symbolize_user(s, &p, addr, buf, sizeof(buf)), want, "at %#" PRIx64, addr);
}

/* Each function is named by its first byte and by a byte inside it. */
static void assert_named(struct symbolizer *s, const struct fixture_run *r, const char *name)
{
	assert_user_frame(s, r, reported(r, name), name);
	assert_user_frame(s, r, reported(r, name) + 5, name);
}

static void assert_unnamed(struct symbolizer *s, const struct fixture_run *r, const char *name)
{
	char want[256];

	expected_unknown(r, reported(r, name), want, sizeof(want));
	cr_assert(strncmp(want, "[unknown] (", 11) == 0, "%s: %s", name, want);
	assert_user_frame(s, r, reported(r, name), want);
}

Test(symbolize_user, pie_with_symtab)
{
	char path[PATH_MAX];
	struct symbolizer *s = symbolizer_new(NULL);
	struct fixture_run r;

	fixture_path("symprog-pie", path, sizeof(path));
	r = run_fixture(path);
	assert_named(s, &r, "symfix_local_work");
	assert_named(s, &r, "symfix_main_work");
	assert_named(s, &r, "symfix_lib_exported");
	assert_named(s, &r, "symfix_lib_hidden");
	free(r.maps);
	symbolizer_free(s);
}

/* Two runs of one program (at different addresses, with ASLR) share the loaded symbol tables. */
Test(symbolize_user, files_are_loaded_once)
{
	char path[PATH_MAX];
	struct symbolizer *s = symbolizer_new(NULL);
	struct fixture_run first, second;

	fixture_path("symprog-pie", path, sizeof(path));
	first = run_fixture(path);
	second = run_fixture(path);
	assert_named(s, &first, "symfix_main_work");
	assert_named(s, &first, "symfix_lib_exported");
	cr_assert_eq(symbolizer_files_loaded(s), 2);
	assert_named(s, &second, "symfix_main_work");
	assert_named(s, &second, "symfix_lib_exported");
	cr_assert_eq(symbolizer_files_loaded(s), 2);
	free(first.maps);
	free(second.maps);
	symbolizer_free(s);
}

/* Stripped non-PIE and stripped library: .dynsym names the exported functions only. */
Test(symbolize_user, nopie_stripped_uses_dynsym)
{
	char path[PATH_MAX];
	struct symbolizer *s = symbolizer_new(NULL);
	struct fixture_run r;

	fixture_path("symprog-nopie", path, sizeof(path));
	r = run_fixture(path);
	assert_named(s, &r, "symfix_main_work");
	assert_named(s, &r, "symfix_lib_exported");
	assert_unnamed(s, &r, "symfix_local_work");
	assert_unnamed(s, &r, "symfix_lib_hidden");
	free(r.maps);
	symbolizer_free(s);
}

Test(symbolize_user, stripped_pie_uses_debuglink_file)
{
	char path[PATH_MAX];
	struct symbolizer *s = symbolizer_new(NULL);
	struct fixture_run r;

	fixture_path("symprog-debuglink", path, sizeof(path));
	r = run_fixture(path);
	assert_named(s, &r, "symfix_local_work");
	assert_named(s, &r, "symfix_main_work");
	free(r.maps);
	symbolizer_free(s);
}

/* A program whose file is gone by report time: its frames are unknown, its library's are not. */
Test(symbolize_user, deleted_file_is_unknown)
{
	char src[PATH_MAX], copy_name[64], copy[PATH_MAX], cmd[2 * PATH_MAX + 16], want[256];
	struct symbolizer *s = symbolizer_new(NULL);
	struct fixture_run r;

	fixture_path("symprog-pie", src, sizeof(src));
	snprintf(copy_name, sizeof(copy_name), "symprog-pie-copy-%d", getpid());
	fixture_path(copy_name, copy, sizeof(copy));
	snprintf(cmd, sizeof(cmd), "cp %s %s", src, copy);
	cr_assert_eq(system(cmd), 0);
	r = run_fixture(copy);
	cr_assert_eq(unlink(copy), 0);
	expected_unknown(&r, reported(&r, "symfix_main_work"), want, sizeof(want));
	cr_assert(strstr(want, "symprog-pie-copy-"), "%s", want);
	assert_user_frame(s, &r, reported(&r, "symfix_main_work"), want);
	assert_named(s, &r, "symfix_lib_exported");
	free(r.maps);
	symbolizer_free(s);
}

/* vDSO frames are named from the symbolizer's own copy of the vDSO. */
Test(symbolize_user, vdso)
{
	void *vdso = dlopen("linux-vdso.so.1", RTLD_LAZY | RTLD_NOLOAD);
	struct symbolizer *s = symbolizer_new(NULL);
	struct fixture_run r = { .maps = proc_exec_maps(getpid()) };
	void *fn;

	if (!vdso)
		cr_skip_test("this process has no vDSO (under valgrind?)");
	fn = dlsym(vdso, "__vdso_clock_gettime");
	cr_assert_not_null(fn);
	assert_user_frame(s, &r, (uint64_t)(uintptr_t)fn, "__vdso_clock_gettime");
	dlclose(vdso);
	free(r.maps);
	symbolizer_free(s);
}

static void write_temp(char *path, const char *data, size_t len)
{
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Garbage and a truncated ELF are unknown frames, not crashes. */
Test(symbolize_user, corrupt_files_are_unknown, .init = cr_redirect_stderr)
{
	char garbage[] = "/tmp/symtest-garbage-XXXXXX", truncated[] = "/tmp/symtest-trunc-XXXXXX";
	char pie[PATH_MAX], maps[512], buf[256], want[256];
	struct symbolizer *s = symbolizer_new(NULL);
	size_t len;
	char *elf;

	fixture_path("symprog-pie", pie, sizeof(pie));
	elf = read_file(pie, &len);
	cr_assert(elf && len > 3000);
	write_temp(garbage, "not an ELF file at all", 22);
	write_temp(truncated, elf, 3000);
	snprintf(maps, sizeof(maps), "1000-2000 0 %s\n3000-4000 1000 %s\n", garbage, truncated);
	struct model_process p = { .pid = 1, .maps = maps };
	snprintf(want, sizeof(want), "[unknown] (%s+0x10)", basename(garbage));
	cr_assert_str_eq(symbolize_user(s, &p, 0x1010, buf, sizeof(buf)), want);
	snprintf(want, sizeof(want), "[unknown] (%s+0x1100)", basename(truncated));
	cr_assert_str_eq(symbolize_user(s, &p, 0x3100, buf, sizeof(buf)), want);
	fflush(stderr);
	snprintf(want, sizeof(want), "conctrace: %s: not a readable ELF file, its frames will be "
		 "[unknown]\n", garbage);
	cr_assert_stderr_eq_str(want);
	unlink(garbage);
	unlink(truncated);
	free(elf);
	symbolizer_free(s);
}

Test(symbolize_user, address_outside_mappings)
{
	struct symbolizer *s = symbolizer_new(NULL);
	char maps[] = "1000-2000 0 /nonexistent/libfake.so\n5000-6000 0\n";  /* then anonymous */
	struct model_process with_maps = { .maps = maps };
	struct model_process without_maps = { .maps = NULL };
	char buf[256];

	cr_assert_str_eq(symbolize_user(s, &with_maps, 0x2000, buf, sizeof(buf)), "[unknown]");
	cr_assert_str_eq(symbolize_user(s, &with_maps, 0x5010, buf, sizeof(buf)), "[unknown]");
	cr_assert_str_eq(symbolize_user(s, &with_maps, 0x1fff, buf, sizeof(buf)),
			 "[unknown] (libfake.so+0xfff)");
	cr_assert_str_eq(symbolize_user(s, &without_maps, 0x1010, buf, sizeof(buf)), "[unknown]");
	symbolizer_free(s);
}

static const char fake_kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000100 T entry_SYSCALL_64\n"
	"ffffffff81000200 t schedule\n"
	"ffffffff81000280 D some_data\n"
	"ffffffff81000300 T __traceiter_sched_switch\n"
	"ffffffff81000400 t __bpf_trace_sched_switch\n"
	"ffffffff81000500 T bpf_trace_run4\n"
	"ffffffff81000600 T bpf_get_stackid_raw_tp\n"
	"ffffffff81000700 T io_schedule\n"
	"ffffffff81000800 T bpf_prog_load\n"
	"ffffffff81000900 T _etext\n"
	"ffffffffc0001000 t bpf_prog_0123456789abcdef_on_switch\t[bpf]\n"
	"ffffffffc0002000 t ext4_file_read_iter\t[ext4]\n";

static struct symbolizer *fake_kernel_symbolizer(void)
{
	char path[] = "/tmp/symtest-kallsyms-XXXXXX";
	struct symbolizer *s;

	write_temp(path, fake_kallsyms, sizeof(fake_kallsyms) - 1);
	s = symbolizer_new(path);
	unlink(path);
	return s;
}

Test(symbolize_kernel, resolves_and_drops_tracer_frames)
{
	struct symbolizer *s = fake_kernel_symbolizer();
	char buf[128];

	cr_assert_str_eq(symbolize_kernel(s, 0xffffffff81000200, buf, sizeof(buf)), "schedule");
	cr_assert_str_eq(symbolize_kernel(s, 0xffffffff810002f0, buf, sizeof(buf)), "schedule");
	cr_assert_str_eq(symbolize_kernel(s, 0xffffffff81000123, buf, sizeof(buf)), "entry_SYSCALL_64");
	cr_assert_str_eq(symbolize_kernel(s, 0xffffffffc0002010, buf, sizeof(buf)),
			 "ext4_file_read_iter");
	cr_assert_str_eq(symbolize_kernel(s, 0xffffffff81000810, buf, sizeof(buf)), "bpf_prog_load");
	cr_assert_str_eq(symbolize_kernel(s, 0xffffffff80000000, buf, sizeof(buf)), "[unknown]");
	cr_assert_str_eq(symbolize_kernel(s, 0xffffffff81000a00, buf, sizeof(buf)), "[unknown]");
	cr_assert_null(symbolize_kernel(s, 0xffffffff81000310, buf, sizeof(buf)));
	cr_assert_null(symbolize_kernel(s, 0xffffffff81000410, buf, sizeof(buf)));
	cr_assert_null(symbolize_kernel(s, 0xffffffff81000510, buf, sizeof(buf)));
	cr_assert_null(symbolize_kernel(s, 0xffffffff81000610, buf, sizeof(buf)));
	cr_assert_null(symbolize_kernel(s, 0xffffffffc0001010, buf, sizeof(buf)));
	symbolizer_free(s);
}

Test(symbolize_kernel, missing_kallsyms_gives_unknown, .init = cr_redirect_stderr)
{
	struct symbolizer *s = symbolizer_new("/nonexistent/kallsyms");
	char buf[128];

	cr_assert_str_eq(symbolize_kernel(s, 0xffffffff81000200, buf, sizeof(buf)), "[unknown]");
	fflush(stderr);
	cr_assert_stderr_eq_str("conctrace: cannot read /nonexistent/kallsyms: kernel frames will be "
				"[unknown]\n");
	symbolizer_free(s);
}

/* ---- folded stacks ---- */

/* Innermost first: an unloaded BPF program (no symbol), the glue that ran it, then the kernel. */
static uint64_t kstack_ips[] = { 0xffffffffb0000000, 0xffffffff81000510, 0xffffffff81000710,
				 0xffffffff81000210, 0xffffffff81000110 };
static uint64_t ustack_ips[] = { 0x1010, 0x1200, 0x9000 };

/* Two threads of "app" (pid 100) and two stacks. */
static void build_model(struct run_model *m)
{
	static const struct {
		uint32_t tid;
		uint64_t kstack, ustack;  /* 0: no stack */
		enum wait_class wc;
		uint64_t count, ns;
	} aggs[] = {
		{ 100, 0, 2, WC_ONCPU, 3, 0 },
		{ 100, 1, 0, WC_ONCPU, 2, 0 },
		{ 101, 1, 2, WC_DISK, 0, 5000 },
		{ 101, 0, 0, WC_RUNQUEUE, 0, 700 },
		{ 100, 0, 0, WC_LOCK, 0, 300 },
		{ 101, 0, 0, WC_LOCK, 0, 200 },
		{ 101, 7, 0, WC_LOCK, 0, 40 },  /* stack 7 was never copied out */
	};
	struct thread_acct main_thread = { .tid = 100, .tgid = 100, .comm = "app" };
	struct thread_acct worker = { .tid = 101, .tgid = 100, .comm = "worker" };
	struct model_stack *st;

	model_init(m);
	m->meta.freq_hz = 100;
	model_add_thread(m, &main_thread);
	model_add_thread(m, &worker);
	model_process(m, 100)->maps = xstrdup("1000-2000 0 /nonexistent/libfake.so\n");
	for (size_t i = 0; i < ARRAY_LEN(aggs); i++) {
		struct model_stack_agg *a = VEC_PUSH(m->stack_aggs, m->n_stack_aggs, m->cap_stack_aggs);

		a->k = (struct stack_key){ .tid = aggs[i].tid, .tgid = 100, .kstack = aggs[i].kstack,
					   .ustack = aggs[i].ustack, .wait_class = aggs[i].wc };
		a->s = (struct stack_stat){ .count = aggs[i].count, .ns = aggs[i].ns };
	}
	st = VEC_PUSH(m->stacks, m->n_stacks, m->cap_stacks);
	*st = (struct model_stack){ .id = 1, .depth = ARRAY_LEN(kstack_ips) };
	st->ips = xcalloc(st->depth, sizeof(*st->ips));
	memcpy(st->ips, kstack_ips, sizeof(kstack_ips));
	st = VEC_PUSH(m->stacks, m->n_stacks, m->cap_stacks);
	*st = (struct model_stack){ .id = 2, .depth = ARRAY_LEN(ustack_ips) };
	st->ips = xcalloc(st->depth, sizeof(*st->ips));
	memcpy(st->ips, ustack_ips, sizeof(ustack_ips));
}

#define USER "[unknown];[unknown] (libfake.so+0x200);[unknown] (libfake.so+0x10)"
#define KERNEL "entry_SYSCALL_64_[k];schedule_[k];io_schedule_[k]"

/* The model's stacks folded as O asks, after CHANGE (when given) altered the model. */
static void assert_folded_with(const struct fold_opts *o, void (*change)(struct run_model *), const char *want)
{
	struct symbolizer *s = fake_kernel_symbolizer();
	struct run_model m;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	build_model(&m);
	if (change)
		change(&m);
	cr_assert_eq(fold_model(&m, o, s, out), 0);
	fclose(out);
	cr_assert_str_eq(text, want);
	free(text);
	model_free(&m);
	symbolizer_free(s);
}

static void assert_folded(enum fold_kind kind, bool per_thread, const char *want)
{
	assert_folded_with(&(struct fold_opts){ .kind = kind, .group = per_thread ? FOLD_BY_THREAD : FOLD_BY_PROCESS },
			   NULL, want);
}

Test(fold, oncpu)
{
	assert_folded(FOLD_ONCPU, false,
		      "app;" USER " 3\n"
		      "app;" KERNEL " 2\n");
}

Test(fold, offcpu_merges_and_marks_classes)
{
	assert_folded(FOLD_OFFCPU, false,
		      "app;[no stack];[lock] 540\n"
		      "app;[no stack];[runqueue] 700\n"
		      "app;" USER ";" KERNEL ";[disk] 5000\n");
}

Test(fold, offcpu_per_thread)
{
	assert_folded(FOLD_OFFCPU, true,
		      "app-100;[no stack];[lock] 300\n"
		      "worker-101;[no stack];[lock] 240\n"
		      "worker-101;[no stack];[runqueue] 700\n"
		      "worker-101;" USER ";" KERNEL ";[disk] 5000\n");
}

/* 100 Hz: a sample is 10 ms. */
Test(fold, wall_puts_samples_in_nanoseconds)
{
	assert_folded(FOLD_WALL, false,
		      "app;[no stack];[lock] 540\n"
		      "app;[no stack];[runqueue] 700\n"
		      "app;" USER " 30000000\n"
		      "app;" USER ";" KERNEL ";[disk] 5000\n"
		      "app;" KERNEL " 20000000\n");
}

Test(fold, kind_names)
{
	cr_assert_eq(fold_kind_by_name("offcpu"), FOLD_OFFCPU);
	cr_assert_eq(fold_kind_by_name("wall"), FOLD_WALL);
	cr_assert_eq(fold_kind_by_name("flame"), -1);
}

/* offcputime's -U and -K: one side of each stack; a stack with neither left is "[no stack]". */
Test(fold, user_or_kernel_stacks_only)
{
	assert_folded_with(&(struct fold_opts){ .kind = FOLD_OFFCPU, .stacks = FOLD_STACKS_USER }, NULL,
			   "app;[no stack];[lock] 540\n"
			   "app;[no stack];[runqueue] 700\n"
			   "app;" USER ";[disk] 5000\n");
	assert_folded_with(&(struct fold_opts){ .kind = FOLD_ONCPU, .stacks = FOLD_STACKS_KERNEL }, NULL,
			   "app;[no stack] 3\n"
			   "app;" KERNEL " 2\n");
}

static void make_100_main(struct run_model *m)
{
	m->meta.root_pid = 100;
}

/* One graph per role: the root pid's main thread is main, the other thread an executor. */
Test(fold, per_role)
{
	assert_folded_with(&(struct fold_opts){ .kind = FOLD_OFFCPU, .group = FOLD_BY_ROLE }, make_100_main,
			   "executor;[no stack];[lock] 240\n"
			   "executor;[no stack];[runqueue] 700\n"
			   "executor;" USER ";" KERNEL ";[disk] 5000\n"
			   "main;[no stack];[lock] 300\n");
	cr_assert_str_eq(fold_group_names[FOLD_BY_ROLE], "role");
}

/* A user stack whose walk ran into addresses outside every mapping: one [unknown], not three. */
static void add_garbage_stack(struct run_model *m)
{
	static const uint64_t ips[] = { 0x1010, 0x9000, 0x9100, 0x9200 };
	struct model_stack *st = VEC_PUSH(m->stacks, m->n_stacks, m->cap_stacks);

	*st = (struct model_stack){ .id = 3, .depth = ARRAY_LEN(ips) };
	st->ips = xcalloc(st->depth, sizeof(*st->ips));
	memcpy(st->ips, ips, sizeof(ips));
	for (size_t i = 0; i < m->n_stack_aggs; i++)
		if (m->stack_aggs[i].k.ustack == 2)
			m->stack_aggs[i].k.ustack = 3;
}

Test(fold, a_run_of_unresolvable_frames_is_one_frame)
{
	assert_folded_with(&(struct fold_opts){ .kind = FOLD_ONCPU }, add_garbage_stack,
			   "app;[unknown];[unknown] (libfake.so+0x10) 3\n"
			   "app;" KERNEL " 2\n");
}

/* Thread 100 on a CPU 0-40 ms then waiting for the disk 40-100 ms; thread 101 on a CPU 10-30 ms. */
static void add_timeline(struct run_model *m)
{
	static const struct model_interval intervals[] = {
		{ .tid = 100, .wait_class = WC_ONCPU, .start_ns = 1000000000, .end_ns = 1040000000 },
		{ .tid = 100, .wait_class = WC_DISK, .start_ns = 1040000000, .end_ns = 1100000000 },
		{ .tid = 101, .wait_class = WC_ONCPU, .start_ns = 1010000000, .end_ns = 1030000000 },
	};

	m->meta.start_ns = 1000000000;
	m->timeline.recorded = true;
	for (size_t i = 0; i < ARRAY_LEN(intervals); i++)
		*VEC_PUSH(m->timeline.intervals, m->timeline.n_intervals, m->timeline.cap_intervals) = intervals[i];
}

/* A window folds the timeline's states inside it: root, thread, class, in nanoseconds. */
Test(fold, a_time_window_folds_the_timeline)
{
	assert_folded_with(&(struct fold_opts){ .kind = FOLD_WALL, .window = true, .from_ns = 1020000000,
						.to_ns = 1060000000 }, add_timeline,
			   "app;app-100;[disk] 20000000\n"
			   "app;app-100;[oncpu] 20000000\n"
			   "app;worker-101;[oncpu] 10000000\n");
	assert_folded_with(&(struct fold_opts){ .kind = FOLD_OFFCPU, .group = FOLD_BY_THREAD, .window = true,
						.from_ns = 1020000000, .to_ns = 1060000000 }, add_timeline,
			   "app-100;[disk] 20000000\n");
}

Test(fold, a_time_window_without_a_timeline_is_an_error, .init = cr_redirect_stderr)
{
	struct symbolizer *s = fake_kernel_symbolizer();
	struct run_model m;
	FILE *out = fopen("/dev/null", "w");

	build_model(&m);
	cr_assert_eq(fold_model(&m, &(struct fold_opts){ .kind = FOLD_WALL, .window = true, .to_ns = 1 }, s, out), -1);
	fflush(stderr);
	cr_assert_stderr_eq_str("conctrace: a time window needs the timeline, and this run was recorded without "
				"--timeline\n");
	fclose(out);
	model_free(&m);
	symbolizer_free(s);
}
