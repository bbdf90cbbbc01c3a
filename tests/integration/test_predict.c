/* The what-if model end to end (root): `conctrace run` on a small matrix predicts every model's wall
 * from each cell, and the predictions from the sync cell fall within the bounds docs/predict.md
 * states; `conctrace advise` recommends processes for CPU-bound Python (a speed-up close to the
 * CPUs), threads or asyncio for sequential network waits, and says an fsync loop gains little.
 * Env: CONCTRACE, PROGS, PYPROGS, PYTHON. */
#include <math.h>
#include <jansson.h>
#include <limits.h>

#include "harness.h"

#define STR2(x) #x
#define STR(x) STR2(x)
#define NET_DELAY_MS 100
#define NET_REQUESTS 12
/* Bounds (docs/predict.md, "Tests"): at the CPU share the measured cell itself got, the model's own
 * error is held within 35 %. Other jobs on a shared machine change the CPUs a cell can get several
 * times over from one cell to the next (0.33 to 2 here), so a plain prediction is held within a
 * factor of 2 only where waits, not CPUs, make the wall: the network. */
#define PLAIN_FACTOR 2.0
#define OWN_SHARE_ERROR 0.35

static const char *python(void)
{
	return getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
}

static const char *pyprog(const char *name)
{
	return env_path("PYPROGS", name);
}

static double number(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	cr_assert(json_is_number(v), "no number \"%s\"", key);
	return json_number_value(v);
}

/* Checks every prediction of WORKLOAD/RUNTIME in INDEX (the plain ones from the sync cell within
 * PLAIN_FACTOR when PLAIN); returns how many came from the sync cell. */
static int check_predictions(const json_t *index, const char *workload, const char *runtime, bool plain)
{
	const json_t *list = json_object_get(index, "predictions"), *p;
	int from_sync = 0, all = 0;
	size_t i;

	cr_assert(json_is_array(list), "index.json has no predictions");
	json_array_foreach(list, i, p) {
		double predicted, measured, own, error;
		const char *miss;

		if (strcmp(json_string_value(json_object_get(p, "workload")), workload) ||
		    strcmp(json_string_value(json_object_get(p, "runtime")), runtime))
			continue;
		all++;
		predicted = number(p, "predicted_wall_s");
		measured = number(p, "measured_wall_s");
		own = number(p, "own_capacity_wall_s");
		error = number(p, "error");
		miss = json_string_value(json_object_get(p, "miss"));
		cr_assert_float_eq(error, (predicted - measured) / measured, 1e-9);
		cr_assert_eq(miss != NULL, fabs(error) > 0.25, "a miss is named exactly when off by 25 %%: %s",
			     miss ? miss : "(none)");
		if (strcmp(json_string_value(json_object_get(p, "from")), "sync"))
			continue;
		from_sync++;
		cr_assert(!plain || (predicted < PLAIN_FACTOR * measured && measured < PLAIN_FACTOR * predicted),
			  "%s %s %s from sync: %.3f s predicted, %.3f s measured", workload, runtime,
			  json_string_value(json_object_get(p, "model")), predicted, measured);
		cr_assert(fabs(own - measured) <= OWN_SHARE_ERROR * measured,
			  "%s %s %s from sync at its own CPU share: %.3f s predicted, %.3f s measured", workload,
			  runtime, json_string_value(json_object_get(p, "model")), own, measured);
	}
	cr_assert_eq(all, 25, "%s %s: every model's cell predicts every model", workload, runtime);
	return from_sync;
}

Test(predict, run_predicts_every_model_from_each_cell, .timeout = 300)
{
	const char *dir = fresh_dir("predict");
	char *argv[] = { (char *)conctrace_bin(), "run", "--workloads", "net,cpu", "--size", "quick",
			 "--requests", STR(NET_REQUESTS), "--net-delay", STR(NET_DELAY_MS), "--num", "30",
			 "--count", "4", "--c-num", "300", "-o", (char *)dir, NULL };
	static char out[65536];
	char path[PATH_MAX];
	json_error_t err;
	json_t *index;

	cr_assert_eq(run_argv(argv, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "what-if predictions within 25 % of the measured wall: cpu ") &&
		  strstr(out, ", net "), "%s", out);
	snprintf(path, sizeof(path), "%s/index.json", dir);
	index = json_load_file(path, 0, &err);
	cr_assert_not_null(index, "%s: %s", path, err.text);
	cr_assert(json_is_object(json_object_get(index, "calibration")));
	cr_assert_eq(check_predictions(index, "net", "python", true), 5);
	cr_assert_eq(check_predictions(index, "net", "c", true), 5);
	cr_assert_eq(check_predictions(index, "cpu", "python", false), 5);
	cr_assert_eq(check_predictions(index, "cpu", "c", false), 5);
	json_decref(index);
	remove_dir(dir);
}

/* Runs `conctrace advise -- ARGS...` into OUT; returns the "recommended:" line's speed-up. */
static double advise(char *out, size_t len, char *const *cmd)
{
	const char *dir = fresh_dir("advise");
	char *argv[16] = { (char *)conctrace_bin(), "advise", "-o", (char *)dir, "--" };
	const char *line, *x;
	int argc = 5;

	for (; *cmd; cmd++)
		argv[argc++] = *cmd;
	cr_assert_eq(run_argv(argv, out, len), 0, "%s", out);
	line = strstr(out, "recommended: ");
	x = line ? strstr(line, "x sync's") : NULL;
	cr_assert_not_null(x, "%s", out);
	while (x > line && x[-1] != ' ')
		x--;
	remove_dir(dir);
	return atof(x);
}

Test(advise, cpu_bound_python_gets_processes, .timeout = 120)
{
	static char out[16384];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	double speedup = advise(out, sizeof(out), (char *[]){ (char *)python(), (char *)pyprog("cpu_tasks.py"), NULL });

	cr_assert(strstr(out, "recommended: processes") || strstr(out, "recommended: asyncio+processes"), "%s", out);
	cr_assert(speedup >= 0.75 * cpus && speedup <= 1.05 * cpus, "speed-up %.2f on %ld CPUs:\n%s", speedup,
		  cpus, out);
	cr_assert(strstr(out, "CPU-bound on one thread"), "the finding that drives it:\n%s", out);
}

Test(advise, sequential_requests_get_threads_or_asyncio, .timeout = 120)
{
	static char out[16384];
	struct test_server server;
	double speedup;

	test_server_start(&server, 60, 512);
	speedup = advise(out, sizeof(out), (char *[]){ (char *)python(), (char *)pyprog("http_one_by_one.py"),
						       server.url, NULL });
	test_server_stop(&server);
	cr_assert(strstr(out, "recommended: threads") || strstr(out, "recommended: asyncio with"), "%s", out);
	cr_assert_geq(speedup, 5, "15 requests of 60 ms one after another:\n%s", out);
	cr_assert(strstr(out, "network-bound"), "%s", out);
}

Test(advise, fsync_loop_gains_little, .timeout = 120)
{
	static char out[16384];

	advise(out, sizeof(out), (char *[]){ (char *)prog("fsyncer"), "/tmp", "256", NULL });
	cr_assert(strstr(out, "recommended: concurrency gains little"), "%s", out);
	cr_assert(strstr(out, "disk-bound"), "%s", out);
}
