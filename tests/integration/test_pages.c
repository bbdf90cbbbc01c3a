/* The answer first, end to end (root): `conctrace run --size quick` (the whole matrix, ~15 s)
 * prints at most 80 lines of at most 160 characters and writes index.html; the run's page and a
 * cell's report.html are rendered in headless Chromium by tests/html_check.sh (no console message,
 * a bar per model, every link to an existing file, no blank box in the screenshot). Also the
 * command-line conventions: `conctrace help`, "did you mean", one-line usage errors.
 * Env: CONCTRACE, PNG_INK (tests/tools/png_ink). */
#include <sys/stat.h>
#include "base/util.h"
#include "harness.h"

#define LINES_MAX 80
#define CHARS_MAX 160

/* Runs ARGV with its stdout into OUT_PATH and its stderr into ERR_PATH; its exit status. */
static int run_to_files(char *const argv[], const char *out_path, const char *err_path)
{
	pid_t pid = fork();
	int status;

	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
		dup2(open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
		execv(argv[0], argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static size_t utf8_chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* The lines of TEXT: how many, and the widest in characters. The last line is LAST. */
static size_t measure(const char *text, size_t *widest, const char **last)
{
	size_t lines = 0;

	*widest = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (utf8_chars(p, len) > *widest)
			*widest = utf8_chars(p, len);
		*last = p;
		lines++;
		p += len + (nl != NULL);
	}
	return lines;
}

static void html_check(const char *page, const char *out, const char *bars)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "sh tests/html_check.sh %s %s %s", page, out, bars);
	cr_assert_eq(system(cmd), 0, "%s failed", cmd);
}

Test(pages, quick_run_answers_first_on_one_screen_and_one_page, .timeout = 300)
{
	const char *dir = fresh_dir("pages");
	char out[512], err[512], page[512], cell_page[512], check[512], *text;
	char *run_cmd[] = { (char *)conctrace_bin(), "run", "--size", "quick", "-o", (char *)dir, NULL };
	char *report_argv[] = { (char *)conctrace_bin(), "report", "-q", (char *)dir, NULL };
	const char *last = "";
	size_t lines, widest, len;
	struct stat st;

	snprintf(out, sizeof(out), "%s.stdout", dir);
	snprintf(err, sizeof(err), "%s.stderr", dir);
	cr_assert_eq(run_to_files(run_cmd, out, err), 0, "conctrace run failed: see %s", err);
	text = read_file(out, &len);
	cr_assert_not_null(text);
	lines = measure(text, &widest, &last);
	cr_assert_leq(lines, LINES_MAX, "%zu lines:\n%s", lines, text);
	cr_assert_leq(widest, CHARS_MAX, "a line of %zu characters:\n%s", widest, text);
	cr_assert(strstr(text, "\nThe notes' claims, judged from this run"), "%s", text);
	cr_assert(!strncmp(last, "page: ", 6) && strstr(last, "index.html (self-contained"), "last line: %s", last);
	snprintf(page, sizeof(page), "%s/index.html", dir);
	snprintf(check, sizeof(check), "%s/check", dir);
	html_check(page, check, "5");
	snprintf(cell_page, sizeof(cell_page), "%s/cells/disk-python-asyncio/report.html", dir);
	html_check(cell_page, check, "");
	/* `report RUNDIR` writes the page again */
	cr_assert_eq(unlink(page), 0);
	cr_assert_eq(run_argv(report_argv, NULL, 0), 0);
	cr_assert_eq(stat(page, &st), 0, "report did not write %s again", page);
	free(text);
	unlink(out);
	unlink(err);
	remove_dir(dir);
}

Test(pages, help_did_you_mean_and_one_line_usage_errors)
{
	char text[8192];
	char *help[] = { (char *)conctrace_bin(), "help", NULL };
	char *help_run[] = { (char *)conctrace_bin(), "help", "run", NULL };
	char *serve_help[] = { (char *)conctrace_bin(), "serve", "--help", NULL };
	char *typo[] = { (char *)conctrace_bin(), "reprot", "x", NULL };
	char *bad_option[] = { (char *)conctrace_bin(), "run", "--size", "huge", NULL };
	char *bad_record[] = { (char *)conctrace_bin(), "record", "--bogus", "--", "true", NULL };

	cr_assert_eq(run_argv(help, text, sizeof(text)), 0);
	cr_assert(strstr(text, "usage: conctrace COMMAND") && strstr(text, "  serve "), "%s", text);
	cr_assert_eq(run_argv(help_run, text, sizeof(text)), 0);
	cr_assert(strstr(text, "usage: conctrace run [options]"), "%s", text);
	cr_assert_eq(run_argv(serve_help, text, sizeof(text)), 0);
	cr_assert(strstr(text, "usage: conctrace serve [--port N]"), "%s", text);
	cr_assert_eq(run_argv(typo, text, sizeof(text)), 2);
	cr_assert_str_eq(text, "conctrace: unknown command 'reprot'; did you mean 'report'? (see conctrace --help)\n");
	cr_assert_eq(run_argv(bad_option, text, sizeof(text)), 2);
	cr_assert_str_eq(text, "conctrace: run: --size: expected quick, default or notes: 'huge' "
			 "(see conctrace run --help)\n");
	cr_assert_eq(run_argv(bad_record, text, sizeof(text)), 2);
	cr_assert_str_eq(text, "conctrace: record: --bogus: unknown option (see conctrace record --help)\n");
}
