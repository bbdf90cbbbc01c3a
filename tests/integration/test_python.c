/* Python frames and GIL waits of `conctrace record` on small scripts run by Debian's CPython 3.11
 * (/usr/bin/python3). Needs root: it loads BPF. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <sys/stat.h>
#include "render/fold.h"
#include "harness.h"

#define PYTHON "/usr/bin/python3"

/* Writes TEXT to a script named NAME (frames show the file's name) in a scratch directory;
 * returns its path. */
static char scratch[128];

static const char *write_script(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(scratch, sizeof(scratch), "/tmp/conctrace-test-py-%d", getpid());
	mkdir(scratch, 0755);
	snprintf(path, sizeof(path), "%s/%s", scratch, name);
	f = fopen(path, "w");
	cr_assert(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Records SCRIPT with every switch-out's stacks captured, and loads the report. */
static void record_script(const char *dir, const char *script, struct run_model *m)
{
	char *const argv[] = { (char *)conctrace_bin(), "record", "-q", "-o", (char *)dir,
			       "--offcpu-stack-period", "0", "--", PYTHON, (char *)script, NULL };
	int rc = run_argv(argv, NULL, 0);

	unlink(script);
	rmdir(scratch);
	cr_assert_eq(rc, 0, "conctrace record exited %d", rc);
	load_report(dir, m);
}

/* The folded stacks of KIND, as one malloc'd text. */
static char *folded(const struct run_model *m, enum fold_kind kind, bool per_thread)
{
	struct symbolizer *s = symbolizer_new("/proc/kallsyms");
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	cr_assert(out);
	cr_assert_eq(fold_model(m, &(struct fold_opts){ .kind = kind, .group = per_thread ? FOLD_BY_THREAD : FOLD_BY_PROCESS },
				 s, out), 0);
	fclose(out);
	symbolizer_free(s);
	if (getenv("TEST_VERBOSE"))
		fputs(text, stderr);
	return text;
}

/* Whether a line of TEXT holds every one of the NULL-terminated fragments, in order. */
static bool has_line_with(const char *text, const char *const fragments[])
{
	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *end = strchr(line, '\n'), *at = line;
		size_t i = 0;

		for (; fragments[i]; i++) {
			at = strstr(at, fragments[i]);
			if (!at || (end && at > end))
				break;
			at += strlen(fragments[i]);
		}
		if (!fragments[i])
			return true;
	}
	return false;
}

static const struct model_process *python_process(const struct run_model *m)
{
	for (size_t i = 0; i < m->n_procs; i++)
		if (m->procs[i].python)
			return &m->procs[i];
	return NULL;
}

Test(python, cpu_hot_loop_shows_python_functions)
{
	const char *dir = fresh_dir("py-cpu");
	const char *script = write_script("cpu.py",
		"import time\n"
		"def leaf(n):\n"
		"    s = 0\n"
		"    for i in range(n):\n"
		"        s += i * i\n"
		"    return s\n"
		"def mid():\n"
		"    return leaf(200000)\n"
		"def outer():\n"
		"    end = time.monotonic() + 1.0\n"
		"    while time.monotonic() < end:\n"
		"        mid()\n"
		"outer()\n");
	struct run_model m;
	char *text;

	record_script(dir, script, &m);
	cr_assert_not_null(python_process(&m), "the interpreter was not recognised");
	cr_assert_str_eq(python_process(&m)->python, "3.11");
	text = folded(&m, FOLD_ONCPU, false);
	cr_assert(has_line_with(text, (const char *const[]){
		"python3;", "<module> (cpu.py:13);outer (cpu.py:", ";mid (cpu.py:8);leaf (cpu.py:", NULL }),
		"no on-CPU stack through outer;mid;leaf");
	cr_assert_null(strstr(text, "_PyEval_EvalFrameDefault;"), "interpreter frames were not replaced");
	free(text);
	model_free(&m);
}

Test(python, deep_stacks_are_truncated_visibly)
{
	const char *dir = fresh_dir("py-deep");
	const char *script = write_script("deep.py",
		"import time\n"
		"def down(n):\n"
		"    if n:\n"
		"        return down(n - 1)\n"
		"    end = time.monotonic() + 0.5\n"
		"    while time.monotonic() < end:\n"
		"        pass\n"
		"down(100)\n");
	struct run_model m;
	char *text;

	record_script(dir, script, &m);
	text = folded(&m, FOLD_ONCPU, false);
	cr_assert(has_line_with(text, (const char *const[]){ "python3;[truncated];down (deep.py:4);", NULL }),
		  "no truncated stack of down()");
	free(text);
	model_free(&m);
}

Test(python, sleep_shows_python_functions_in_timer_class)
{
	const char *dir = fresh_dir("py-sleep");
	const char *script = write_script("nap.py",
		"import time\n"
		"def napper():\n"
		"    for _ in range(5):\n"
		"        time.sleep(0.05)\n"
		"napper()\n");
	struct run_model m;
	char *text;

	record_script(dir, script, &m);
	text = folded(&m, FOLD_OFFCPU, false);
	cr_assert(has_line_with(text, (const char *const[]){
		"python3;<module> (nap.py:5);napper (nap.py:4);", "[timer] ", NULL }),
		"no off-CPU stack through napper in the timer class");
	free(text);
	model_free(&m);
}

Test(python, threads_wait_for_the_gil)
{
	const char *dir = fresh_dir("py-gil");
	const char *script = write_script("gil.py",
		"import threading\n"
		"def spin():\n"
		"    n = 0\n"
		"    for i in range(3_000_000):\n"
		"        n += i\n"
		"threads = [threading.Thread(target=spin) for _ in range(4)]\n"
		"for t in threads:\n"
		"    t.start()\n"
		"for t in threads:\n"
		"    t.join()\n");
	struct run_model m;
	uint64_t gil_ns = 0;
	char *text;

	record_script(dir, script, &m);
	for (size_t i = 0; i < m.n_threads; i++)
		gil_ns += m.threads[i].acct.ns[WC_GIL];
	cr_log_info("GIL wait %.3f s, %lld GIL switches", gil_ns / 1e9,
		    (long long)python_process(&m)->gil_switches);
	cr_assert_gt(gil_ns, 0, "no GIL wait");
	cr_assert_gt(python_process(&m)->gil_switches, 0, "the GIL never changed hands");
	text = folded(&m, FOLD_OFFCPU, false);
	cr_assert(has_line_with(text, (const char *const[]){ ";spin (gil.py:", "[gil] ", NULL }),
		  "no GIL wait under spin in the off-CPU stacks");
	free(text);
	model_free(&m);
}

Test(python, pool_workers_show_their_functions)
{
	const char *dir = fresh_dir("py-pool");
	const char *script = write_script("pool.py",
		"import multiprocessing\n"
		"def crunch(n):\n"
		"    s = 0\n"
		"    for i in range(n):\n"
		"        s += i * i\n"
		"    return s\n"
		"if __name__ == '__main__':\n"
		"    with multiprocessing.Pool(2) as pool:\n"
		"        print(sum(pool.map(crunch, [2_000_000] * 4)))\n");
	struct run_model m;
	uint32_t root;
	char *text, prefix[64];
	int workers = 0;

	record_script(dir, script, &m);
	root = python_process(&m)->pid;
	text = folded(&m, FOLD_ONCPU, true);
	/* Per thread, the root is "python3-TID": a worker's main thread has its own pid as tid. */
	for (size_t i = 0; i < m.n_procs; i++) {
		if (m.procs[i].ppid != root || !m.procs[i].python)
			continue;
		snprintf(prefix, sizeof(prefix), "python3-%u;", m.procs[i].pid);
		workers += has_line_with(text, (const char *const[]){ prefix, ";crunch (pool.py:", NULL });
	}
	cr_assert_geq(workers, 2, "crunch in the on-CPU stacks of %d workers, not 2", workers);
	free(text);
	model_free(&m);
}
