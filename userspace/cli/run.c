/* conctrace run: every selected workload x runtime x model, traced one after another, then a table
 * per workload and DIR/index.json. The pure parts live in matrix.c and matrix_report.c. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "base/outdir.h"
#include "cli/run.h"
#include "matrix/compare.h"
#include "matrix/index.h"
#include "matrix/predictions.h"
#include "matrix/rows.h"
#include "matrix/matrix_html.h"
#include "matrix/run_summary.h"
#include "matrix/matrix.h"
#include "cli/record.h"
#include "cli/usage.h"
#include "model/report_json.h"
#include "matrix/run_progress.h"
#include "matrix/serve.h"
#include "base/util.h"

#define RESULT_LINE_MAX 65536

/* Where everything of one run lives. The directories are open descriptors (base/outdir.h): the
 * workload user owns them and may rename or replace entries while the run goes on. */
struct run_env {
	const struct run_opts *o;
	char outdir[PATH_MAX];
	struct outdir out, cells, scratch, workloads;
	char script[PATH_MAX], cwork[PATH_MAX];
	/* The workloads run as this user, never as root. A copy: getpwnam()'s result is overwritten
	 * by the next lookup (record_session makes one). */
	char user[64];
	uid_t uid;
	gid_t gid;
};

/* DIR/NAME into OUT (PATH_MAX bytes). The output directory's length is checked up front, so
 * paths under it always fit. */
static void join_path(char *out, const char *dir, const char *name)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		out[0] = '\0';
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The first of PATTERNS (relative to the binary's directory) that exists, into OUT. */
static bool find_beside_binary(const char *bindir, const char *const *patterns, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		join_path(out, bindir, patterns[i]);
		if (is_file(out))
			return true;
	}
	return false;
}

/* The workloads beside the binary: a source tree (./conctrace or build/conctrace) or an install
 * (PREFIX/bin/conctrace with PREFIX/share/conctrace/workloads and PREFIX/lib/conctrace/cwork). */
static int find_workloads(struct run_env *env)
{
	static const char *const scripts[] = {
		"workloads/python/conc_work.py", "../workloads/python/conc_work.py",
		"../share/conctrace/workloads/python/conc_work.py",
	};
	static const char *const cworks[] = {
		"build/workloads/cwork", "workloads/cwork", "../lib/conctrace/cwork",
	};
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (len < 0) {
		errmsg("cannot read /proc/self/exe: %s", strerror(errno));
		return -1;
	}
	exe[len] = '\0';
	dirname(exe);
	if (env->o->runtimes[RT_PYTHON] && !find_beside_binary(exe, scripts, ARRAY_LEN(scripts), env->script)) {
		errmsg("cannot find workloads/python/conc_work.py beside %s (make install puts it in "
		       "PREFIX/share/conctrace/workloads)", exe);
		return -1;
	}
	if (env->o->runtimes[RT_C] && !find_beside_binary(exe, cworks, ARRAY_LEN(cworks), env->cwork)) {
		errmsg("cannot find the C workload cwork beside %s (run make, or make install)", exe);
		return -1;
	}
	return 0;
}

/* $SUDO_USER; when root ran us directly, nobody (workloads never run as root); else ourselves. */
static int find_user(struct run_env *env)
{
	const char *name = getenv("SUDO_USER");
	const struct passwd *pw;

	if (!name || !*name || !strcmp(name, "root"))
		name = geteuid() == 0 ? "nobody" : NULL;
	pw = name ? getpwnam(name) : getpwuid(getuid());
	if (!pw || snprintf(env->user, sizeof(env->user), "%s", pw->pw_name) >= (int)sizeof(env->user)) {
		errmsg("no usable user to run the workloads as: '%s'", name ? name : "(current uid)");
		return -1;
	}
	env->uid = pw->pw_uid;
	env->gid = pw->pw_gid;
	return 0;
}

/* Whether the workload user has MODE access to PATH (every parent must be searchable). */
static bool user_can(const struct run_env *env, const char *path, int mode)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(setgid(env->gid) || setuid(env->uid) || access(path, mode) ? 1 : 0);
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Creates the directory NAME in PARENT for the workload user; 0, or -1 after a one-line error. */
static int make_user_dir(struct outdir *d, const struct outdir *parent, const char *name)
{
	int rc = outdir_make_sub(d, parent, name);

	if (rc)
		errmsg("cannot create directory '%s/%s': %s", parent->path, name, strerror(-rc));
	return rc ? -1 : 0;
}

/* DIR (an existing one is never given away; one holding an earlier run is kept as DIR.old), and
 * in it cells/ (a directory per cell) and scratch/ (the disk files), both of which the workload
 * user must be able to write in. */
static int make_outdirs(struct run_env *env)
{
	struct outdir *subdirs[] = { &env->cells, &env->scratch };
	static const char *const names[] = { "cells", "scratch" };
	char path[PATH_MAX];

	if (env->o->outdir) {
		snprintf(env->outdir, sizeof(env->outdir), "%s", env->o->outdir);
	} else {
		time_t now = time(NULL);

		strftime(env->outdir, sizeof(env->outdir), "conctrace-run-%Y%m%d-%H%M%S", localtime(&now));
	}
	if (strlen(env->outdir) > PATH_MAX - 256) {
		errmsg("output directory name too long: '%s'", env->outdir);
		return -1;
	}
	if (outdir_open(&env->out, env->outdir, &(struct outdir_owner){ env->uid, env->gid }))
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(subdirs); i++) {
		join_path(path, env->outdir, names[i]);
		if (make_user_dir(subdirs[i], &env->out, names[i]))
			return -1;
		if (!user_can(env, path, W_OK | X_OK)) {
			errmsg("user %s cannot write in '%s' (it, or a directory above it, is closed to them); "
			       "choose another -o", env->user, path);
			return -1;
		}
	}
	return 0;
}

/* Copies the workload at PATH into DIR/workloads when the workload user cannot use it where it
 * is (a checkout under a private home, say), and points PATH at the copy. */
static int reachable_workload(struct run_env *env, char *path, int mode)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char copy[PATH_MAX];
	size_t len;
	char *data;
	int rc;

	if (!path[0] || user_can(env, path, mode))
		return 0;
	data = read_file(path, &len);
	if (!data || (env->workloads.fd < 0 && make_user_dir(&env->workloads, &env->out, "workloads"))) {
		errmsg("cannot copy the workload '%s' where %s can run it", path, env->user);
		free(data);
		return -1;
	}
	rc = outdir_write(&env->workloads, name, data, len, mode & X_OK ? 0755 : 0644);
	free(data);
	join_path(copy, env->workloads.path, name);
	if (rc) {
		errmsg("cannot write '%s': %s", copy, strerror(-rc));
		return -1;
	}
	snprintf(path, PATH_MAX, "%s", copy);
	return 0;
}

/* So every cell starts from a cold page cache; sync first, or dirty pages stay cached. */
static void drop_caches(void)
{
	FILE *f;

	sync();
	f = fopen("/proc/sys/vm/drop_caches", "w");
	if (!f || fputs("3\n", f) < 0 || fclose(f))
		errmsg("warning: cannot drop the page cache: %s", strerror(errno));
}

/* The last non-empty line of the file NAME in CELL (at most LEN-1 characters of it), or "". */
static void last_line(const struct outdir *cell, const char *name, char *out, size_t len)
{
	char *text = outdir_read(cell, name, NULL), *end, *start;

	out[0] = '\0';
	if (!text)
		return;
	end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		*--end = '\0';
	start = strrchr(text, '\n');
	snprintf(out, len, "%s", start ? start + 1 : text);
	free(text);
}

/* The workload's one JSON line on stdout: its "result" object, or NULL. */
static json_t *read_result(const struct outdir *cell)
{
	char line[RESULT_LINE_MAX];
	json_t *root, *result;

	last_line(cell, "stdout.txt", line, sizeof(line));
	root = json_loads(line, 0, NULL);
	result = json_incref(json_object_get(root, "result"));
	json_decref(root);
	return result;
}

/* The cell's statistics from its report; *CUT when that report says its run was cut short. */
static void load_stats(struct cell *c, const struct outdir *cell, bool *cut)
{
	char *text = outdir_read(cell, "report.json", NULL), err[200];
	json_t *root = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
	struct run_model m;

	model_init(&m);
	snprintf(err, sizeof(err), "%s", text ? "not JSON" : strerror(errno));
	if (root && model_from_json(root, &m, err, sizeof(err)) == 0) {
		cell_stats_of(&m, &c->stats);
		c->has_stats = true;
		*cut = m.meta.interrupted;
	} else {
		snprintf(c->reason, sizeof(c->reason), "no report: report.json: %s", err);
	}
	model_free(&m);
	json_decref(root);
	free(text);
}

/* Sets the cell's status and reason from what its run left behind in CELL; they are the workload
 * user's files, read without following a link. */
static void judge_cell(const struct run_env *env, struct cell *c, const struct outdir *cell)
{
	char stderr_line[200];
	bool cut = false;

	load_stats(c, cell, &cut);
	c->result = read_result(cell);
	last_line(cell, "stderr.txt", stderr_line, sizeof(stderr_line));
	c->status = CELL_FAILED;
	/* A cell whose command had ended before Ctrl-C came is judged as any other. */
	if (record_interrupted() && (cut || !c->has_stats)) {
		c->status = CELL_INTERRUPTED;
	} else if (cut) {
		snprintf(c->reason, sizeof(c->reason), "timed out after %gs (--cell-timeout)",
			 env->o->cell_timeout_s);
	} else if (c->exit_status != 0) {
		snprintf(c->reason, sizeof(c->reason), "exit status %d%s%s", c->exit_status,
			 stderr_line[0] ? ": " : "", stderr_line);
	} else if (!c->result) {
		snprintf(c->reason, sizeof(c->reason), "no result line on stdout");
	} else if (c->has_stats) {
		c->status = CELL_OK;
	}
}

/* Runs ARGV traced, as the workload user, its stdout and stderr into files of CELL: the shell
 * opens them as that user, then becomes the workload (same pid). Returns its exit status. */
static int record_cell(const struct run_env *env, char **argv, const struct outdir *cell)
{
	static const char redirect[] = "out=$1 err=$2; shift 2; exec \"$@\" >\"$out\" 2>\"$err\"";
	char out[PATH_MAX], err[PATH_MAX];
	char *prefix[] = { "/bin/sh", "-c", (char *)redirect, "sh", out, err };
	size_t argc = 0;
	char **cmd;
	int rc;

	while (argv[argc])
		argc++;
	cmd = xcalloc(ARRAY_LEN(prefix) + argc + 1, sizeof(*cmd));
	memcpy(cmd, prefix, sizeof(prefix));
	memcpy(cmd + ARRAY_LEN(prefix), argv, argc * sizeof(*argv));
	join_path(out, cell->path, "stdout.txt");
	join_path(err, cell->path, "stderr.txt");
	rc = record_session(&(struct record_opts){
		.outdir = cell->path, .freq_hz = 99, .user = env->user, .quiet = true,
		.offcpu_stacks = true, .syscall_stats = true, .timeline = true, .timeout_s = env->o->cell_timeout_s, .cmd = cmd,
		.shown_cmd = argv,
	}, cell);
	free(cmd);
	return rc;
}

static void run_cell(const struct run_env *env, struct cell *c)
{
	char scratch[PATH_MAX], url[64] = "";
	struct latency_server_opts so = { .delay_ms = env->o->params.net_delay_ms,
					  .body_size = env->o->params.net_size };
	struct latency_server *server = NULL;
	struct cell_paths paths = { env->script, env->cwork, scratch, url };
	struct outdir cell;
	char **argv;
	int rc;

	join_path(scratch, env->scratch.path, c->name);
	c->status = CELL_FAILED;
	/* Made anew: the workload user may have put anything at that name, a link included. */
	if ((rc = outdir_make_sub(&cell, &env->cells, c->name))) {
		snprintf(c->reason, sizeof(c->reason), "cannot create cells/%s: %s", c->name, strerror(-rc));
		return;
	}
	if (c->workload == WL_NET) {
		server = latency_server_start(&so, c->reason, sizeof(c->reason));
		if (!server) {
			outdir_close(&cell);
			return;
		}
		snprintf(url, sizeof(url), "http://127.0.0.1:%u/", latency_server_port(server));
	}
	if (env->o->drop_caches)
		drop_caches();
	argv = cell_command(env->o, c, &paths);
	c->exit_status = record_cell(env, argv, &cell);
	argv_free(argv);
	if (server)
		latency_server_stop(server);
	judge_cell(env, c, &cell);
	outdir_close(&cell);
	if (c->workload == WL_DISK && !env->o->keep_files && (rc = outdir_remove(&env->scratch, c->name)))
		errmsg("warning: cannot remove '%s': %s", scratch, strerror(-rc));
}

/* DIR/index.json and DIR/index.html; the last lines of the run's output say where they are. */
static int write_index(const struct run_env *env, const struct cell *cells, size_t n, bool interrupted,
		       const struct matrix_predictions *predictions, const struct calibration *cal)
{
	json_t *index = index_json(env->o, cells, n, interrupted);
	char path[PATH_MAX], page[PATH_MAX], *text;
	int rc;

	if (predictions)
		predictions_add_json(index, predictions, cal);
	text = json_dumps(index, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(index);
	join_path(path, env->outdir, "index.json");
	rc = text ? outdir_write(&env->out, "index.json", text, strlen(text), 0644) : -ENOMEM;
	free(text);
	if (rc) {
		errmsg("cannot write %s: %s", path, strerror(-rc));
		return -1;
	}
	join_path(page, env->outdir, "index.html");
	if (export_matrix_html(&env->out, "index.html", env->o, cells, n, ""))
		return -1;
	fprintf(stdout, "\ndata: %s (one report per cell in %s/cells)\n", path, env->outdir);
	fprintf(stdout, "page: %s (self-contained: open it in any browser, with or without network)\n", page);
	return 0;
}

static int parse_or_usage(int argc, char **argv, struct run_opts *o)
{
	char err[256];

	switch (run_parse(argc, argv, o, err, sizeof(err))) {
	case PARSE_HELP:
		fputs(run_usage, stdout);
		return 0;
	case PARSE_ERROR:
		return usage_error("run", "%s", err);
	case PARSE_OK:
		break;
	}
	return -1;
}

/* 0 when every cell was ok and agreed, 1 when one failed or disagreed, 130 when interrupted. */
static int run_status(const struct cell *cells, size_t n, bool interrupted)
{
	if (interrupted)
		return 130;
	for (size_t i = 0; i < n; i++)
		if (cells[i].status != CELL_OK || cells[i].result_differs)
			return 1;
	return 0;
}

/* Closes the output directories of ENV; returns RC. */
static int close_env(struct run_env *env, int rc)
{
	struct outdir *dirs[] = { &env->out, &env->cells, &env->scratch, &env->workloads };

	for (size_t i = 0; i < ARRAY_LEN(dirs); i++)
		outdir_close(dirs[i]);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct run_env env = { .o = &o, .out.fd = -1, .cells.fd = -1, .scratch.fd = -1, .workloads.fd = -1 };
	struct matrix_predictions predictions;
	struct calibration cal;
	struct progress *progress;
	struct cell *cells;
	bool interrupted = false, predicted;
	size_t n, done = 0;
	int rc = parse_or_usage(argc, argv, &o);

	if (rc >= 0)
		return rc;
	rc = record_check_environment();
	if (rc)
		return rc;
	if (find_workloads(&env) || find_user(&env) || make_outdirs(&env) ||
	    reachable_workload(&env, env.script, R_OK) || reachable_workload(&env, env.cwork, X_OK))
		return close_env(&env, 2);
	n = matrix_cells(&o, &cells);
	progress = progress_start(cells, n);
	for (; done < n && !(interrupted = record_interrupted()); done++) {
		progress_begin_cell(progress, done);
		run_cell(&env, &cells[done]);
		progress_end_cell(progress, done);
	}
	interrupted = interrupted || record_interrupted();
	progress_stop(progress);
	flag_result_mismatches(cells, n);
	explain_cells(cells, n, env.outdir);
	run_summary_print(stdout, &o, cells, n, o.verbose);
	predicted = !matrix_predict(stdout, &o, cells, n, &cal, &predictions);
	rc = write_index(&env, cells, n, interrupted, predicted ? &predictions : NULL, &cal) ? 1 :
	     run_status(cells, n, interrupted);
	if (predicted)
		predictions_free(&predictions);
	cells_free(cells, n);
	return close_env(&env, rc);
}
