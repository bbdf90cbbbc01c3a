/* `conctrace run` end to end (root): small matrices at --size quick, a failing cell, net cells
 * against the in-process latency server, and the refusal without privileges.
 * Env: CONCTRACE, the binary (its workloads are found beside it). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "model/report_json.h"

#define NOBODY_UID 65534

/* A fresh output directory under a private temporary one that every user may enter: the
 * workloads run as $SUDO_USER or nobody, never as root. */
static void make_outdir(char *out, size_t size)
{
	char tmp[] = "/tmp/conctrace-run-test-XXXXXX";

	cr_assert_not_null(mkdtemp(tmp));
	cr_assert_eq(chmod(tmp, 0755), 0);
	snprintf(out, size, "%s/out", tmp);
}

/* Removes make_outdir()'s temporary directory. */
static void remove_outdir(const char *outdir)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strrchr(outdir, '/') - outdir), outdir);
	cr_assert_eq(system(cmd), 0);
}

/* Starts `conctrace run ARGS... -o OUTDIR` (as UID when non-zero). */
static pid_t start_run(const char *outdir, uid_t uid, const char *const *args)
{
	const char *conctrace = getenv("CONCTRACE");
	const char *argv[32] = { conctrace, "run" };
	int argc = 2;
	pid_t pid;

	cr_assert_not_null(conctrace, "set CONCTRACE to the conctrace binary");
	for (; *args; args++)
		argv[argc++] = *args;
	argv[argc++] = "-o";
	argv[argc++] = outdir;
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, STDOUT_FILENO);
		if (uid && setuid(uid))
			_exit(126);
		execv(conctrace, (char **)argv);
		_exit(127);
	}
	return pid;
}

/* The exit status of start_run()'s PID. */
static int wait_run(pid_t pid)
{
	int status;

	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "conctrace run died: status %#x", status);
	return WEXITSTATUS(status);
}

static int conctrace_run(const char *outdir, uid_t uid, const char *const *args)
{
	return wait_run(start_run(outdir, uid, args));
}

static json_t *load_index(const char *outdir)
{
	char path[PATH_MAX];
	json_error_t err;
	json_t *index;

	snprintf(path, sizeof(path), "%s/index.json", outdir);
	index = json_load_file(path, 0, &err);
	cr_assert_not_null(index, "%s: %s", path, err.text);
	return index;
}

/* Every cell ok with a loadable report, all with the same result; returns that result. */
static const json_t *check_ok_cells(const char *outdir, const json_t *cells, size_t expected)
{
	const json_t *first = json_object_get(json_array_get(cells, 0), "result");
	const json_t *cell;
	size_t i;

	cr_assert_eq(json_array_size(cells), expected);
	cr_assert(json_is_object(first));
	json_array_foreach(cells, i, cell) {
		char path[PATH_MAX], err[256];
		struct run_model m;

		cr_assert_str_eq(json_string_value(json_object_get(cell, "status")), "ok", "cell %zu", i);
		cr_assert(json_equal(json_object_get(cell, "result"), first), "cell %zu: other result", i);
		cr_assert(json_is_false(json_object_get(cell, "result_differs")));
		cr_assert_gt(json_real_value(json_object_get(cell, "wall_s")), 0);
		snprintf(path, sizeof(path), "%s/%s", outdir, json_string_value(json_object_get(cell, "report")));
		model_init(&m);
		cr_assert_eq(report_load(path, &m, err, sizeof(err)), 0, "%s: %s", path, err);
		cr_assert_gt(m.n_threads, 0);
		model_free(&m);
	}
	return first;
}

Test(run, disk_python_sync_and_processes, .timeout = 60)
{
	static const char *const args[] = { "--size", "quick", "--workloads", "disk", "--runtimes", "python",
					    "--models", "sync,processes", NULL };
	char outdir[PATH_MAX], scratch[PATH_MAX + 32];
	const json_t *result;
	json_t *index;

	make_outdir(outdir, sizeof(outdir));
	cr_assert_eq(conctrace_run(outdir, 0, args), 0);
	index = load_index(outdir);
	cr_assert(json_is_false(json_object_get(index, "interrupted")));
	result = check_ok_cells(outdir, json_object_get(index, "cells"), 2);
	cr_assert_eq(json_integer_value(json_object_get(result, "files")), 40);
	snprintf(scratch, sizeof(scratch), "%s/scratch/disk-python-sync", outdir);
	cr_assert_neq(access(scratch, F_OK), 0, "the disk files are removed after the cell");
	json_decref(index);
	remove_outdir(outdir);
}

/* SIGINT during the first cell (~40 s of CPU-bound Python unless cut) ends the run with 130: the
 * cell's report is complete and marked, the index says the run and that cell were interrupted,
 * and the next cell never ran. */
Test(run, interrupt_marks_the_cell_and_the_index, .timeout = 60)
{
	static const char *const args[] = { "--workloads", "cpu", "--runtimes", "python", "--models",
					    "sync,threads", "--num", "30", "--count", "400", NULL };
	char outdir[PATH_MAX], path[2 * PATH_MAX], err[256];
	const json_t *cells;
	struct run_model m;
	json_t *index;
	pid_t pid;

	make_outdir(outdir, sizeof(outdir));
	pid = start_run(outdir, 0, args);
	sleep(3);
	kill(pid, SIGINT);
	cr_assert_eq(wait_run(pid), 130);
	index = load_index(outdir);
	cr_assert(json_is_true(json_object_get(index, "interrupted")));
	cells = json_object_get(index, "cells");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(cells, 0), "status")), "interrupted");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(cells, 1), "status")), "pending");
	snprintf(path, sizeof(path), "%s/%s", outdir,
		 json_string_value(json_object_get(json_array_get(cells, 0), "report")));
	model_init(&m);
	cr_assert_eq(report_load(path, &m, err, sizeof(err)), 0, "%s: %s", path, err);
	cr_assert(m.meta.interrupted);
	cr_assert_gt(m.n_threads, 0);
	model_free(&m);
	json_decref(index);
	remove_outdir(outdir);
}

Test(run, failing_cells_are_reported_and_the_matrix_goes_on, .timeout = 60)
{
	static const char *const args[] = { "--size", "quick", "--workloads", "cpu,disk", "--runtimes", "python",
					    "--models", "sync,threads", "--python", "/bin/false", NULL };
	char outdir[PATH_MAX];
	json_t *index, *cells;
	const json_t *cell;
	size_t i;

	make_outdir(outdir, sizeof(outdir));
	cr_assert_eq(conctrace_run(outdir, 0, args), 1, "exit status 1 when a cell failed");
	index = load_index(outdir);
	cells = json_object_get(index, "cells");
	cr_assert_eq(json_array_size(cells), 4, "every cell ran");
	json_array_foreach(cells, i, cell) {
		cr_assert_str_eq(json_string_value(json_object_get(cell, "status")), "failed");
		cr_assert_str_eq(json_string_value(json_object_get(cell, "reason")), "exit status 1");
		cr_assert_eq(json_integer_value(json_object_get(cell, "exit_status")), 1);
	}
	json_decref(index);
	remove_outdir(outdir);
}

Test(run, net_against_the_in_process_server, .timeout = 60)
{
	static const char *const args[] = { "--size", "quick", "--workloads", "net", "--models", "sync,asyncio",
					    "--requests", "6", NULL };
	char outdir[PATH_MAX];
	json_t *index, *cells;

	make_outdir(outdir, sizeof(outdir));
	cr_assert_eq(conctrace_run(outdir, 0, args), 0);
	index = load_index(outdir);
	cells = json_object_get(index, "cells");
	cr_assert_eq(json_array_size(cells), 4);
	/* The python pair, then the C pair: each pair agrees, every request answered. */
	for (size_t runtime = 0; runtime < 2; runtime++) {
		json_t *pair = json_pack("[O, O]", json_array_get(cells, 2 * runtime),
					 json_array_get(cells, 2 * runtime + 1));
		const json_t *result = check_ok_cells(outdir, pair, 2);

		cr_assert_eq(json_integer_value(json_object_get(result, "ok")), 6);
		json_decref(pair);
	}
	json_decref(index);
	remove_outdir(outdir);
}

/* The workload user owns the run directory. A stand-in for Python, run as nobody in the first
 * cell, links index.json to a root 0600 file and the second cell's directory to a root 0700
 * directory: index.json replaces its link; the second cell fails without following or giving
 * away its link; neither root-owned target changes. */
Test(run, planted_links_are_never_followed_nor_given_away, .timeout = 60)
{
	static const char secret[] = "root's own file\n";
	char outdir[PATH_MAX], top[PATH_MAX], victim[] = "/tmp/conctrace-victim-XXXXXX";
	char file[PATH_MAX + 16], planter[PATH_MAX + 16], script[4 * PATH_MAX], path[PATH_MAX + 32];
	const char *args[] = { "--size", "quick", "--workloads", "cpu", "--runtimes", "python", "--models",
			       "sync,threads", "--python", planter, NULL };
	const json_t *cells;
	json_t *index;
	struct stat st;
	char *text;
	int fd;

	make_outdir(outdir, sizeof(outdir));
	snprintf(top, sizeof(top), "%.*s", (int)(strrchr(outdir, '/') - outdir), outdir);
	cr_assert_not_null(mkdtemp(victim));
	snprintf(file, sizeof(file), "%s/secret", victim);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert(fd >= 0 && write(fd, secret, strlen(secret)) == (ssize_t)strlen(secret));
	close(fd);
	snprintf(planter, sizeof(planter), "%s/planter.sh", top);
	snprintf(script, sizeof(script), "#!/bin/sh\nln -s %s %s/index.json\nln -s %s %s/cells/cpu-python-threads\n",
		 file, outdir, victim, outdir);
	fd = open(planter, O_WRONLY | O_CREAT | O_EXCL, 0755);
	cr_assert(fd >= 0 && write(fd, script, strlen(script)) == (ssize_t)strlen(script));
	close(fd);
	cr_assert_eq(conctrace_run(outdir, 0, (const char *const *)args), 1, "the cells fail");
	text = read_file(file, NULL);
	cr_assert_str_eq(text, secret, "the root-owned file was written");
	free(text);
	cr_assert(!stat(file, &st) && st.st_uid == 0 && (st.st_mode & 07777) == 0600);
	cr_assert(!stat(victim, &st) && st.st_uid == 0 && (st.st_mode & 07777) == 0700,
		  "the root-owned directory was given away");
	snprintf(path, sizeof(path), "%s/report.json", victim);
	cr_assert_neq(access(path, F_OK), 0, "a cell wrote into the root-owned directory");
	snprintf(path, sizeof(path), "%s/index.json", outdir);
	cr_assert(!lstat(path, &st) && S_ISREG(st.st_mode) && st.st_uid == NOBODY_UID);
	index = load_index(outdir);
	cells = json_object_get(index, "cells");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(cells, 0), "reason")),
			 "no result line on stdout");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(cells, 1), "reason")),
			 "cannot create cells/cpu-python-threads: File exists");
	json_decref(index);
	snprintf(path, sizeof(path), "rm -rf '%s'", victim);
	cr_assert_eq(system(path), 0);
	remove_outdir(outdir);
}

Test(run, refuses_without_privileges_and_writes_nothing, .timeout = 30)
{
	static const char *const args[] = { "--size", "quick", NULL };
	char outdir[PATH_MAX];

	make_outdir(outdir, sizeof(outdir));
	cr_assert_eq(conctrace_run(outdir, NOBODY_UID, args), 2);
	cr_assert_neq(access(outdir, F_OK), 0, "no output without privileges");
	remove_outdir(outdir);
}
