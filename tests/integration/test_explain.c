/* `conctrace run`'s explanation end to end (root): a quick disk matrix of three Python models must
 * print (with -v) a line with numbers for each model, the comparisons and the claims' verdicts,
 * and carry the findings, wait-for graphs and verdicts in index.json. Env: CONCTRACE. */
#include <jansson.h>
#include <limits.h>
#include "harness.h"
#include "base/util.h"

static const char *const models[] = { "sync", "asyncio", "processes" };

/* The disk workload's size: enough writes for aiofiles' round trips to show. */
#define FILES 100
#define LINES 50
#define STR_(x) #x
#define STR(x) STR_(x)

/* The line of STDOUT that starts with PREFIX, into LINE. */
static void find_line(const char *stdout_text, const char *prefix, char *line, size_t len)
{
	const char *at = strstr(stdout_text, prefix);
	size_t n;

	cr_assert_not_null(at, "no line '%s' in:\n%s", prefix, stdout_text);
	at += *at == '\n';    /* a prefix may start with one, to match at the start of a line */
	n = strcspn(at, "\n");
	snprintf(line, len, "%.*s", (int)n, at);
}

/* What `run -v` prints: a line per model with its wall and its lead, its knot and findings in
 * full, the comparisons, and each claim's verdict with its reason. */
static void assert_printed(const char *out)
{
	char line[2048], prefix[64];

	for (size_t i = 0; i < ARRAY_LEN(models); i++) {
		snprintf(prefix, sizeof(prefix), "\n  python  %-17s ", models[i]);
		find_line(out, prefix, line, sizeof(line));
		cr_assert(strstr(line, "s  "), "%s", line);
		cr_assert(strpbrk(line, "0123456789"), "%s", line);
		cr_assert(strstr(strstr(out, prefix) + 1, "\n      knot: "), "%s", out);
	}
	find_line(out, "  * asyncio took ", line, sizeof(line));
	cr_assert(strstr(line, "for sync ("), "%s", line);
	/* run cells record a timeline: the difference is split on both critical paths */
	cr_assert(strstr(line, "On the critical path, asyncio - sync: "), "%s", line);
	cr_assert(strstr(line, " context switches vs "), "%s", line);
	find_line(out, "  * processes took ", line, sizeof(line));
	/* quick cells run well under the 0.5 s a verdict needs */
	find_line(out, "  C1 ", line, sizeof(line));
	cr_assert(strstr(line, "C1 cannot tell ") && strstr(line, " — too short to judge: "), "%s", line);
}

/* The asyncio cell's first finding: aiofiles' executor round trips, one per write, open and close,
 * within 10 % of the workload's FILES x LINES writes, and the disk idle. */
static void assert_asyncio_round_trips(const json_t *cell, double writes)
{
	const json_t *first = json_array_get(json_object_get(json_object_get(cell, "explanation"), "findings"), 0);
	double jobs = json_real_value(json_object_get(json_object_get(first, "evidence"), "jobs"));

	cr_assert_str_eq(json_string_value(json_object_get(first, "name")), "thread-pool-handoff", "%s",
			 json_string_value(json_object_get(first, "text")));
	cr_assert(jobs >= 0.9 * writes && jobs <= 1.1 * writes, "%g jobs for %g writes", jobs, writes);
	cr_assert(strstr(json_string_value(json_object_get(first, "text")), "The disk was idle"), "%s",
		  json_string_value(json_object_get(first, "text")));
}

static void assert_index(const char *dir)
{
	char path[PATH_MAX];
	json_error_t err;
	json_t *index, *expl, *cell;
	size_t i;

	snprintf(path, sizeof(path), "%s/index.json", dir);
	index = json_load_file(path, 0, &err);
	cr_assert_not_null(index, "%s: %s", path, err.text);
	expl = json_object_get(index, "explanation");
	cr_assert_str_eq(json_string_value(json_object_get(expl, "method")), "critical path");
	cr_assert_eq(json_array_size(json_object_get(expl, "verdicts")), 4);
	cr_assert(strstr(json_string_value(json_object_get(json_array_get(json_object_get(expl,
		"verdicts"), 0), "why")), "too short to judge"));
	cr_assert_geq(json_array_size(json_object_get(expl, "comparisons")), 3);
	json_array_foreach(json_object_get(expl, "comparisons"), i, cell) {
		json_t *stacks = json_object_get(cell, "stacks");

		cr_assert_str_eq(json_string_value(json_object_get(cell, "method")), "critical path");
		cr_assert_gt(json_array_size(stacks), 0, "comparison %zu", i);
		cr_assert(strchr(json_string_value(json_object_get(json_array_get(stacks, 0), "tail")), '('));
		cr_assert_neq(json_real_value(json_object_get(json_array_get(stacks, 0), "thread_delta_s")), 0);
		cr_assert(json_is_array(json_object_get(cell, "grown_class_stacks")));
		cr_assert(json_is_array(json_object_get(cell, "slower_only_findings")));
		cr_assert_not_null(json_string_value(json_object_get(cell, "slower")));
	}
	json_array_foreach(json_object_get(index, "cells"), i, cell) {
		json_t *ce = json_object_get(cell, "explanation");

		if (!strcmp(json_string_value(json_object_get(cell, "model")), "asyncio"))
			assert_asyncio_round_trips(cell, FILES * LINES);
		cr_assert(json_is_array(json_object_get(ce, "findings")), "cell %zu", i);
		cr_assert_gt(json_array_size(json_object_get(json_object_get(ce, "wait_graph"), "knots")), 0);
		cr_assert_gt(json_real_value(json_object_get(json_object_get(ce, "decomposition"),
							     "cpus_busy")), 0);
	}
	json_decref(index);
}

/* `conctrace report DIR` computes the explanation anew from the cells' reports: the same lines. */
static void assert_report_explains_again(const char *dir, const char *run_out)
{
	char *argv[] = { (char *)conctrace_bin(), "report", "-v", (char *)dir, NULL };
	static char out[65536];
	char line[2048], again[2048];

	cr_assert_eq(run_argv(argv, out, sizeof(out)), 0, "%s", out);
	find_line(run_out, "  * asyncio took ", line, sizeof(line));
	find_line(out, "  * asyncio took ", again, sizeof(again));
	cr_assert_str_eq(again, line);
	find_line(run_out, "  C1 ", line, sizeof(line));
	find_line(out, "  C1 ", again, sizeof(again));
	cr_assert_str_eq(again, line);
}

Test(explain_run, quick_disk_matrix_is_explained, .timeout = 300)
{
	const char *dir = fresh_dir("explain");
	char *argv[] = { (char *)conctrace_bin(), "run", "-v", "--size", "quick", "--workloads", "disk",
			 "--runtimes", "python", "--models", "sync,asyncio,processes", "--files", STR(FILES),
			 "--lines", STR(LINES), "-o", (char *)dir, NULL };
	static char out[65536];
	char cmd[PATH_MAX];

	cr_assert_eq(run_argv(argv, out, sizeof(out)), 0, "%s", out);
	assert_printed(out);
	assert_index(dir);
	assert_report_explains_again(dir, out);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}
