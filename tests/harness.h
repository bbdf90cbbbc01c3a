/* Helpers for tests that run the conctrace binary (env CONCTRACE), load its report and look at the
 * files it wrote. */
#ifndef CONCTRACE_TEST_HARNESS_H
#define CONCTRACE_TEST_HARNESS_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "model/model.h"
#include "model/report_json.h"

static inline const char *conctrace_bin(void)
{
	const char *bin = getenv("CONCTRACE");

	cr_assert(bin, "set CONCTRACE to the conctrace binary");
	return bin;
}

/* ENV/RELATIVE, where the environment variable ENV names a directory (a few at once stay valid). */
static inline const char *env_path(const char *env, const char *relative)
{
	static char path[4][512];
	static int next;
	const char *dir = getenv(env);

	cr_assert(dir, "set %s to the directory", env);
	next = (next + 1) % 4;
	snprintf(path[next], sizeof(path[next]), "%s/%s", dir, relative);
	return path[next];
}

/* A test program built from tests/progs (env PROGS: its build directory). */
static inline const char *prog(const char *name)
{
	return env_path("PROGS", name);
}

/* Removes DIR and everything in it. */
static inline void remove_dir(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* The number of entries in DIR besides . and .. */
static inline int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d, "%s", dir);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* A fresh directory under /tmp (not created: conctrace creates it). */
static inline const char *fresh_dir(const char *tag)
{
	static char dir[4][256];
	static int next;

	next = (next + 1) % 4;
	snprintf(dir[next], sizeof(dir[next]), "/tmp/conctrace-test-%s-%d-%d", tag, getpid(), next);
	if (!access(dir[next], F_OK))
		remove_dir(dir[next]);
	return dir[next];
}

/* Runs ARGV (NULL-terminated) with stdout and stderr to files under /tmp; returns the shell-style
 * exit status. STDOUT_COPY, when given, receives the first bytes of stdout. */
static inline int run_argv(char *const argv[], char *stdout_copy, size_t len)
{
	char out[128];
	pid_t pid;
	int status;

	snprintf(out, sizeof(out), "/tmp/conctrace-test-out-%d", getpid());
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		if (!getenv("TEST_VERBOSE"))
			dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (stdout_copy) {
		FILE *f = fopen(out, "r");
		size_t n = f ? fread(stdout_copy, 1, len - 1, f) : 0;

		stdout_copy[n] = 0;
		if (f)
			fclose(f);
	}
	unlink(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* `$CONCTRACE serve` on a free loopback port: its process, its output, its URL. */
struct test_server {
	pid_t pid;
	FILE *out;
	char url[128];
};

/* Starts the latency server answering after DELAY_MS with BODY_BYTES of body. */
static inline void test_server_start(struct test_server *server, int delay_ms, int body_bytes)
{
	char line[256], delay[16], size[16];
	int fds[2];

	snprintf(delay, sizeof(delay), "%d", delay_ms);
	snprintf(size, sizeof(size), "%d", body_bytes);
	cr_assert(pipe(fds) == 0 && (server->pid = fork()) >= 0, "pipe/fork failed");
	if (server->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);   /* a failed test must not leave it running */
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		execl(conctrace_bin(), conctrace_bin(), "serve", "--port", "0", "--delay", delay, "--size", size,
		      (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	server->out = fdopen(fds[0], "r");
	cr_assert(server->out && fgets(line, sizeof(line), server->out) &&
		  sscanf(line, "listening on %127s", server->url) == 1, "serve did not print 'listening on URL'");
}

static inline void test_server_stop(struct test_server *server)
{
	kill(server->pid, SIGTERM);
	waitpid(server->pid, NULL, 0);
	fclose(server->out);
}

/* Loads DIR/report.json into M, failing the test when it does not load. */
static inline void load_report(const char *dir, struct run_model *m)
{
	char path[512], err[256];

	snprintf(path, sizeof(path), "%s/report.json", dir);
	cr_assert_eq(report_load(path, m, err, sizeof(err)), 0, "report %s: %s", path, err);
}

/* Starts ARGV (NULL-terminated, ARGV[0] a path), lets it run SETTLE_US, records it attached with
 * `-p` for SECONDS into DIR, kills it and loads the report into M. */
static inline void record_attached(const char *dir, char *const argv[], useconds_t settle_us, const char *seconds,
				   struct run_model *m)
{
	char pid[16];
	pid_t child = fork();

	cr_assert(child >= 0);
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv(argv[0], argv);
		_exit(127);
	}
	usleep(settle_us);
	snprintf(pid, sizeof(pid), "%d", child);
	char *record[] = { (char *)conctrace_bin(), "record", "-q", "-o", (char *)dir, "-p", pid, "-d",
			   (char *)seconds, NULL };
	int rc = run_argv(record, NULL, 0);

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	cr_assert_eq(rc, 0, "conctrace record -p exited %d", rc);
	load_report(dir, m);
	cr_assert(m->meta.attach_mode);
}

#endif
