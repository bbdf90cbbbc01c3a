/* Traced programs with one injected bottleneck each: the explanation's top finding must name it.
 * (The pool-of-one-worker, blocked-event-loop and mutex cases are not here yet: on real runs
 * their top findings are not yet the expected ones.) */
#include <criterion/criterion.h>
#include <string.h>
#include "explain.h"
#include "harness.h"
#include "util.h"

static void assert_top_finding(char *const argv[], const char *dir, const char *expected)
{
	struct explanation *e = xcalloc(1, sizeof(*e));
	struct run_model m;

	cr_assert_eq(run_argv(argv, NULL, 0), 0);
	load_report(dir, &m);
	explain_run(&m, e);
	cr_assert_gt(e->n_findings, 0, "no finding at all");
	cr_assert_str_eq(e->findings[0].name, expected, "top finding %s: %s", e->findings[0].name,
			 e->findings[0].text);
	free(e);
	model_free(&m);
}

#define RECORD(dir, ...) ((char *const[]){ (char *)conctrace_bin(), "record", "-q", "-o", (char *)(dir), \
					    "--", __VA_ARGS__, NULL })

Test(findings, fsync_loop_is_disk_bound)
{
	const char *dir = fresh_dir("find-disk");

	assert_top_finding(RECORD(dir, (char *)prog("fsyncer"), "/tmp"), dir, "disk-bound");
}

Test(findings, more_busy_threads_than_cpus_saturate_the_runqueue)
{
	const char *dir = fresh_dir("find-runq");

	assert_top_finding(RECORD(dir, (char *)prog("busythreads")), dir, "runqueue-saturation");
}

Test(findings, cpu_bound_python_threads_are_gil_bound)
{
	const char *dir = fresh_dir("find-gil");
	char *py = getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";

	assert_top_finding(RECORD(dir, py, "-c",
		"import threading\n"
		"def spin():\n    n = 0\n    for i in range(3_000_000): n += i\n"
		"ts = [threading.Thread(target=spin) for _ in range(4)]\n"
		"[t.start() for t in ts]; [t.join() for t in ts]\n"), dir, "gil-bound");
}
