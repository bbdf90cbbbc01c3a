/* Integration test of workloads/: every workload under every model in both runtimes, at a
 * quick size. Each run must exit 0 and print one JSON line whose result is the same for all
 * models (and, for cpu, for both runtimes); disk files must really be there.
 * Env: WORKLOADS (<repo>/workloads), PYTHON (default /usr/bin/python3), CONCTRACE (the
 * binary: its `serve` is the latency server for net). */
#include <criterion/criterion.h>
#include "harness.h"
#include <dirent.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DISK_FILES 40
#define DISK_LINES 20
#define DISK_LINE_LENGTH 50
#define NET_REQUESTS 12
#define NET_BODY_SIZE 512

static const char *const MODELS[] = { "sync", "threads", "asyncio", "processes", "asyncio+processes" };
#define MODEL_COUNT (sizeof(MODELS) / sizeof(MODELS[0]))

/* The repository: WORKLOADS/.., else the directory holding CONCTRACE. */
static void repo_path(char *buf, size_t size, const char *relative)
{
	const char *workloads = getenv("WORKLOADS"), *conctrace = getenv("CONCTRACE");
	char dir[PATH_MAX];

	cr_assert(workloads || conctrace, "set WORKLOADS (<repo>/workloads) or CONCTRACE");
	if (workloads) {
		snprintf(buf, size, "%s/../%s", workloads, relative);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", conctrace);
	snprintf(buf, size, "%s/%s", dirname(dir), relative);
}

/* Runs argv with stdout captured into out; returns the wait status. */
static int run_captured(char *const *argv, char *out, size_t size)
{
	int fds[2], status;
	size_t used = 0;
	ssize_t n;
	pid_t pid;

	cr_assert(pipe(fds) == 0 && (pid = fork()) >= 0, "pipe/fork failed");
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s failed\n", argv[0]);
		_exit(127);
	}
	close(fds[1]);
	while (used + 1 < size && (n = read(fds[0], out + used, size - 1 - used)) > 0)
		used += n;
	out[used] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return status;
}

/* Runs one runtime ("python" or "c") under one model; returns its "result" object. */
static json_t *run_model(const char *runtime, const char *model, const char *const *params)
{
	char script[PATH_MAX], cwork[PATH_MAX], out[4096];
	const char *python = getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
	const char *argv[32];
	int argc = 0;

	repo_path(script, sizeof(script), "workloads/python/conc_work.py");
	repo_path(cwork, sizeof(cwork), "build/workloads/cwork");
	if (!strcmp(runtime, "python")) {
		argv[argc++] = python;
		argv[argc++] = script;
	} else {
		argv[argc++] = cwork;
	}
	argv[argc++] = "--model";
	argv[argc++] = model;
	while (*params && argc < 31)
		argv[argc++] = *params++;
	argv[argc] = NULL;

	int status = run_captured((char *const *)argv, out, sizeof(out));
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s %s: exit status %d",
		  runtime, model, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	cr_assert(strchr(out, '\n') == out + strlen(out) - 1, "%s %s: not one line: %s", runtime, model, out);

	json_error_t error;
	json_t *line = json_loads(out, 0, &error);
	cr_assert(line, "%s %s: not JSON (%s): %s", runtime, model, error.text, out);
	cr_assert_str_eq(json_string_value(json_object_get(line, "runtime")), runtime);
	cr_assert_str_eq(json_string_value(json_object_get(line, "model")), model);
	cr_assert(json_integer_value(json_object_get(line, "workers")) >= 1, "%s %s: workers", runtime, model);
	cr_assert(json_is_number(json_object_get(line, "elapsed_s")), "%s %s: elapsed_s", runtime, model);

	json_t *result = json_incref(json_object_get(line, "result"));
	json_decref(line);
	cr_assert(json_is_object(result), "%s %s: no result object: %s", runtime, model, out);
	return result;
}

static void assert_result(const char *runtime, const char *model, json_t *result, json_t *expected)
{
	char *got = json_dumps(result, JSON_SORT_KEYS), *want = json_dumps(expected, JSON_SORT_KEYS);

	cr_assert(json_equal(result, expected), "%s %s: result %s, expected %s", runtime, model, got, want);
	free(got);
	free(want);
}

/* Every model gives the same result; returns it. */
static json_t *run_all_models(const char *runtime, const char *const *params)
{
	json_t *first = run_model(runtime, MODELS[0], params);

	for (size_t i = 1; i < MODEL_COUNT; i++) {
		json_t *result = run_model(runtime, MODELS[i], params);
		assert_result(runtime, MODELS[i], result, first);
		json_decref(result);
	}
	return first;
}

/* Exactly the expected files, each of the expected size; removes them and the directory. */
static void check_and_remove_files(const char *dir)
{
	long expected_size = DISK_LINES * (DISK_LINE_LENGTH + 1);
	char path[PATH_MAX + 300];
	struct dirent *entry;
	struct stat st;
	int count = 0;
	DIR *d = opendir(dir);

	cr_assert(d, "opendir %s failed", dir);
	while ((entry = readdir(d))) {
		if (entry->d_name[0] == '.')
			continue;
		int index = -1;
		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		cr_assert(sscanf(entry->d_name, "file_%5d.txt", &index) == 1 && index >= 0 &&
			  index < DISK_FILES, "unexpected file %s", path);
		cr_assert(stat(path, &st) == 0 && st.st_size == expected_size,
			  "%s: size %ld, expected %ld", path, (long)st.st_size, expected_size);
		unlink(path);
		count++;
	}
	closedir(d);
	rmdir(dir);
	cr_assert_eq(count, DISK_FILES, "%s held %d files, expected %d", dir, count, DISK_FILES);
}

static void test_disk(const char *runtime)
{
	char base[] = "/tmp/conctrace-workloads-XXXXXX", dir[sizeof(base) + 32];
	const char *params[] = { "--workload", "disk", "--files", "40", "--lines", "20",
				 "--line-length", "50", "--dir", dir, NULL };
	json_t *expected = json_pack("{s:i, s:i}", "files", DISK_FILES,
				     "bytes", DISK_FILES * DISK_LINES * (DISK_LINE_LENGTH + 1));

	cr_assert(mkdtemp(base), "mkdtemp failed");
	for (size_t i = 0; i < MODEL_COUNT; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", base, MODELS[i]);
		json_t *result = run_model(runtime, MODELS[i], params);
		assert_result(runtime, MODELS[i], result, expected);
		json_decref(result);
		check_and_remove_files(dir);
	}
	rmdir(base);
	json_decref(expected);
}

Test(workloads, disk_python, .timeout = 60) { test_disk("python"); }
Test(workloads, disk_c, .timeout = 60) { test_disk("c"); }

/* Both runtimes, every model: one value. */
static json_t *run_cpu(const char *const *params)
{
	json_t *python = run_all_models("python", params), *c = run_all_models("c", params);

	assert_result("c", "all models", c, python);
	json_decref(c);
	return python;
}

Test(workloads, cpu_triple, .timeout = 60)
{
	const char *params[] = { "--workload", "cpu", "--variant", "triple", "--num", "12",
				 "--count", "4", NULL };
	json_t *result = run_cpu(params);

	cr_assert_eq(json_integer_value(json_object_get(result, "tasks")), 4);
	json_decref(result);
}

Test(workloads, cpu_squares, .timeout = 60)
{
	const char *params[] = { "--workload", "cpu", "--variant", "squares", "--num", "20000",
				 "--count", "4", NULL };
	long long n = 20000;
	char expected[32];
	json_t *result = run_cpu(params);

	/* sum(i * i for i in range(n)) = (n - 1) n (2n - 1) / 6, four times */
	snprintf(expected, sizeof(expected), "%lld", 4 * ((n - 1) * n * (2 * n - 1) / 6));
	cr_assert_str_eq(json_string_value(json_object_get(result, "value")), expected);
	json_decref(result);
}

static void test_net(const char *runtime)
{
	struct test_server server;
	json_t *expected = json_pack("{s:i, s:i}", "ok", NET_REQUESTS, "bytes", NET_REQUESTS * NET_BODY_SIZE);

	test_server_start(&server, 20, NET_BODY_SIZE);
	const char *params[] = { "--workload", "net", "--url", server.url, "--requests", "12", NULL };
	json_t *result = run_all_models(runtime, params);
	test_server_stop(&server);
	assert_result(runtime, "all models", result, expected);
	json_decref(result);
	json_decref(expected);
}

Test(workloads, net_python, .timeout = 60) { test_net("python"); }
Test(workloads, net_c, .timeout = 60) { test_net("c"); }
