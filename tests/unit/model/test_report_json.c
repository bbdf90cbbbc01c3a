/* report.json: the round trip through the model, and clear errors on anything else. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "model/report_json.h"
#include "render/report_file.h"
#include "base/util.h"

static void full_model(struct run_model *m)
{
	struct thread_acct a = { .tid = 7, .tgid = 7, .start_ns = 100, .end_ns = 900, .nvcsw = 3, .nivcsw = 1,
				 .samples = 2, .stolen_ns = 40, .flags = TF_DEAD | TF_K_END, .exit_code = 256, .comm = "app" };
	struct model_process *p;
	struct model_stack *st;

	model_init(m);
	m->meta.version = xstrdup(CONCTRACE_VERSION);
	m->meta.kernel = xstrdup("6.18");
	m->meta.hostname = xstrdup("h");
	m->meta.user = xstrdup("nobody");
	m->meta.command = xstrdup("app \"quoted\" \\ arg");
	m->meta.ncpus = 2;
	m->meta.root_pid = 7;
	m->meta.start_ns = 50;
	m->meta.end_ns = 1000;
	m->meta.start_epoch = 1700000000.25;
	m->meta.exit_status = 1;
	m->meta.freq_hz = 99;
	m->meta.offcpu_stacks = true;
	m->meta.syscall_stats = true;
	m->meta.wakeup_latency = true;
	m->meta.interrupted = true;
	a.ns[WC_ONCPU] = 500;
	a.ns[WC_DISK] = 300;
	a.blocks[WC_DISK] = 4;
	a.k_runtime[1] = 500;
	model_add_thread(m, &a);
	p = model_process(m, 7);
	p->ppid = 1;
	p->exe = xstrdup("/usr/bin/app");
	p->cmdline = xstrdup("app x");
	p->maps = xstrdup("400000-401000 0 /usr/bin/app\n");
	p->exit_status = 1;
	*VEC_PUSH(m->syscalls, m->n_syscalls, m->cap_syscalls) =
		(struct model_syscall){ .tgid = 7, .nr = 1, .s = { 5, 1, 700, 300, 4096 } };
	*VEC_PUSH(m->wakeups, m->n_wakeups, m->cap_wakeups) = (struct model_wakeup){
		.k = { .waker_tid = 9, .wakee_tid = 7, .wakee_class = WC_DISK },
		.s = { .count = 2, .waited_ns = 300, .latency_ns = 40, .waker_tgid = 9, .waker_comm = "kworker/0:1" } };
	*VEC_PUSH(m->stack_aggs, m->n_stack_aggs, m->cap_stack_aggs) = (struct model_stack_agg){
		.k = { .tid = 7, .tgid = 7, .kstack = 0xffffffffdeadbeefULL, .ustack = 0, .wait_class = WC_DISK },
		.s = { 1, 300 } };
	st = VEC_PUSH(m->stacks, m->n_stacks, m->cap_stacks);
	st->id = 0xffffffffdeadbeefULL;
	st->depth = 2;
	st->ips = xcalloc(2, sizeof(*st->ips));
	st->ips[0] = 0xffffffff81000000ULL;
	st->ips[1] = 0xffffffff81000100ULL;
	struct model_blk *b = VEC_PUSH(m->blks, m->n_blks, m->cap_blks);
	b->k = (struct blk_key){ .dev = 254 << 20, .op = BLK_WRITE, .attributed = 1 };
	b->s.count = 3;
	b->s.hist[12] = 3;
	*VEC_PUSH(m->disks, m->n_disks, m->cap_disks) =
		(struct model_disk){ .dev = 254 << 20, .name = "vda", .writes = 3, .io_ticks_ms = 7 };
	m->rusage = (struct model_rusage){ true, 400, 100, 3, 1, 1000 };
	m->counters[CNT_SWITCH] = 10;
	m->counters[DROP_STACK_MAP_FULL] = 1;
	m->timeline.recorded = true;
	*VEC_PUSH(m->timeline.intervals, m->timeline.n_intervals, m->timeline.cap_intervals) =
		(struct model_interval){ .tid = 7, .wait_class = WC_ONCPU, .start_ns = 100, .end_ns = 600 };
	*VEC_PUSH(m->timeline.intervals, m->timeline.n_intervals, m->timeline.cap_intervals) =
		(struct model_interval){ .tid = 7, .wait_class = WC_DISK, .start_ns = 600, .end_ns = 900 };
	*VEC_PUSH(m->timeline.wakes, m->timeline.n_wakes, m->timeline.cap_wakes) =
		(struct model_wake_edge){ .ts_ns = 900, .waker_tid = 9, .wakee_tid = 7, .wait_class = WC_DISK };
}

static char *dump(const struct run_model *m)
{
	json_t *j = model_to_json(m);
	char *s = json_dumps(j, JSON_SORT_KEYS);

	json_decref(j);
	return s;
}

Test(report_json, round_trip_keeps_everything)
{
	struct run_model m, back;
	char path[64], err[256];
	char *first, *second;

	full_model(&m);
	snprintf(path, sizeof(path), "/tmp/conctrace-report-%d.json", getpid());
	cr_assert_eq(report_write(path, &m), 0);
	cr_assert_eq(report_load(path, &back, err, sizeof(err)), 0, "%s", err);
	first = dump(&m);
	second = dump(&back);
	cr_assert_str_eq(first, second);
	cr_assert_eq(back.stacks[0].ips[1], 0xffffffff81000100ULL);
	cr_assert_eq(back.stack_aggs[0].k.kstack, 0xffffffffdeadbeefULL);
	cr_assert(back.meta.interrupted);
	cr_assert(back.meta.syscall_stats);
	cr_assert(back.meta.wakeup_latency);
	cr_assert_eq(back.threads[0].acct.stolen_ns, 40);
	cr_assert_eq(model_drops(&back), 1);
	cr_assert(back.timeline.recorded);
	cr_assert_eq(back.timeline.n_intervals, 2);
	cr_assert_eq(back.timeline.intervals[1].wait_class, WC_DISK);
	cr_assert_eq(back.timeline.wakes[0].waker_tid, 9);
	unlink(path);
	free(first);
	free(second);
	model_free(&m);
	model_free(&back);
}

Test(report_json, writing_leaves_no_temporary_file)
{
	struct run_model m;
	char dir[64], path[96];
	struct dirent *de;
	DIR *d;
	int files = 0;

	full_model(&m);
	snprintf(dir, sizeof(dir), "/tmp/conctrace-atomic-%d", getpid());
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/report.json", dir);
	cr_assert_eq(report_write(path, &m), 0);
	d = opendir(dir);
	while ((de = readdir(d)))
		files += de->d_name[0] != '.';
	closedir(d);
	cr_assert_eq(files, 1);
	unlink(path);
	rmdir(dir);
	model_free(&m);
	snprintf(path, sizeof(path), "/nonexistent-dir/report.json");
	full_model(&m);
	cr_assert_lt(report_write(path, &m), 0);
	model_free(&m);
}

/* Loads TEXT as a report; returns the error message ("" when it loaded). */
static const char *load_text(const char *text)
{
	static char err[256];
	char path[64];
	struct run_model m;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/conctrace-bad-%d.json", getpid());
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	err[0] = 0;
	if (report_load(path, &m, err, sizeof(err)) == 0)
		model_free(&m);
	unlink(path);
	return err;
}

Test(report_json, bad_files_get_one_clear_line)
{
	struct run_model m;
	char *good, *cut;

	full_model(&m);
	good = dump(&m);
	model_free(&m);
	cr_assert_str_eq(load_text(good), "");
	cut = strndup(good, strlen(good) / 2);
	cr_assert(strlen(load_text(cut)) > 0, "a truncated report loaded");
	cr_assert(strstr(load_text("not json"), "line 1"));
	cr_assert(strstr(load_text("{\"schema\": \"conctrace-report\", \"schema_version\": 99}"),
			 "schema_version 99 is not supported"));
	cr_assert(strstr(load_text("{\"schema\": \"other\", \"schema_version\": 1}"), "not a conctrace report"));
	json_t *j = json_loads(good, 0, NULL);
	json_object_set_new(json_object_get(j, "meta"), "end_ns", json_string("x"));
	char *mutated = json_dumps(j, 0);
	json_decref(j);
	cr_assert(strstr(load_text(mutated), "meta.end_ns: wrong type"), "%s", load_text(mutated));
	j = json_loads(good, 0, NULL);
	json_object_del(j, "threads");
	char *no_threads = json_dumps(j, 0);
	json_decref(j);
	cr_assert(strstr(load_text(no_threads), "report.threads: missing"), "%s", load_text(no_threads));
	for (const char *e = load_text(cut); *e; e++)
		cr_assert_neq(*e, '\n');
	free(good);
	free(cut);
	free(mutated);
	free(no_threads);
}

/* Reports written before wakeup latencies and steal were measured load, with latencies and steal
 * of 0 and latencies marked as not measured; a latency of the wrong type is still an error. */
Test(report_json, wakeups_without_latency_load_as_zero)
{
	struct run_model m;
	char *good, *old, *bad, path[64], err[256];
	json_t *j, *w;

	full_model(&m);
	good = dump(&m);
	model_free(&m);
	j = json_loads(good, 0, NULL);
	w = json_array_get(json_object_get(j, "wakeups"), 0);
	json_object_del(w, "latency_ns");
	json_object_del(json_object_get(j, "meta"), "wakeup_latency");
	json_object_del(json_array_get(json_object_get(j, "threads"), 0), "stolen_ns");
	old = json_dumps(j, 0);
	json_object_set_new(w, "latency_ns", json_string("x"));
	bad = json_dumps(j, 0);
	json_decref(j);
	cr_assert(strstr(load_text(bad), "latency_ns: wrong type"), "%s", load_text(bad));
	snprintf(path, sizeof(path), "/tmp/conctrace-old-%d.json", getpid());
	FILE *f = fopen(path, "w");
	fputs(old, f);
	fclose(f);
	cr_assert_eq(report_load(path, &m, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(m.n_wakeups, 1);
	cr_assert_eq(m.wakeups[0].s.latency_ns, 0);
	cr_assert_not(m.meta.wakeup_latency);
	cr_assert_eq(m.wakeups[0].s.waited_ns, 300);
	cr_assert_eq(m.threads[0].acct.stolen_ns, 0);
	unlink(path);
	model_free(&m);
	free(good);
	free(old);
	free(bad);
}
