/* `conctrace report` on a real recording: the same summary the record printed, every export
 * regenerated, the report valid against docs/report.schema.json, and report.html rendered by
 * headless Chromium (tests/html_check.sh). Needs root: it records first. */
#include <sys/stat.h>
#include "harness.h"

#define OUTPUT_MAX 65536

/* Runs ARGV and returns everything it printed (stdout and stderr), malloc'd. */
static char *output_of(char *const argv[], int *rc)
{
	char *out = malloc(OUTPUT_MAX);

	*rc = run_argv(argv, out, OUTPUT_MAX);
	return out;
}

/* CMD exits 0, or 77: a tool it needs is missing. */
static void shell_ok(const char *cmd)
{
	int rc = system(cmd);

	cr_assert(rc == 0 || (WIFEXITED(rc) && WEXITSTATUS(rc) == 77), "%s: %d", cmd, rc);
}

Test(report, prints_the_same_summary_and_regenerates_every_export, .timeout = 120)
{
	static const char *const exports[] = { "report.json", "report.html", "speedscope.json", "trace.perfetto",
		"timeline.bin", "oncpu.folded", "offcpu.folded", "wall.folded", "oncpu.svg", "offcpu.svg", "wall.svg" };
	const char *dir = fresh_dir("report"), *out = fresh_dir("report-out");
	char *record_argv[] = { (char *)conctrace_bin(), "record", "--timeline", "-o", (char *)dir, "--",
				(char *)prog("busythreads"), NULL };
	char *report_argv[] = { (char *)conctrace_bin(), "report", (char *)dir, NULL };
	char *export_argv[] = { (char *)conctrace_bin(), "report", "-q", "-o", (char *)out, (char *)dir, NULL };
	char path[512], cmd[2048], *recorded, *reprinted, *summary;
	struct stat st;
	int rc;

	recorded = output_of(record_argv, &rc);
	cr_assert_eq(rc, 0, "record: %s", recorded);
	reprinted = output_of(report_argv, &rc);
	cr_assert_eq(rc, 0, "report: %s", reprinted);
	summary = strstr(recorded, "\nconctrace: ");
	cr_assert_not_null(summary, "%s", recorded);
	cr_assert_str_eq(reprinted, summary, "record printed:\n%s\nreport printed:\n%s", summary, reprinted);
	free(output_of(export_argv, &rc));
	cr_assert_eq(rc, 0);
	for (size_t i = 0; i < sizeof(exports) / sizeof(exports[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", out, exports[i]);
		cr_assert(!stat(path, &st) && st.st_size > 0, "%s", path);
	}
	/* the timeline and its trace come back byte for byte; the JSON trace only on request */
	for (const char *const *name = (const char *const[]){ "timeline.bin", "trace.perfetto", NULL }; *name; name++) {
		snprintf(cmd, sizeof(cmd), "cmp %s/%s %s/%s", dir, *name, out, *name);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
	}
	snprintf(path, sizeof(path), "%s/trace.json", dir);
	cr_assert(stat(path, &st), "%s", path);
	snprintf(path, sizeof(path), "%s/report.json", dir);
	snprintf(cmd, sizeof(cmd), "python3 tests/validate_report.py docs/report.schema.json %s", path);
	shell_ok(cmd);
	snprintf(cmd, sizeof(cmd), "sh tests/html_check.sh %s/report.html %s-html", out, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	free(recorded);
	free(reprinted);
}
