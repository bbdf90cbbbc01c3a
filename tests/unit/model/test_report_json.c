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
	struct model_pystack *py;

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
	p->python = xstrdup("3.11");
	p->gil_switches = 5;
	py = VEC_PUSH(m->pystacks, m->n_pystacks, m->cap_pystacks);
	py->id = 0x1a;
	py->tgid = 7;
	py->depth = 1;
	py->frames = xcalloc(1, sizeof(*py->frames));
	py->frames[0] = xstrdup("work (job.py:12)");
	m->stack_aggs[0].k.pystack = py->id;
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

/* M's report as schema version 1 wrote it: the timeline inline, where the loader checks it field
 * by field (a later report names timeline.bin, tested in test_timeline_file.c). */
static char *dump_v1(const struct run_model *m)
{
	json_t *j = model_to_json(m), *intervals = json_array(), *wakes = json_array();
	const struct model_timeline *tl = &m->timeline;
	char *s;

	for (size_t i = 0; i < tl->n_intervals; i++)
		json_array_append_new(intervals, json_pack("[IIII]", (json_int_t)tl->intervals[i].tid,
			(json_int_t)tl->intervals[i].start_ns, (json_int_t)tl->intervals[i].end_ns,
			(json_int_t)tl->intervals[i].wait_class));
	for (size_t i = 0; i < tl->n_wakes; i++)
		json_array_append_new(wakes, json_pack("[IIIII]", (json_int_t)tl->wakes[i].ts_ns,
			(json_int_t)tl->wakes[i].waker_tid, (json_int_t)tl->wakes[i].wakee_tid,
			(json_int_t)tl->wakes[i].wait_class, (json_int_t)tl->wakes[i].flags));
	json_object_set_new(j, "schema_version", json_integer(1));
	json_object_set_new(j, "timeline", json_pack("{s[ssss] so s[sssss] so}",
		"interval_fields", "tid", "start_ns", "end_ns", "class", "intervals", intervals,
		"wake_fields", "ts_ns", "waker_tid", "wakee_tid", "class", "flags", "wakes", wakes));
	s = json_dumps(j, JSON_SORT_KEYS);
	json_decref(j);
	return s;
}

Test(report_json, round_trip_keeps_everything)
{
	struct run_model m, back;
	char dir[64] = "/tmp/conctrace-report-XXXXXX", path[96], err[256];
	char *first, *second;

	full_model(&m);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/report.json", dir);
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
	snprintf(path, sizeof(path), "%s/timeline.bin", dir);
	unlink(path);
	rmdir(dir);
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
	cr_assert_eq(files, 2, "report.json and timeline.bin");
	unlink(path);
	snprintf(path, sizeof(path), "%s/timeline.bin", dir);
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
	m.timeline.recorded = false;  /* its file is not beside these texts */
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
	m.timeline.recorded = false;  /* its file is not beside these texts */
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

/* The full model's report with the value at PATH ("threads.0.kernel.nvcsw": object keys and array
 * indices) set to VALUE, JSON text (NULL: deleted; an index one past the end appends). Returns the
 * loader's error, "" when it loaded. */
static const char *load_mutated(const char *path, const char *value)
{
	struct run_model m;
	char *good, *text, buf[128], *save = NULL, *key, *next;
	json_t *root, *parent;

	full_model(&m);
	good = dump_v1(&m);
	model_free(&m);
	root = parent = json_loads(good, 0, NULL);
	snprintf(buf, sizeof(buf), "%s", path);
	key = strtok_r(buf, ".", &save);
	while ((next = strtok_r(NULL, ".", &save))) {
		parent = json_is_array(parent) ? json_array_get(parent, atoi(key)) : json_object_get(parent, key);
		cr_assert_not_null(parent, "%s: no %s", path, key);
		key = next;
	}
	json_t *v = value ? json_loads(value, JSON_DECODE_ANY, NULL) : NULL;

	cr_assert(!value || v, "%s: bad JSON %s", path, value);
	if (json_is_array(parent) && (size_t)atoi(key) == json_array_size(parent))
		json_array_append_new(parent, v);
	else if (json_is_array(parent))
		cr_assert_eq(v ? json_array_set_new(parent, atoi(key), v) : json_array_remove(parent, atoi(key)), 0);
	else
		cr_assert_eq(v ? json_object_set_new(parent, key, v) : json_object_del(parent, key), 0, "%s", path);
	text = json_dumps(root, 0);
	json_decref(root);
	free(good);
	const char *err = load_text(text);

	free(text);
	return err;
}

/* Every rule of docs/report-format.md, each broken once: the loader names the field. */
Test(report_json, every_rule_of_the_format_is_enforced)
{
	static const struct {
		const char *path, *value, *error;
	} cases[] = {
		/* a listed field missing, or of the wrong type */
		{ "meta.ncpus", NULL, "meta.ncpus: missing" },
		{ "processes.0.python", NULL, "processes.python: missing" },
		{ "stacks.python", NULL, "stacks.python: missing" },
		{ "block_io.disks", NULL, "block_io.disks: missing" },
		{ "rusage", NULL, "report.rusage: missing" },
		{ "threads.0.kernel", "[]", "threads.kernel: wrong type" },
		{ "threads.0.alive_at_end", "1", "threads.alive_at_end: wrong type" },
		{ "meta.start_epoch", "\"now\"", "meta.start_epoch: wrong type" },
		/* counts are non-negative integers */
		{ "drops.stack_map_full", "-1", "drops.stack_map_full: negative" },
		{ "events.switch", "-5", "events.switch: negative" },
		{ "events.switch", "1.5", "events.switch: wrong type" },
		{ "threads.0.nvcsw", "-1", "threads.nvcsw: negative" },
		{ "threads.0.ns.disk", "-1", "threads.ns.disk: negative" },
		{ "threads.0.stolen_ns", "-1", "threads.stolen_ns: negative" },
		{ "syscalls.0.errors", "-1", "syscalls.errors: negative" },
		{ "wakeups.0.latency_ns", "-1", "wakeups.latency_ns: negative" },
		{ "block_io.requests.0.bytes", "-1", "block_io.requests.bytes: negative" },
		{ "block_io.disks.0.reads", "-1", "block_io.disks.reads: negative" },
		{ "stacks.aggregates.0.ns", "-1", "stacks.aggregates.ns: negative" },
		{ "rusage.maxrss_kb", "-1", "rusage.maxrss_kb: negative" },
		{ "meta.ncpus", "-2", "meta.ncpus: negative" },
		{ "meta.start_epoch", "-1.5", "meta.start_epoch: negative" },
		/* the kernel's counters are [start, end] pairs of counts */
		{ "threads.0.kernel.nvcsw", "[1]", "threads.kernel.nvcsw: not a pair of non-negative integers" },
		{ "threads.0.kernel.runtime_ns", "[\"1\", 2]",
		  "threads.kernel.runtime_ns: not a pair of non-negative integers" },
		{ "threads.0.kernel.run_delay_ns", "[1, -2]",
		  "threads.kernel.run_delay_ns: not a pair of non-negative integers" },
		{ "threads.0.kernel.nivcsw", "[1, 2.5]", "threads.kernel.nivcsw: not a pair of non-negative integers" },
		/* the latency histogram: 32 counts */
		{ "block_io.requests.0.latency_log2_ns.12", "1.5",
		  "block_io.requests.latency_log2_ns: not 32 non-negative integers" },
		{ "block_io.requests.0.latency_log2_ns.3", "-1",
		  "block_io.requests.latency_log2_ns: not 32 non-negative integers" },
		{ "block_io.requests.0.latency_log2_ns.32", "0",
		  "block_io.requests.latency_log2_ns: not 32 non-negative integers" },
		/* unknown wait classes and block operations */
		{ "wakeups.0.wakee_class", "\"napping\"", "wakeups.wakee_class: unknown wait class" },
		{ "stacks.aggregates.0.class", "\"\"", "stacks.aggregates.class: unknown wait class" },
		{ "threads.0.ns.napping", "5", "threads.ns.napping: unknown wait class" },
		{ "threads.0.blocks.gil", NULL, "threads.blocks.gil: missing" },
		{ "timeline.intervals.1", "[7, 600, 900, 99]", "timeline.intervals: unknown wait class index" },
		{ "block_io.requests.0.op", "\"trim\"", "block_io.requests.op: unknown operation" },
		/* 64-bit lower-case hex strings */
		{ "stacks.aggregates.0.kstack", "\"deadbeef\"", "stacks.aggregates.kstack: not a 64-bit lower-case hex" },
		{ "stacks.aggregates.0.kstack", "\"0xDEADBEEF\"", "stacks.aggregates.kstack: not a 64-bit lower-case hex" },
		{ "stacks.aggregates.0.ustack", "\"0x10000000000000000\"",
		  "stacks.aggregates.ustack: not a 64-bit lower-case hex" },
		{ "stacks.aggregates.0.pystack", "\"0x\"", "stacks.aggregates.pystack: not a 64-bit lower-case hex" },
		{ "stacks.frames.0.id", "\"0x1g\"", "stacks.frames.id: not a 64-bit lower-case hex" },
		{ "stacks.frames.0.ips.1", "\"0x-1\"", "stacks.frames.ips: not a 64-bit lower-case hex" },
		{ "stacks.frames.0.ips.0", "12", "stacks.frames.ips: not a 64-bit lower-case hex" },
		{ "stacks.python.0.id", "\" 0x1a\"", "stacks.python.id: not a 64-bit lower-case hex" },
		{ "stacks.python.0.frames.0", "null", "stacks.python.frames: not a string" },
		/* ends before starts */
		{ "meta.end_ns", "10", "meta.end_ns: before start_ns" },
		{ "threads.0.end_ns", "99", "threads.end_ns: before start_ns" },
		{ "processes.0.end_ns", "99", "processes.end_ns: before start_ns" },
		{ "timeline.intervals.0", "[7, 600, 100, 0]", "timeline.intervals: end before start" },
		/* values the format defines a range for, and the widths the model keeps */
		{ "meta.exit_status", "256", "meta.exit_status: out of range (-1 to 255)" },
		{ "processes.0.exit_status", "-2", "processes.exit_status: out of range (-1 to 255)" },
		{ "processes.0.gil_switches", "-2", "processes.gil_switches: out of range" },
		{ "threads.0.tid", "4294967296", "threads.tid: out of range (0 to 4294967295)" },
		{ "threads.0.exit_code", "2147483648", "threads.exit_code: out of range" },
		{ "threads.0.flags", "32", "threads.flags: unknown bits" },
		{ "meta.freq_hz", "4294967296", "meta.freq_hz: out of range" },
		{ "threads.0.comm", "\"sixteen-bytes-xx\"", "threads.comm: longer than 15 bytes" },
		{ "wakeups.0.waker_comm", "\"0123456789abcdef\"", "wakeups.waker_comm: longer than 15 bytes" },
		{ "block_io.disks.0.name", "\"0123456789abcdef0123456789abcdef\"",
		  "block_io.disks.name: longer than 31 bytes" },
		/* one process per pid, one stack per id */
		{ "processes.1", "{\"pid\": 7}", "processes.pid: duplicate" },
		{ "stacks.frames.1", "{\"id\": \"0xffffffffdeadbeef\", \"ips\": []}", "stacks.frames.id: duplicate" },
		{ "stacks.python.1", "{\"id\": \"0x1a\", \"tgid\": 7, \"frames\": []}", "stacks.python.id: duplicate" },
		/* the timeline: intervals that tile each thread's life */
		{ "timeline.intervals.0", "[7, 100]", "timeline.intervals: not an array of 4 numbers" },
		{ "timeline.intervals.0", "[7, 100, 650, 0]", "timeline.intervals: do not tile their thread's life" },
		{ "timeline.intervals.1", "[7, 601, 900, 2]", "timeline.intervals: do not tile their thread's life" },
		{ "timeline.intervals.1", "[7, 600, 800, 2]", "timeline.intervals: do not tile their thread's life" },
		{ "timeline.intervals.0", "[7, 101, 600, 0]", "timeline.intervals: do not tile a thread's life" },
		{ "timeline.intervals.2", "[6, 900, 1000, 0]", "timeline.intervals: do not tile a thread's life" },
		{ "timeline.intervals.0", "[8, 100, 600, 0]", "timeline.intervals: do not tile a thread's life" },
		{ "timeline.wakes.0", "[900, 4294967296, 7, 2]", "timeline.wakes: tid out of range" },
		{ "timeline.wakes.0", "[900, 9, 7, 2, 4294967296]", "timeline.wakes: flags out of range" },
		{ "timeline.wakes.0", "[900, 9, 7]", "timeline.wakes: not an array of 4 or 5 numbers" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const char *err = load_mutated(cases[i].path, cases[i].value);

		cr_assert(strstr(err, cases[i].error), "%s = %s: expected '%s', got '%s'", cases[i].path,
			  cases[i].value ? cases[i].value : "(deleted)", cases[i].error, err);
		cr_assert_null(strchr(err, '\n'), "%s", err);
	}
}

/* Fields a reader does not know are ignored, as are counters of the other section; counters a
 * report lacks are 0; a process no thread of which was accounted has end_ns 0; the timeline is
 * sorted on loading. */
Test(report_json, unknown_fields_are_ignored)
{
	cr_assert_str_eq(load_mutated("meta.future_field", "[1, {}]"), "");
	cr_assert_str_eq(load_mutated("events.future_counter", "-1"), "");
	cr_assert_str_eq(load_mutated("drops.switch", "\"x\""), "");
	cr_assert_str_eq(load_mutated("drops.stack_map_full", NULL), "");
	cr_assert_str_eq(load_mutated("processes.0.end_ns", "0"), "");
	cr_assert_str_eq(load_mutated("threads.0.flags", "31"), "");
	cr_assert_str_eq(load_mutated("stacks.aggregates.0.kstack", "\"0x0000000000000000ffffffffdeadbeef\""), "");
	cr_assert_str_eq(load_mutated("timeline.wakes.1", "[800, 9, 7, 2]"), "");
}

/* Reports of schema version 1 held the timeline inline; they load with it. */
Test(report_json, version_1_reports_load_their_inline_timeline)
{
	struct run_model m;
	char *text, path[64], err[256];
	FILE *f;

	full_model(&m);
	text = dump_v1(&m);
	model_free(&m);
	snprintf(path, sizeof(path), "/tmp/conctrace-v1-%d.json", getpid());
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	cr_assert_eq(report_load(path, &m, err, sizeof(err)), 0, "%s", err);
	cr_assert(m.timeline.recorded);
	cr_assert_eq(m.timeline.n_intervals, 2);
	cr_assert_eq(m.timeline.intervals[1].wait_class, WC_DISK);
	cr_assert_eq(m.timeline.n_wakes, 1);
	cr_assert_eq(m.timeline.wakes[0].waker_tid, 9);
	unlink(path);
	free(text);
	model_free(&m);
}
