/* Exports and `conctrace report`/`diff` from hand-built models and report files: the terminal
 * summary, speedscope, Chrome trace events, HTML, the report round trip, and one-line errors for
 * bad reports. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/classify.h"
#include "cli/diff.h"
#include "cli/report.h"
#include "render/diff.h"
#include "render/export_html.h"
#include "render/export_speedscope.h"
#include "render/export_trace.h"
#include "render/exports.h"
#include "model/report_json.h"
#include "render/report_file.h"
#include "render/summary.h"
#include "matrix/report_source.h"
#include "matrix/tables.h"
#include "base/util.h"

#define MS 1000000ULL
#define T0 (1000 * MS)

static void add_thread(struct run_model *m, uint32_t tid, uint32_t tgid, const char *comm,
		       uint64_t oncpu_ms, uint64_t runq_ms, uint64_t disk_ms)
{
	struct thread_acct a = { .tid = tid, .tgid = tgid, .start_ns = T0 + 10 * MS };

	snprintf(a.comm, sizeof(a.comm), "%s", comm);
	a.ns[WC_ONCPU] = oncpu_ms * MS;
	a.ns[WC_RUNQUEUE] = runq_ms * MS;
	a.ns[WC_DISK] = disk_ms * MS;
	a.blocks[WC_DISK] = disk_ms ? 3 : 0;
	a.end_ns = a.start_ns + (oncpu_ms + runq_ms + disk_ms) * MS;
	a.samples = oncpu_ms / 10;
	model_add_thread(m, &a);
}

static void add_agg(struct run_model *m, uint32_t tid, uint32_t tgid, uint64_t kstack, int wc,
		    uint64_t count, uint64_t ns)
{
	struct model_stack_agg *s = VEC_PUSH(m->stack_aggs, m->n_stack_aggs, m->cap_stack_aggs);

	s->k = (struct stack_key){ .tid = tid, .tgid = tgid, .kstack = kstack, .wait_class = wc };
	s->s = (struct stack_stat){ .count = count, .ns = ns };
}

/* Two processes, three threads, on-CPU samples and off-CPU stacks (kernel addresses that a
 * symbolizer without kallsyms calls "[unknown]"). */
static void build_model(struct run_model *m)
{
	struct model_stack *st;
	struct model_syscall *sc;

	model_init(m);
	m->meta = (struct model_meta){ .command = xstrdup("demo --work"), .version = xstrdup("0.1.0"),
				       .kernel = xstrdup("6.1"), .hostname = xstrdup("h"), .user = xstrdup("u"),
				       .ncpus = 2, .root_pid = 100, .start_ns = T0, .end_ns = T0 + 500 * MS,
				       .exit_status = 0, .freq_hz = 100, .offcpu_stacks = true };
	add_thread(m, 100, 100, "demo", 200, 20, 100);
	add_thread(m, 101, 100, "worker", 50, 10, 0);
	add_thread(m, 200, 200, "child", 30, 5, 40);
	m->procs[0].ppid = 1;
	m->procs[1].ppid = 100;
	snprintf(m->procs[1].comm, sizeof(m->procs[1].comm), "child");
	st = VEC_PUSH(m->stacks, m->n_stacks, m->cap_stacks);
	st->id = 0x77;
	st->depth = 2;
	st->ips = xcalloc(2, sizeof(*st->ips));
	st->ips[0] = 0xffffffff81000010ULL;
	st->ips[1] = 0xffffffff81000020ULL;
	add_agg(m, 100, 100, 0, WC_ONCPU, 20, 0);
	add_agg(m, 100, 100, 0x77, WC_DISK, 3, 100 * MS);
	add_agg(m, 101, 100, 0, WC_ONCPU, 5, 0);
	add_agg(m, 200, 200, 0x77, WC_DISK, 2, 40 * MS);
	sc = VEC_PUSH(m->syscalls, m->n_syscalls, m->cap_syscalls);
	*sc = (struct model_syscall){ .tgid = 100, .nr = 74, .s = { .count = 3, .total_ns = 90 * MS } };
	model_sort(m);
}

static json_t *load_json(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	cr_assert_not_null(j, "%s", e.text);
	return j;
}

/* Renders FN's export of M into a string (malloc'd). */
static char *render(export_fn fn, const struct run_model *m)
{
	struct symbolizer *s = symbolizer_new(NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(fn(m, s, FOLD_ONCPU, f), 0);
	fclose(f);
	symbolizer_free(s);
	return buf;
}

Test(speedscope, has_the_format_fields_and_consistent_indices)
{
	struct run_model m;
	char *text;
	json_t *doc, *frames, *profiles, *p;
	size_t i;

	build_model(&m);
	text = render(export_speedscope, &m);
	doc = load_json(text);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "$schema")), SPEEDSCOPE_SCHEMA);
	frames = json_object_get(json_object_get(doc, "shared"), "frames");
	profiles = json_object_get(doc, "profiles");
	cr_assert(json_array_size(frames) > 0);
	/* threads 100 (on and off), 101 (on), 200 (off), in thread order */
	cr_assert_eq(json_array_size(profiles), 4);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(profiles, 0), "name")),
			 "demo (tid 100) on-CPU");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(profiles, 3), "name")),
			 "child (tid 200) off-CPU");
	json_array_foreach(profiles, i, p) {
		json_t *samples = json_object_get(p, "samples"), *weights = json_object_get(p, "weights");
		json_int_t sum = 0;

		cr_assert_str_eq(json_string_value(json_object_get(p, "type")), "sampled");
		cr_assert_str_eq(json_string_value(json_object_get(p, "unit")), "nanoseconds");
		cr_assert_eq(json_array_size(samples), json_array_size(weights));
		for (size_t k = 0; k < json_array_size(samples); k++) {
			json_t *stack = json_array_get(samples, k);

			sum += json_integer_value(json_array_get(weights, k));
			for (size_t f = 0; f < json_array_size(stack); f++)
				cr_assert_lt((size_t)json_integer_value(json_array_get(stack, f)),
					     json_array_size(frames));
		}
		cr_assert_eq(json_integer_value(json_object_get(p, "endValue")), sum);
	}
	/* 20 samples at 100 Hz weigh 200 ms; the disk stack ends in its class */
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(profiles, 0), "endValue")), 200 * MS);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(profiles, 1), "endValue")), 100 * MS);
	json_decref(doc);
	free(text);
	model_free(&m);
}

static size_t count_events(json_t *events, const char *ph, const char *name)
{
	size_t i, n = 0;
	json_t *e;

	json_array_foreach(events, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "ph")), ph) &&
		    (!name || !strcmp(json_string_value(json_object_get(e, "name")), name)))
			n++;
	return n;
}

/* Without a timeline there is nothing to draw: both traces refuse, with one line. */
Test(trace, a_run_without_a_timeline_has_no_trace)
{
	struct symbolizer *sym = symbolizer_new(NULL);
	struct run_model m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	build_model(&m);
	cr_assert_eq(export_trace(&m, sym, FOLD_ONCPU, f), -1);
	cr_assert_eq(export_perfetto(&m, sym, FOLD_ONCPU, f), -1);
	fclose(f);
	cr_assert_eq(len, 0);
	free(buf);
	symbolizer_free(sym);
	model_free(&m);
}

static void add_interval(struct run_model *m, uint32_t tid, uint32_t class, uint64_t from_ms, uint64_t to_ms)
{
	*VEC_PUSH(m->timeline.intervals, m->timeline.n_intervals, m->timeline.cap_intervals) =
		(struct model_interval){ .tid = tid, .wait_class = class,
					 .start_ns = T0 + from_ms * MS, .end_ns = T0 + to_ms * MS };
}

/* With a timeline: real intervals, a flow arrow per wakeup, counters of the tree over time. */
Test(trace, timeline_has_interval_slices_wakeup_flows_and_counters)
{
	struct run_model m;
	char *text;
	json_t *doc, *events;

	build_model(&m);
	m.timeline.recorded = true;
	add_interval(&m, 100, WC_ONCPU, 10, 20);
	add_interval(&m, 100, WC_LOCK, 20, 50);
	add_interval(&m, 100, WC_RUNQUEUE, 50, 55);
	add_interval(&m, 101, WC_ONCPU, 10, 50);
	*VEC_PUSH(m.timeline.wakes, m.timeline.n_wakes, m.timeline.cap_wakes) = (struct model_wake_edge){
		.ts_ns = T0 + 50 * MS, .waker_tid = 101, .wakee_tid = 100, .wait_class = WC_LOCK };
	text = render(export_trace, &m);
	doc = load_json(text);
	events = json_object_get(doc, "traceEvents");
	cr_assert_eq(count_events(events, "X", NULL), 4);
	cr_assert_eq(count_events(events, "X", "lock"), 1);
	cr_assert_eq(count_events(events, "s", "wakeup"), 1);
	cr_assert_eq(count_events(events, "f", "wakeup"), 1);
	cr_assert_eq(count_events(events, "C", "threads"), 5);  /* at 0, 10, 20, 50, 55 ms */
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "metadata"), "layout")),
			 TRACE_TIMELINE_NOTE);
	json_decref(doc);
	free(text);
	model_free(&m);
}

Test(html, run_page_tells_the_story_from_the_top)
{
	struct run_model m;
	char *text, *why, *chart, *path, *flames, *table;

	build_model(&m);
	text = render(export_html, &m);
	cr_assert(strstr(text, "<h1>demo --work</h1>"), "the command heads the page");
	why = strstr(text, "<h2 id=\"why\">Why it took 0.320 s</h2>");
	chart = strstr(text, "<svg id=\"thread-chart\"");
	path = strstr(text, "<h2 id=\"critical-path\">");
	flames = strstr(text, "<h2 id=\"flame-graphs\">");
	table = strstr(text, "<table id=\"processes\">");
	cr_assert(why && chart && path && flames && table, "%s", text);
	cr_assert(why < chart && chart < path && path < flames && flames < table, "the story's order");
	cr_assert(strstr(text, "<ol class=\"findings\">"));
	cr_assert(strstr(text, "<g class=\"bar\" data-label=\"demo 100 (pid 100)\">"));
	cr_assert(strstr(text, "<title>disk: 0.100s"));
	cr_assert(strstr(path, "recorded without <code>--timeline</code>"), "no timeline, and it says so");
	for (const char *id = "wall"; id; id = !strcmp(id, "wall") ? "offcpu" : !strcmp(id, "offcpu") ? "oncpu" : NULL) {
		char want[96];

		snprintf(want, sizeof(want), "id=\"flame-%s\" type=\"image/svg+xml\" data=\"data:image/svg+xml;base64,", id);
		cr_assert(strstr(flames, want), "%s", want);
	}
	cr_assert(strstr(flames, "<div class=\"legend\">"), "the flame graphs' colours are explained");
	cr_assert(strstr(text, "<pre id=\"summary\">"));
	cr_assert(strstr(text, "cross-check"));
	cr_assert(strstr(text, "<a href=\"speedscope.json\">"));
	cr_assert(strstr(text, "This page is self-contained"));
	cr_assert_null(strstr(text, "http://") ? strstr(strstr(text, "http://"), "<script src") : NULL);
	free(text);
	model_free(&m);
}

/* Thread 100 runs 0-200 ms, then waits for the disk until thread 101 ... no: a timeline where the
 * main thread runs, then waits on the disk: the page draws the strips and the path over them. */
Test(html, a_timeline_draws_the_critical_path_over_the_threads)
{
	struct run_model m;
	char *text, *svg;

	build_model(&m);
	m.timeline.recorded = true;
	m.procs[0].start_ns = T0 + 10 * MS;
	m.procs[0].end_ns = T0 + 310 * MS;
	m.meta.root_pid = 100;
	*VEC_PUSH(m.timeline.intervals, m.timeline.n_intervals, m.timeline.cap_intervals) =
		(struct model_interval){ .tid = 100, .wait_class = WC_ONCPU, .start_ns = T0 + 10 * MS, .end_ns = T0 + 210 * MS };
	*VEC_PUSH(m.timeline.intervals, m.timeline.n_intervals, m.timeline.cap_intervals) =
		(struct model_interval){ .tid = 100, .wait_class = WC_DISK, .start_ns = T0 + 210 * MS, .end_ns = T0 + 310 * MS };
	*VEC_PUSH(m.timeline.intervals, m.timeline.n_intervals, m.timeline.cap_intervals) =
		(struct model_interval){ .tid = 101, .wait_class = WC_ONCPU, .start_ns = T0 + 10 * MS, .end_ns = T0 + 70 * MS };
	text = render(export_html, &m);
	svg = strstr(text, "<svg id=\"timeline\"");
	cr_assert_not_null(svg, "%s", text);
	cr_assert(strstr(svg, "demo 100 (main)"), "a row per thread, named with its role");
	cr_assert(strstr(svg, "<title>oncpu, 0.000 s to 0.200 s</title>"), "%s", svg);
	cr_assert(strstr(svg, "<title>disk, 0.200 s to 0.300 s</title>"), "%s", svg);
	cr_assert(strstr(svg, "[disk]"), "the disk, outside the tree, has a row of its own");
	cr_assert(strstr(svg, "<path id=\"critical-path\""), "%s", svg);
	free(text);
	model_free(&m);
}

/* What summary_print writes for M, malloc'd. Not inlined: GCC then takes pointers into the text
 * for pointers to the local that open_memstream filled (-Wdangling-pointer). */
static __attribute__((noinline)) char *summary_text(const struct run_model *m, const char *report_path, bool verbose)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	summary_print(f, m, report_path, verbose);
	fclose(f);
	return text;
}

/* Where NEEDLE starts in TEXT; SIZE_MAX when it is not there. */
static size_t offset_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle);

	return at ? (size_t)(at - text) : SIZE_MAX;
}

/* The summary: answer first (the wall and the findings), the cross-check last, on one line when
 * every figure agrees, in full with -v or when one does not. */
Test(summary, answer_first_and_the_cross_check_on_one_line_when_it_agrees)
{
	struct run_model m;
	char *text, *verbose, *disagreeing;
	size_t why, classes, procs, check;

	build_model(&m);
	m.rusage = (struct model_rusage){ .valid = true, .utime_ns = 280 * MS, .stime_ns = 0 };
	text = summary_text(&m, "x/report.json", false);
	cr_assert(!strncmp(text, "\nconctrace: demo --work — wall 0.320 s, exit 0; 2 processes, 3 threads\nwhy ", 76),
		  "%s", text);
	why = offset_of(text, "\nwhy ");
	classes = offset_of(text, "\nwhere the time went: thread time 0.455s");
	procs = offset_of(text, "\nprocesses:\n  pid 100 demo");
	check = offset_of(text, "\nkernel cross-check: all 3 figures agree with the kernel's within 5 % (largest");
	cr_assert(why < classes && classes < procs && procs < check && check < strlen(text), "%s", text);
	cr_assert(strstr(text + check, "\nreport: x/report.json\n"), "%s", text);
	cr_assert_null(strstr(text, "DISAGREES"));
	verbose = summary_text(&m, NULL, true);
	cr_assert(strstr(verbose, "): 3 of 3 agree\n  tree on-CPU"), "-v: every line: %s", verbose);
	m.rusage.utime_ns = 400 * MS;    /* 0.4 s against 0.28 s traced: they disagree */
	disagreeing = summary_text(&m, NULL, false);
	cr_assert(strstr(disagreeing, "\nkernel cross-check (on-CPU less 0.000s host steal; agreement: within 5 %, "
			 "1 ms or 2 switches): 2 of 3 agree\n  tree on-CPU"), "%s", disagreeing);
	cr_assert(strstr(disagreeing, "[wait4 rusage utime+stime]  DISAGREES\n"), "%s", disagreeing);
	free(text);
	free(verbose);
	free(disagreeing);
	model_free(&m);
}

/* Processes under 1 % of thread time are counted by name on one line. */
Test(summary, small_processes_are_folded_into_one_line)
{
	struct run_model m;
	char *text;

	build_model(&m);
	for (uint32_t pid = 300; pid < 340; pid++) {
		add_thread(&m, pid, pid, "bash", 1, 0, 0);
		m.procs[m.n_procs - 1].ppid = 100;
	}
	model_sort(&m);
	text = summary_text(&m, NULL, false);
	cr_assert(strstr(text, "\n  40 more processes (each under 1 % of thread time, or past the first 12): "
			 "40 × bash 0.040s\n"), "%s", text);
	cr_assert_null(strstr(text, "pid 300 bash"), "%s", text);
	cr_assert(strstr(text, "pid 200 child"), "a process over 1 %% is listed: %s", text);
	free(text);
	model_free(&m);
}

static void tmp_dir(char *dir, size_t len, const char *tag)
{
	snprintf(dir, len, "/tmp/conctrace-unit-%s-XXXXXX", tag);
	cr_assert_not_null(mkdtemp(dir));
}

static char *write_report(const char *dir, const struct run_model *m)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/report.json", dir);
	cr_assert_eq(report_write(path, m), 0);
	return path;
}

Test(report_json, round_trip_gives_the_same_bytes)
{
	struct run_model m, back;
	char dir[128], err[256], *first, *second;
	size_t len1, len2;
	char *path;

	build_model(&m);
	tmp_dir(dir, sizeof(dir), "rt");
	path = write_report(dir, &m);
	first = read_file(path, &len1);
	cr_assert_eq(report_load(path, &back, err, sizeof(err)), 0, "%s", err);
	write_report(dir, &back);
	second = read_file(path, &len2);
	cr_assert_eq(len1, len2);
	cr_assert_eq(memcmp(first, second, len1), 0);
	free(first);
	free(second);
	model_free(&m);
	model_free(&back);
}

Test(report_json, validates_against_the_json_schema)
{
	struct run_model m;
	char dir[128], cmd[1024];

	build_model(&m);
	tmp_dir(dir, sizeof(dir), "schema");
	snprintf(cmd, sizeof(cmd), "python3 tests/validate_report.py docs/report.schema.json %s",
		 write_report(dir, &m));
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	model_free(&m);
}

/* Runs cmd_report (or cmd_diff) in a child; returns its exit status, with stderr in ERR. */
static int run_command(int (*cmd)(int, char **), char *err, size_t len, char **argv)
{
	char path[] = "/tmp/conctrace-unit-stderr-XXXXXX";
	int fd = mkstemp(path), status, argc = 0;
	pid_t pid;
	FILE *f;
	size_t n;

	cr_assert(fd >= 0);
	while (argv[argc])
		argc++;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fd, 2);
		dup2(open("/dev/null", O_WRONLY), 1);
		_exit(cmd(argc, argv));
	}
	waitpid(pid, &status, 0);
	f = fopen(path, "r");
	n = fread(err, 1, len - 1, f);
	err[n] = 0;
	fclose(f);
	close(fd);
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* `conctrace report FILE` with FILE holding TEXT: exit 2 and exactly one line naming WANT. */
static void assert_rejected(const char *dir, const char *name, const char *text, size_t len, const char *want)
{
	char path[512], err[4096];
	char *argv[] = { "report", path, NULL };

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (text)
		cr_assert_eq(write_file_atomic(path, text, len), 0);
	cr_assert_eq(run_command(cmd_report, err, sizeof(err), argv), 2, "%s: %s", name, err);
	cr_assert(strchr(err, '\n') && !strchr(err, '\n')[1], "%s: not one line: %s", name, err);
	cr_assert(strstr(err, want), "%s: '%s' lacks '%s'", name, err, want);
}

static void replace_once(char *text, const char *from, const char *to)
{
	char *at = strstr(text, from);

	cr_assert_not_null(at, "%s", from);
	cr_assert_eq(strlen(from), strlen(to));
	memcpy(at, to, strlen(to));
}

Test(report_cmd, bad_reports_give_one_line_and_exit_2)
{
	struct run_model m;
	char dir[128], empty[256], *good;
	size_t len;

	build_model(&m);
	tmp_dir(dir, sizeof(dir), "bad");
	good = read_file(write_report(dir, &m), &len);
	assert_rejected(dir, "truncated.json", good, len / 2, "truncated.json: line");
	replace_once(good, "\"schema_version\":2", "\"schema_version\":3");
	assert_rejected(dir, "version.json", good, len, "schema_version 3 is not supported");
	replace_once(good, "\"schema_version\":3", "\"schema_version\":2");
	replace_once(good, "\"tid\":", "\"tjd\":");
	assert_rejected(dir, "mutated.json", good, len, "threads.tid: missing");
	replace_once(good, "\"tjd\":", "\"tid\":");
	replace_once(good, "\"end_ns\":1500000000", "\"end_ns\":\"15000000\"");
	assert_rejected(dir, "mutated-type.json", good, len, "meta.end_ns: wrong type");
	assert_rejected(dir, "other.json", "{\"name\": \"x\"}", 13, "not a conctrace report");
	assert_rejected(dir, "array.json", "[1, 2]", 6, "not a conctrace report");
	assert_rejected(dir, "text.json", "hello\n", 6, "text.json: line 1");
	assert_rejected(dir, "missing.json", NULL, 0, "missing.json: No such file");
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	cr_assert_eq(mkdir(empty, 0755), 0);
	assert_rejected(dir, "empty", NULL, 0, "no report.json");
	free(good);
	model_free(&m);
}

Test(report_cmd, bad_usage_exits_2)
{
	char err[4096];
	char *no_path[] = { "report", NULL };
	char *bad_kind[] = { "report", "--folded", "cpu", "x", NULL };
	char *diff_one[] = { "diff", "a", NULL };

	cr_assert_eq(run_command(cmd_report, err, sizeof(err), no_path), 2);
	cr_assert_eq(run_command(cmd_report, err, sizeof(err), bad_kind), 2);
	cr_assert(strstr(err, "expected oncpu, offcpu or wall"));
	cr_assert_eq(run_command(cmd_diff, err, sizeof(err), diff_one), 2);
}

Test(report_cmd, output_dir_gets_every_export)
{
	static const char *const names[] = { "report.json", "report.html", "speedscope.json",
		"oncpu.folded", "offcpu.folded", "wall.folded", "oncpu.svg", "offcpu.svg", "wall.svg" };
	static const char *const traces[] = { "timeline.bin", "trace.perfetto", "trace.json" };
	struct run_model m;
	char dir[128], out[256], path[512], err[4096], *first, *again;
	char *argv[] = { "report", "-q", "-o", out, dir, NULL };
	size_t l1, l2;
	struct stat st;

	build_model(&m);
	tmp_dir(dir, sizeof(dir), "all");
	first = read_file(write_report(dir, &m), &l1);
	snprintf(out, sizeof(out), "%s/out", dir);
	cr_assert_eq(run_command(cmd_report, err, sizeof(err), argv), 0, "%s", err);
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", out, names[i]);
		cr_assert(!stat(path, &st) && st.st_size > 0, "%s", path);
	}
	for (size_t i = 0; i < ARRAY_LEN(traces); i++) {
		snprintf(path, sizeof(path), "%s/%s", out, traces[i]);
		cr_assert(stat(path, &st) && errno == ENOENT, "%s: no timeline, no trace", path);
	}
	snprintf(path, sizeof(path), "%s/report.json", out);
	again = read_file(path, &l2);
	cr_assert(l1 == l2 && !memcmp(first, again, l1));
	snprintf(path, sizeof(path), "%s/offcpu.folded", out);
	free(again);
	again = read_file(path, &l2);
	/* kernel frames are named from this machine's kallsyms: only their shape is known */
	cr_assert(!strncmp(again, "child;", 6) && strstr(again, "_[k];[disk] 40000000\ndemo;"), "%s", again);
	cr_assert(strstr(again, "_[k];[disk] 100000000\n"), "%s", again);
	/* again into OUT, which holds every export and nothing else: kept as OUT.old */
	cr_assert_eq(run_command(cmd_report, err, sizeof(err), argv), 0, "%s", err);
	cr_assert(strstr(err, "is kept as"), "%s", err);
	snprintf(path, sizeof(path), "%s/out.old/report.json", dir);
	cr_assert_eq(access(path, F_OK), 0);
	free(first);
	free(again);
	model_free(&m);
}

/* A run directory with two cells, one without a report. */
static void build_run_dir(char *dir, size_t len)
{
	static const char index[] =
		"{\"conctrace_version\":\"0.1.0\",\"interrupted\":false,\"parameters\":{\"size\":\"quick\","
		"\"repeat\":1,\"files\":4,\"lines\":2,\"line_length\":5,\"num\":12,\"count\":4,\"requests\":3,"
		"\"net_delay_ms\":20,\"net_size\":512,\"workers\":0},\"cells\":["
		"{\"name\":\"disk-c-sync\",\"workload\":\"disk\",\"runtime\":\"c\",\"model\":\"sync\",\"repeat\":1,"
		"\"status\":\"ok\",\"exit_status\":0,\"result\":{\"n\":1},\"result_differs\":false,"
		"\"report\":\"cells/disk-c-sync/report.json\"},"
		"{\"name\":\"disk-c-threads\",\"workload\":\"disk\",\"runtime\":\"c\",\"model\":\"threads\","
		"\"repeat\":1,\"status\":\"failed\",\"exit_status\":1,\"result_differs\":false,"
		"\"reason\":\"exit status 1: boom\"}]}";
	struct run_model m;
	char path[512];

	tmp_dir(dir, len, "run");
	snprintf(path, sizeof(path), "%s/index.json", dir);
	cr_assert_eq(write_file_atomic(path, index, strlen(index)), 0);
	snprintf(path, sizeof(path), "%s/cells", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/cells/disk-c-sync", dir);
	mkdir(path, 0755);
	build_model(&m);
	write_report(path, &m);
	model_free(&m);
}

Test(report_source, run_directory_loads_its_cells)
{
	struct report_source src;
	struct run_opts o;
	struct cell *cells;
	size_t n;
	char dir[128], err[512], *tables = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&tables, &len);

	build_run_dir(dir, sizeof(dir));
	cr_assert_eq(report_source_find(dir, &src, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(src.kind, SOURCE_RUN);
	cr_assert_eq(run_index_load(dir, &o, &cells, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 2);
	cr_assert(cells[0].has_stats && !cells[1].has_stats);
	cr_assert_eq(cells[1].status, CELL_FAILED);
	cr_assert(o.workloads[WL_DISK] && !o.workloads[WL_CPU] && o.models[CM_THREADS]);
	cr_assert_eq(o.params.files, 4);
	print_tables(f, &o, cells, n);
	fclose(f);
	cr_assert(strstr(tables, "FAILED: exit status 1: boom"), "%s", tables);
	free(tables);
	cells_free(cells, n);
}

Test(report_cmd, run_directory_html_and_cell_exports)
{
	char dir[128], out[256], path[512], err[4096], *html;
	char *argv[] = { "report", "-q", "-o", out, dir, NULL };
	char *folded[] = { "report", "--folded", "oncpu", dir, NULL };
	char *elsewhere[] = { "report", "-q", "--html", path, dir, NULL };
	char *in_place[] = { "report", "-q", dir, NULL };
	size_t len;

	build_run_dir(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	cr_assert_eq(run_command(cmd_report, err, sizeof(err), argv), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/index.html", out);
	html = read_file(path, &len);
	cr_assert_not_null(html, "%s", path);
	cr_assert(strstr(html, "<svg id=\"chart-disk-c\" class=\"model-chart\""), "%s", html);
	cr_assert(strstr(html, "<g class=\"bar\" data-label=\"sync\">"));
	cr_assert_null(strstr(html, "data-label=\"threads\""), "a failed cell has no bar");
	cr_assert(strstr(html, "exit status 1: boom"), "a failed cell's card says why");
	cr_assert(strstr(html, "<a href=\"cells/disk-c-sync/report.html\">"));
	snprintf(path, sizeof(path), "%s/cells/disk-c-sync/speedscope.json", out);
	cr_assert_eq(access(path, F_OK), 0);
	free(html);
	/* elsewhere, the page's links lead back to the run directory */
	snprintf(path, sizeof(path), "%s/pages", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	strcat(path, "/deep");
	cr_assert_eq(mkdir(path, 0755), 0);
	strcat(path, "/page.html");
	cr_assert_eq(run_command(cmd_report, err, sizeof(err), elsewhere), 0, "%s", err);
	html = read_file(path, &len);
	cr_assert(strstr(html, "<a href=\"../../cells/disk-c-sync/report.html\">"), "%s", html);
	/* and `report DIR` writes DIR/index.html itself */
	cr_assert_eq(run_command(cmd_report, err, sizeof(err), in_place), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/index.html", dir);
	free(html);
	html = read_file(path, &len);
	cr_assert(strstr(html, "<a href=\"cells/disk-c-sync/report.html\">"));
	cr_assert_eq(run_command(cmd_report, err, sizeof(err), folded), 2);
	cr_assert(strstr(err, "is a run directory"));
	free(html);
}

Test(diff, prints_classes_and_syscalls_side_by_side)
{
	struct run_model a, b;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	build_model(&a);
	build_model(&b);
	b.threads[0].acct.ns[WC_DISK] += 100 * MS;
	b.threads[0].acct.end_ns += 100 * MS;
	b.syscalls[0].s.total_ns += 50 * MS;
	diff_print(f, &a, &b, "A.json", "B.json");
	fclose(f);
	cr_assert(strstr(text, "  disk                         0.140s       0.240s      +0.100s"), "%s", text);
	cr_assert(strstr(text, "fsync                   3x     0.090s ->        3x     0.140s  (+0.050s)"), "%s", text);
	free(text);
	model_free(&a);
	model_free(&b);
}

Test(diff, writes_a_differential_flame_graph)
{
	struct run_model m;
	char dir[128], svg[256], err[4096], *text;
	char *argv[] = { "diff", "--svg", svg, "-k", "offcpu", dir, dir, NULL };
	size_t len;

	build_model(&m);
	tmp_dir(dir, sizeof(dir), "diff");
	write_report(dir, &m);
	snprintf(svg, sizeof(svg), "%s/diff.svg", dir);
	cr_assert_eq(run_command(cmd_diff, err, sizeof(err), argv), 0, "%s", err);
	text = read_file(svg, &len);
	cr_assert(strstr(text, "Differential Flame Graph"));
	free(text);
	model_free(&m);
}
