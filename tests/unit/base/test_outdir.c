/* base/outdir: files replace planted links instead of following them, leave nothing half-written,
 * and an existing output directory is used, kept as .old or refused, never silently overwritten. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/outdir.h"
#include "base/util.h"
#include "harness.h"

#define SECRET "the target's own content\n"

/* A fresh directory under /tmp, into TOP (PATH_MAX bytes). */
static void make_top(char *top)
{
	snprintf(top, PATH_MAX, "/tmp/conctrace-unit-outdir-XXXXXX");
	cr_assert_not_null(mkdtemp(top));
}

/* TOP/NAME into PATH (PATH_MAX bytes); returns PATH. */
static char *join(char *path, const char *top, const char *name)
{
	cr_assert_lt(snprintf(path, PATH_MAX, "%s/%s", top, name), PATH_MAX);
	return path;
}

static void put(const char *path, const char *text)
{
	cr_assert_eq(write_file_atomic(path, text, strlen(text)), 0, "%s", path);
}

static void assert_content(const char *path, const char *want)
{
	char *text = read_file(path, NULL);

	cr_assert_not_null(text, "%s: %s", path, strerror(errno));
	cr_assert_str_eq(text, want, "%s", path);
	free(text);
}

static bool is_link(const char *path)
{
	struct stat st;

	return !lstat(path, &st) && S_ISLNK(st.st_mode);
}

Test(outdir, a_planted_link_is_replaced_never_followed)
{
	char top[PATH_MAX], target[PATH_MAX], out[PATH_MAX], path[PATH_MAX];
	struct outdir d;

	make_top(top);
	put(join(target, top, "target"), SECRET);
	cr_assert_eq(outdir_open(&d, join(out, top, "out"), NULL), 0);
	cr_assert_eq(symlink(target, join(path, out, "report.json")), 0);
	cr_assert_eq(outdir_write(&d, "report.json", "{}\n", 3, 0644), 0);
	assert_content(target, SECRET);
	cr_assert_not(is_link(path));
	assert_content(path, "{}\n");
	cr_assert_eq(dir_entries(out), 1, "no temporary file is left");
	/* the same through a path: the directory is found, the file itself is not followed */
	cr_assert_eq(symlink(target, join(path, out, "x.svg")), 0);
	put(path, "<svg/>\n");
	assert_content(target, SECRET);
	assert_content(path, "<svg/>\n");
	outdir_close(&d);
}

Test(outdir, writes_go_to_the_directory_opened_not_to_its_name)
{
	char top[PATH_MAX], out[PATH_MAX], moved[PATH_MAX], path[PATH_MAX];
	struct outdir d;

	make_top(top);
	cr_assert_eq(outdir_open(&d, join(out, top, "out"), NULL), 0);
	cr_assert_eq(rename(out, join(moved, top, "moved")), 0);
	cr_assert_eq(symlink(top, out), 0);
	cr_assert_eq(outdir_write(&d, "report.json", "{}\n", 3, 0644), 0);
	assert_content(join(path, moved, "report.json"), "{}\n");
	cr_assert_neq(access(join(path, top, "report.json"), F_OK), 0);
	outdir_close(&d);
}

Test(outdir, a_failed_write_leaves_no_file)
{
	char top[PATH_MAX], out[PATH_MAX], path[PATH_MAX];
	struct outdir d;

	make_top(top);
	cr_assert_eq(outdir_open(&d, join(out, top, "out"), NULL), 0);
	cr_assert_eq(mkdir(join(path, out, "report.json"), 0755), 0);
	cr_assert_eq(outdir_write(&d, "report.json", "{}\n", 3, 0644), -EISDIR);
	cr_assert_eq(dir_entries(out), 1, "the temporary file is removed");
	outdir_close(&d);
}

Test(outdir, an_empty_directory_is_used_as_it_is)
{
	char top[PATH_MAX], out[PATH_MAX], path[PATH_MAX];
	struct outdir d;

	make_top(top);
	cr_assert_eq(mkdir(join(out, top, "out"), 0700), 0);
	cr_assert_eq(outdir_open(&d, out, NULL), 0);
	cr_assert_eq(outdir_write(&d, "report.json", "{}\n", 3, 0644), 0);
	assert_content(join(path, out, "report.json"), "{}\n");
	cr_assert_neq(access(join(path, top, "out.old"), F_OK), 0);
	outdir_close(&d);
}

Test(outdir, an_earlier_output_is_kept_as_old_and_the_one_before_removed)
{
	char top[PATH_MAX], out[PATH_MAX], old[PATH_MAX], path[PATH_MAX], outside[PATH_MAX];
	struct outdir d;

	make_top(top);
	put(join(outside, top, "outside"), SECRET);
	for (int i = 0; i < 3; i++) {
		char text[16];

		snprintf(text, sizeof(text), "run %d\n", i);
		cr_assert_eq(outdir_open(&d, join(out, top, "out/"), NULL), 0);
		cr_assert_eq(outdir_write(&d, "report.json", text, strlen(text), 0644), 0);
		cr_assert_eq(outdir_make_sub(&(struct outdir){ .fd = -1 }, &d, "cells"), 0);
		/* a link in the output: removing the output must not follow it */
		cr_assert_eq(symlink(top, join(path, out, "cells/link")), 0);
		outdir_close(&d);
	}
	join(out, top, "out");
	assert_content(join(path, out, "report.json"), "run 2\n");
	assert_content(join(path, join(old, top, "out.old"), "report.json"), "run 1\n");
	assert_content(outside, SECRET);
	cr_assert_eq(dir_entries(top), 3, "out, out.old and the outside file");
}

Test(outdir, a_run_directory_is_an_earlier_output)
{
	static const char *const dirs[] = { "cells", "scratch", "workloads" };
	char top[PATH_MAX], out[PATH_MAX], path[PATH_MAX];
	struct outdir d;

	make_top(top);
	cr_assert_eq(mkdir(join(out, top, "run"), 0755), 0);
	put(join(path, out, "index.json"), "{}\n");
	put(join(path, out, "index.html"), "<html>\n");
	put(join(path, out, ".index.json.0123456789abcdef"), "{");  /* left by a crash */
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++)
		cr_assert_eq(mkdir(join(path, out, dirs[i]), 0755), 0);
	cr_assert_eq(outdir_open(&d, out, NULL), 0);
	cr_assert_eq(dir_entries(out), 0);
	assert_content(join(path, top, "run.old/index.json"), "{}\n");
	outdir_close(&d);
}

Test(outdir, a_directory_holding_other_files_is_refused_and_left_alone)
{
	char top[PATH_MAX], out[PATH_MAX], path[PATH_MAX];
	struct outdir d;

	make_top(top);
	cr_assert_eq(mkdir(join(out, top, "home"), 0755), 0);
	put(join(path, out, "report.json"), "{}\n");
	put(join(path, out, "notes.txt"), SECRET);
	cr_assert_eq(outdir_open(&d, out, NULL), -1, "a report.json among other files is not an output");
	assert_content(path, SECRET);
	cr_assert_neq(access(join(path, top, "home.old"), F_OK), 0);
	/* an earlier output, with something else at .old: both are left alone */
	cr_assert_eq(mkdir(join(out, top, "out"), 0755), 0);
	put(join(path, out, "report.json"), "{}\n");
	cr_assert_eq(mkdir(join(path, top, "out.old"), 0755), 0);
	put(join(path, top, "out.old/notes.txt"), SECRET);
	cr_assert_eq(outdir_open(&d, out, NULL), -1);
	assert_content(path, SECRET);
	assert_content(join(path, out, "report.json"), "{}\n");
}

Test(outdir, a_link_or_a_file_is_refused)
{
	char top[PATH_MAX], out[PATH_MAX], path[PATH_MAX];
	struct outdir d;

	make_top(top);
	cr_assert_eq(mkdir(join(path, top, "real"), 0755), 0);
	cr_assert_eq(symlink(path, join(out, top, "link")), 0);
	cr_assert_eq(outdir_open(&d, out, NULL), -1);
	cr_assert_eq(dir_entries(path), 0);
	put(join(out, top, "file"), SECRET);
	cr_assert_eq(outdir_open(&d, out, NULL), -1);
	assert_content(out, SECRET);
}

Test(outdir, a_subdirectory_is_made_anew_never_through_a_link)
{
	char top[PATH_MAX], out[PATH_MAX], path[PATH_MAX], victim[PATH_MAX];
	struct outdir d, sub;

	make_top(top);
	cr_assert_eq(mkdir(join(victim, top, "victim"), 0700), 0);
	cr_assert_eq(outdir_open(&d, join(out, top, "out"), NULL), 0);
	cr_assert_eq(symlink(victim, join(path, out, "cell")), 0);
	cr_assert_eq(outdir_make_sub(&sub, &d, "cell"), -EEXIST);
	cr_assert_eq(outdir_make_sub(&sub, &d, "cell2"), 0);
	cr_assert_eq(outdir_write(&sub, "f", "x", 1, 0644), 0);
	assert_content(join(path, out, "cell2/f"), "x");
	outdir_close(&sub);
	outdir_close(&d);
}

Test(outdir, reads_refuse_links_and_fifos)
{
	char top[PATH_MAX], out[PATH_MAX], path[PATH_MAX], target[PATH_MAX];
	struct outdir d;
	size_t len;
	char *text;

	make_top(top);
	put(join(target, top, "target"), SECRET);
	cr_assert_eq(outdir_open(&d, join(out, top, "out"), NULL), 0);
	cr_assert_eq(symlink(target, join(path, out, "stderr.txt")), 0);
	cr_assert_null(outdir_read(&d, "stderr.txt", &len));
	cr_assert_eq(mkfifo(join(path, out, "stdout.txt"), 0644), 0);
	cr_assert_null(outdir_read(&d, "stdout.txt", &len), "a FIFO would block");
	put(join(path, out, "report.json"), "{}\n");
	text = outdir_read(&d, "report.json", &len);
	cr_assert_str_eq(text, "{}\n");
	free(text);
	outdir_close(&d);
}

Test(outdir, remove_stays_inside_the_tree)
{
	char top[PATH_MAX], out[PATH_MAX], path[PATH_MAX], outside[PATH_MAX];
	struct outdir d;

	make_top(top);
	cr_assert_eq(mkdir(join(outside, top, "outside"), 0755), 0);
	put(join(path, outside, "keep"), SECRET);
	cr_assert_eq(outdir_open(&d, join(out, top, "out"), NULL), 0);
	cr_assert_eq(mkdir(join(path, out, "scratch"), 0755), 0);
	cr_assert_eq(mkdir(join(path, out, "scratch/a"), 0755), 0);
	put(join(path, out, "scratch/a/f"), "x");
	cr_assert_eq(symlink(outside, join(path, out, "scratch/a/link")), 0);
	cr_assert_eq(outdir_remove(&d, "scratch"), 0);
	cr_assert_neq(access(join(path, out, "scratch"), F_OK), 0);
	assert_content(join(path, outside, "keep"), SECRET);
	cr_assert_eq(outdir_remove(&d, "scratch"), 0, "absent is fine");
	outdir_close(&d);
}
