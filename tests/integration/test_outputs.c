/* What conctrace writes, as root, where the traced command's user (nobody here) can write too:
 * links planted at every output name (and at the old predictable temporary names) are replaced,
 * never followed; only what conctrace created is given away; an -o that is a link is refused; an
 * earlier output is kept as .old; a full file system or a failed push gives a non-zero exit and
 * no half-written file. Every test checks that a root-owned 0600 file in a root-owned 0700
 * directory, the target of the links, is untouched: content, owner and mode. Needs root. */
#include <errno.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "base/util.h"
#include "render/exports.h"
#include "harness.h"

#define NOBODY 65534
#define SECRET "root's own file\n"
#define OUTPUT_MAX 8192

/* A root-owned 0700 directory holding a root-owned 0600 file: what planted links point at. */
struct victim {
	char dir[64], file[96];
};

static void make_victim(struct victim *v)
{
	int fd;

	snprintf(v->dir, sizeof(v->dir), "/tmp/conctrace-victim-XXXXXX");
	cr_assert_not_null(mkdtemp(v->dir));
	snprintf(v->file, sizeof(v->file), "%s/secret", v->dir);
	fd = open(v->file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert(fd >= 0 && write(fd, SECRET, strlen(SECRET)) == (ssize_t)strlen(SECRET));
	close(fd);
}

static void assert_owned(const char *path, uid_t uid, mode_t mode)
{
	struct stat st;

	cr_assert_eq(lstat(path, &st), 0, "%s", path);
	cr_assert_eq(st.st_uid, uid, "%s: owner %u, not %u", path, st.st_uid, uid);
	cr_assert_eq(st.st_gid, uid ? NOBODY : 0, "%s: group %u", path, st.st_gid);
	if (mode)
		cr_assert_eq(st.st_mode & 07777, mode, "%s: mode %o", path, st.st_mode & 07777);
}

static void assert_untouched(const struct victim *v)
{
	char *text = read_file(v->file, NULL);

	cr_assert_str_eq(text, SECRET, "the root-owned file was written");
	free(text);
	assert_owned(v->dir, 0, 0700);
	assert_owned(v->file, 0, 0600);
	cr_assert_eq(dir_entries(v->dir), 1, "a file appeared in the root-owned directory");
	remove_dir(v->dir);
}

/* A fresh directory that nobody may enter (not write in), into TOP; outputs go under it. */
static void make_top(char *top, size_t len)
{
	snprintf(top, len, "/tmp/conctrace-outputs-XXXXXX");
	cr_assert_not_null(mkdtemp(top));
	cr_assert_eq(chmod(top, 0755), 0);
}

static void join(char *path, const char *dir, const char *name)
{
	cr_assert_lt(snprintf(path, PATH_MAX, "%s/%s", dir, name), PATH_MAX);
}

/* ARGV's exit status, all it printed into OUT. */
static int run_capture(char *const argv[], char *out)
{
	return run_argv(argv, out, OUTPUT_MAX);
}

static void assert_one_line(const char *out, const char *want)
{
	cr_assert(strstr(out, want), "'%s' lacks '%s'", out, want);
	cr_assert_eq(strchr(out, '\n'), out + strlen(out) - 1, "not one line: %s", out);
}

/* The audit's reproduction, for every output: the command (as nobody, who owns the new output
 * directory) links each output name, and the name the temporary file used to have, to root's file. */
Test(outputs, record_replaces_planted_links_and_gives_away_only_its_own_files, .timeout = 60)
{
	struct victim v;
	char top[64], dir[PATH_MAX], path[PATH_MAX], script[2048] = "", out[OUTPUT_MAX];
	const char *name;
	size_t len = 0;

	make_victim(&v);
	make_top(top, sizeof(top));
	join(dir, top, "D");
	for (size_t i = 0; (name = export_file_name(i)); i++)
		len += snprintf(script + len, sizeof(script) - len, "ln -s %s \"$0\"/%s; ln -s %s \"$0\"/%s.tmp.$PPID; ",
				v.file, name, v.file, name);
	/* a timeline and the JSON trace too: every name export_file_name lists is written */
	char *argv[] = { (char *)conctrace_bin(), "record", "-q", "--timeline", "--chrome-trace", "-u", "nobody",
			 "-o", dir, "--", "/bin/sh", "-c", script, dir, NULL };

	cr_assert_eq(run_capture(argv, out), 0, "%s", out);
	assert_untouched(&v);
	assert_owned(dir, NOBODY, 0);
	for (size_t i = 0; (name = export_file_name(i)); i++) {
		struct stat st;

		join(path, dir, name);
		cr_assert(!lstat(path, &st) && S_ISREG(st.st_mode), "%s is not a regular file", path);
		assert_owned(path, NOBODY, 0);
	}
	remove_dir(top);
}

/* A directory conctrace did not create is never given away: an empty one is used as it is, one
 * holding an earlier output is kept as .old, one holding anything else is refused. */
Test(outputs, record_never_gives_away_an_existing_directory, .timeout = 60)
{
	char top[64], dir[PATH_MAX], old[PATH_MAX], path[PATH_MAX], out[OUTPUT_MAX];
	char *argv[] = { (char *)conctrace_bin(), "record", "-q", "-u", "nobody", "-o", dir, "--", "true", NULL };
	struct victim v;

	make_top(top, sizeof(top));
	join(dir, top, "D");
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(run_capture(argv, out), 0, "%s", out);
	assert_owned(dir, 0, 0700);
	join(path, dir, "report.json");
	assert_owned(path, NOBODY, 0);
	/* again: D now holds an earlier output; it becomes D.old, untouched, and D is made anew */
	cr_assert_eq(run_capture(argv, out), 0, "%s", out);
	assert_one_line(out, ".old");
	join(old, top, "D.old");
	assert_owned(old, 0, 0700);
	assert_owned(dir, NOBODY, 0);
	/* a root 0700 directory of other files, the victim's: refused, left as it was */
	make_victim(&v);
	snprintf(dir, sizeof(dir), "%s", v.dir);
	cr_assert_eq(run_capture(argv, out), 2);
	assert_one_line(out, "holds files conctrace did not write");
	assert_untouched(&v);
	remove_dir(top);
}

Test(outputs, record_refuses_an_output_that_is_a_link, .timeout = 30)
{
	char top[64], link[PATH_MAX], out[OUTPUT_MAX];
	char *argv[] = { (char *)conctrace_bin(), "record", "-q", "-u", "nobody", "-o", link, "--", "true", NULL };
	struct victim v;

	make_victim(&v);
	make_top(top, sizeof(top));
	join(link, top, "L");
	cr_assert_eq(symlink(v.dir, link), 0);
	cr_assert_eq(run_capture(argv, out), 2, "%s", out);
	assert_one_line(out, "is a symbolic link");
	assert_untouched(&v);
	remove_dir(top);
}

static void assert_report_loads(const char *dir)
{
	struct run_model m;

	load_report(dir, &m);
	cr_assert_gt(m.n_threads, 0);
	model_free(&m);
}

/* Records into a tmpfs mounted at TOP/fs with OPTIONS, which has no room for every output: exit
 * status 1, one line naming WANT_ERROR, and WANT_FILES whole files (report.json loads), nothing
 * half-written. The tmpfs is unmounted before anything is asserted. */
static void record_on_a_full_tmpfs(const char *top, const char *options, int want_files, const char *want_error)
{
	char fs[PATH_MAX], dir[PATH_MAX], path[PATH_MAX], out[OUTPUT_MAX], err[256];
	char *argv[] = { (char *)conctrace_bin(), "record", "-q", "-o", dir, "--", "/bin/sleep", "0.1", NULL };
	struct run_model m;
	int rc, files;
	bool loads;

	join(fs, top, "fs");
	cr_assert_eq(mkdir(fs, 0755), 0);
	cr_assert_eq(mount("tmpfs", fs, "tmpfs", 0, options), 0, "mount %s: %s", options, strerror(errno));
	join(dir, fs, "D");
	rc = run_capture(argv, out);
	files = dir_entries(dir);
	join(path, dir, "report.json");
	model_init(&m);
	loads = report_load(path, &m, err, sizeof(err)) == 0 && m.n_threads > 0;
	model_free(&m);
	cr_assert_eq(umount(fs), 0);
	cr_assert_eq(rc, 1, "%s", out);
	assert_one_line(out, want_error);
	cr_assert_eq(files, want_files, "%d files, not %d: a temporary file was left", files, want_files);
	cr_assert(loads, "%s: %s", path, err);
}

/* Room for 8 inodes: the tmpfs, the output directory and the first 6 outputs (no timeline: no
 * timeline.bin nor trace); the flame graphs cannot be created. */
Test(outputs, no_room_for_the_flame_graphs_exits_1_and_leaves_whole_files, .timeout = 60)
{
	char top[64];

	make_top(top, sizeof(top));
	record_on_a_full_tmpfs(top, "size=1m,nr_inodes=8", 6, "oncpu.svg: No space left on device");
	remove_dir(top);
}

/* Room for report.json and a page or two: report.html fills the file system while it is written. */
Test(outputs, a_full_file_system_exits_1_and_leaves_no_half_written_file, .timeout = 60)
{
	char top[64], dir[PATH_MAX], path[PATH_MAX], out[OUTPUT_MAX], options[64];
	char *argv[] = { (char *)conctrace_bin(), "record", "-q", "-o", dir, "--", "/bin/sleep", "0.1", NULL };
	struct stat st;

	make_top(top, sizeof(top));
	join(dir, top, "measure");
	cr_assert_eq(run_capture(argv, out), 0, "%s", out);
	join(path, dir, "report.json");
	cr_assert_eq(stat(path, &st), 0);
	snprintf(options, sizeof(options), "size=%lldk", ((long long)st.st_size + 4095) / 4096 * 4 + 4);
	join(path, dir, "report.html");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_gt(st.st_size, 3 * 4096, "report.html must not fit in what is left");
	record_on_a_full_tmpfs(top, options, 1, "report.html: No space left on device");
	remove_dir(top);
}

Test(outputs, a_push_that_never_succeeds_exits_1_after_writing_the_report, .timeout = 60)
{
	char top[64], dir[PATH_MAX], out[OUTPUT_MAX];
	char *argv[] = { (char *)conctrace_bin(), "record", "-q", "-o", dir, "--push", "http://127.0.0.1:1",
			 "--", "/bin/sleep", "0.1", NULL };

	make_top(top, sizeof(top));
	join(dir, top, "D");
	cr_assert_eq(run_capture(argv, out), 1, "%s", out);
	assert_one_line(out, "push to http://127.0.0.1:1 failed");
	assert_report_loads(dir);
	remove_dir(top);
}

/* Root writing a file into a recording of nobody's (a page, a flame graph beside its report) gives it
 * to nobody, the directory's owner; into root's own directory it stays root's. */
Test(outputs, files_written_as_root_in_a_user_s_directory_are_the_user_s, .timeout = 60)
{
	char top[64], rec[PATH_MAX], page[PATH_MAX], svg[PATH_MAX], mine[PATH_MAX], out[OUTPUT_MAX];
	char *record[] = { (char *)conctrace_bin(), "record", "-q", "-u", "nobody", "-o", rec, "--", "/bin/sleep",
			   "0.1", NULL };
	char *report[] = { (char *)conctrace_bin(), "report", "-q", "--html", page, rec, NULL };
	char *flame[] = { (char *)conctrace_bin(), "report", "--svg", "oncpu", "-o", svg, rec, NULL };
	char *root_s[] = { (char *)conctrace_bin(), "report", "-q", "--html", mine, rec, NULL };

	make_top(top, sizeof(top));
	join(rec, top, "rec");
	join(page, rec, "again.html");
	join(svg, rec, "again.svg");
	join(mine, top, "mine.html");
	cr_assert_eq(run_capture(record, out), 0, "%s", out);
	assert_owned(rec, NOBODY, 0);
	cr_assert_eq(run_capture(report, out), 0, "%s", out);
	cr_assert_eq(run_capture(flame, out), 0, "%s", out);
	cr_assert_eq(run_capture(root_s, out), 0, "%s", out);
	assert_owned(page, NOBODY, 0);
	assert_owned(svg, NOBODY, 0);
	assert_owned(mine, 0, 0);
	remove_dir(top);
}

/* Every single-file output (report --html/--speedscope/--perfetto/--svg -o, diff --svg,
 * flamegraph -o) named where a link to root's file was planted; and report -o naming its source. */
Test(outputs, single_file_outputs_replace_planted_links, .timeout = 60)
{
	static const char *const files[] = { "x.html", "x.speedscope", "x.trace", "x.svg", "diff.svg", "flame.svg" };
	char top[64], rec[PATH_MAX], folded[PATH_MAX], p[6][PATH_MAX], out[OUTPUT_MAX];
	char *record[] = { (char *)conctrace_bin(), "record", "-q", "--timeline", "-o", rec, "--", "/bin/sleep", "0.1",
			   NULL };
	char *report[] = { (char *)conctrace_bin(), "report", "-q", "--html", p[0], "--speedscope", p[1],
			   "--perfetto", p[2], rec, NULL };
	char *svg[] = { (char *)conctrace_bin(), "report", "--svg", "wall", "-o", p[3], rec, NULL };
	char *diff[] = { (char *)conctrace_bin(), "diff", "--svg", p[4], rec, rec, NULL };
	char *flame[] = { (char *)conctrace_bin(), "flamegraph", "-o", p[5], folded, NULL };
	char *same[] = { (char *)conctrace_bin(), "report", "-q", "-o", rec, rec, NULL };
	struct victim v;
	struct stat st;

	make_victim(&v);
	make_top(top, sizeof(top));
	join(rec, top, "rec");
	join(folded, rec, "wall.folded");
	cr_assert_eq(run_capture(record, out), 0, "%s", out);
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		join(p[i], top, files[i]);
		cr_assert_eq(symlink(v.file, p[i]), 0);
	}
	cr_assert_eq(run_capture(report, out), 0, "%s", out);
	cr_assert_eq(run_capture(svg, out), 0, "%s", out);
	cr_assert_eq(run_capture(diff, out), 0, "%s", out);
	cr_assert_eq(run_capture(flame, out), 0, "%s", out);
	for (size_t i = 0; i < ARRAY_LEN(files); i++)
		cr_assert(!lstat(p[i], &st) && S_ISREG(st.st_mode) && st.st_size > 0, "%s", p[i]);
	cr_assert_eq(run_capture(same, out), 2);
	assert_one_line(out, "is the directory being read");
	assert_report_loads(rec);
	assert_untouched(&v);
	remove_dir(top);
}
