/* `conctrace run`'s pure part: options, the matrix, presets, figures from hand-built models, the
 * result check, the tables and index.json. No root needed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/account.h"
#include "matrix/index.h"
#include "matrix/matrix.h"
#include "matrix/rows.h"
#include "matrix/tables.h"
#include "base/util.h"

#define MS 1000000ULL

static enum parse_result parse(struct run_opts *o, char *err, size_t errlen, ...)
{
	char *argv[64] = { "run" };
	int argc = 1;
	va_list ap;

	va_start(ap, errlen);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	err[0] = '\0';
	return run_parse(argc, argv, o, err, errlen);
}

Test(run_parse, defaults_are_the_whole_default_matrix)
{
	struct run_opts o;
	char err[256];

	cr_assert_eq(parse(&o, err, sizeof(err), NULL), PARSE_OK, "%s", err);
	for (int i = 0; i < WL_COUNT; i++)
		cr_assert(o.workloads[i]);
	for (int i = 0; i < CM_COUNT; i++)
		cr_assert(o.models[i]);
	cr_assert(o.runtimes[RT_PYTHON] && o.runtimes[RT_C]);
	cr_assert_eq(o.size, SIZE_DEFAULT);
	cr_assert_eq(o.repeat, 1);
	cr_assert_null(o.outdir);
	cr_assert_str_eq(o.python, "/usr/bin/python3");
	cr_assert_float_eq(o.cell_timeout_s, 600, 1e-9);
	cr_assert(!o.verbose);
	cr_assert_eq(o.params.files, 3000);
}

Test(run_parse, good_options)
{
	struct run_opts o;
	char err[256];

	cr_assert_eq(parse(&o, err, sizeof(err), "--workloads", "disk,net", "--models", "sync,asyncio+processes",
			   "--runtimes", "c", "--size", "quick", "--repeat", "3", "-o", "/tmp/out", "--files", "7",
			   "--net-delay", "5", "--python", "/opt/py", "--cell-timeout", "1.5", "--keep-files",
			   "--drop-caches", "--workers", "4", "-v", NULL), PARSE_OK, "%s", err);
	cr_assert(o.verbose);
	cr_assert(o.workloads[WL_DISK] && !o.workloads[WL_CPU] && o.workloads[WL_NET]);
	cr_assert(o.models[CM_SYNC] && o.models[CM_ASYNCIO_PROCESSES] && !o.models[CM_THREADS]);
	cr_assert(!o.runtimes[RT_PYTHON] && o.runtimes[RT_C]);
	cr_assert_eq(o.size, SIZE_QUICK);
	cr_assert_eq(o.repeat, 3);
	cr_assert_str_eq(o.outdir, "/tmp/out");
	cr_assert_str_eq(o.python, "/opt/py");
	cr_assert_float_eq(o.cell_timeout_s, 1.5, 1e-9);
	cr_assert(o.keep_files && o.drop_caches);
	/* Given parameters win over the preset; the rest come from it. */
	cr_assert_eq(o.params.files, 7);
	cr_assert_eq(o.params.net_delay_ms, 5);
	cr_assert_eq(o.params.workers, 4);
	cr_assert_eq(o.params.lines, 20);
	cr_assert_eq(o.params.requests, 12);
}

Test(run_parse, unknown_model)
{
	struct run_opts o;
	char err[256];

	cr_assert_eq(parse(&o, err, sizeof(err), "--models", "sync,fibers", NULL), PARSE_ERROR);
	cr_assert_str_eq(err, "--models: unknown name 'fibers'");
	cr_assert_eq(parse(&o, err, sizeof(err), "--workloads", "disk,", NULL), PARSE_ERROR);
	cr_assert_eq(parse(&o, err, sizeof(err), "--runtimes", "java", NULL), PARSE_ERROR);
}

Test(run_parse, bad_size)
{
	struct run_opts o;
	char err[256];

	cr_assert_eq(parse(&o, err, sizeof(err), "--size", "huge", NULL), PARSE_ERROR);
	cr_assert_str_eq(err, "--size: expected quick, default or notes: 'huge'");
}

Test(run_parse, bad_numbers)
{
	static const char *const bad[][2] = {
		{ "--files", "0" }, { "--files", "ten" }, { "--lines", "-1" }, { "--repeat", "0" },
		{ "--workers", "5000" }, { "--cell-timeout", "0" }, { "--num", "1.5" }, { "--requests", "" },
	};
	struct run_opts o;
	char err[256];

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		cr_assert_eq(parse(&o, err, sizeof(err), bad[i][0], bad[i][1], NULL), PARSE_ERROR, "%s %s",
			     bad[i][0], bad[i][1]);
		cr_assert(strstr(err, bad[i][0]) == err, "error names the option: %s", err);
	}
	cr_assert_eq(parse(&o, err, sizeof(err), "--files", "12", NULL), PARSE_OK);
}

Test(run_parse, other_errors_and_help)
{
	struct run_opts o;
	char err[256];

	cr_assert_eq(parse(&o, err, sizeof(err), "--bogus", NULL), PARSE_ERROR);
	cr_assert_str_eq(err, "--bogus: unknown option");
	cr_assert_eq(parse(&o, err, sizeof(err), "--files", NULL), PARSE_ERROR);
	cr_assert_str_eq(err, "--files: needs an argument");
	cr_assert_eq(parse(&o, err, sizeof(err), "extra", NULL), PARSE_ERROR);
	cr_assert_eq(parse(&o, err, sizeof(err), "-o", "", NULL), PARSE_ERROR);
	cr_assert_eq(parse(&o, err, sizeof(err), "--python", "python3", NULL), PARSE_ERROR);
	cr_assert(strstr(err, "not a name to look up on PATH"), "%s", err);
	cr_assert_eq(parse(&o, err, sizeof(err), "--help", NULL), PARSE_HELP);
}

Test(size_preset, notes_default_quick)
{
	struct work_params notes = { 0 }, def = { 0 }, quick = { 0 }, given = { .files = 3 };

	size_preset(SIZE_NOTES, &notes);
	cr_assert_eq(notes.files, 5000);
	cr_assert_eq(notes.lines, 100);
	cr_assert_eq(notes.line_length, 100);
	cr_assert_eq(notes.num, 30);
	cr_assert_eq(notes.count, 100);
	cr_assert_eq(notes.requests, 60);
	cr_assert_eq(notes.workers, 0, "workers stay each workload's own default");
	size_preset(SIZE_DEFAULT, &def);
	cr_assert(def.files < notes.files && def.count < notes.count);
	size_preset(SIZE_QUICK, &quick);
	cr_assert(quick.files < def.files && quick.requests < def.requests);
	size_preset(SIZE_NOTES, &given);
	cr_assert_eq(given.files, 3);
}

Test(matrix_cells, order_and_count)
{
	struct run_opts o;
	struct cell *cells;
	char err[256];
	size_t n;

	parse(&o, err, sizeof(err), NULL);
	n = matrix_cells(&o, &cells);
	cr_assert_eq(n, 30);
	cr_assert_str_eq(cells[0].name, "disk-python-sync");
	cr_assert_str_eq(cells[1].name, "disk-python-threads");
	cr_assert_str_eq(cells[4].name, "disk-python-asyncio+processes");
	cr_assert_str_eq(cells[5].name, "disk-c-sync");
	cr_assert_str_eq(cells[10].name, "cpu-python-sync");
	cr_assert_str_eq(cells[29].name, "net-c-asyncio+processes");
	cr_assert_eq(cells[29].status, CELL_PENDING);
	cr_assert_eq(cells[29].exit_status, -1);
	cells_free(cells, n);

	parse(&o, err, sizeof(err), "--workloads", "net", "--runtimes", "c", "--models", "threads,sync",
	      "--repeat", "2", NULL);
	n = matrix_cells(&o, &cells);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(cells[0].name, "net-c-sync-r1");
	cr_assert_str_eq(cells[1].name, "net-c-sync-r2");
	cr_assert_str_eq(cells[2].name, "net-c-threads-r1");
	cr_assert_eq(cells[3].repeat, 2);
	cells_free(cells, n);
}

Test(cell_command, python_disk_and_c_net)
{
	struct run_opts o;
	struct cell *cells;
	struct cell_paths paths = { "/w/conc_work.py", "/w/cwork", "/out/scratch/x", "http://127.0.0.1:9/" };
	char err[256], **argv;
	size_t n;

	parse(&o, err, sizeof(err), "--workloads", "disk,net", "--models", "processes", "--size", "quick",
	      "--workers", "3", NULL);
	n = matrix_cells(&o, &cells);
	cr_assert_eq(n, 4);
	argv = cell_command(&o, &cells[0], &paths);
	const char *disk[] = { "/usr/bin/python3", "/w/conc_work.py", "--workload=disk", "--model=processes",
			       "--workers=3", "--files=40", "--lines=20", "--line-length=50",
			       "--dir=/out/scratch/x", NULL };
	for (size_t i = 0; i < ARRAY_LEN(disk); i++)
		cr_assert(disk[i] ? argv[i] && !strcmp(argv[i], disk[i]) : !argv[i], "arg %zu: %s", i, argv[i]);
	argv_free(argv);
	argv = cell_command(&o, &cells[3], &paths);
	cr_assert_str_eq(argv[0], "/w/cwork");
	cr_assert_str_eq(argv[1], "--workload=net");
	cr_assert_str_eq(argv[5], "--url=http://127.0.0.1:9/");
	cr_assert_null(argv[6]);
	argv_free(argv);
	cells_free(cells, n);
}

static void add_thread(struct run_model *m, uint32_t tid, uint32_t tgid, uint64_t start, uint64_t end,
		       const uint64_t ns[WC_COUNT], uint64_t switches)
{
	struct thread_acct a = { .tid = tid, .tgid = tgid, .start_ns = start, .end_ns = end, .nvcsw = switches };

	memcpy(a.ns, ns, sizeof(a.ns));
	model_add_thread(m, &a);
}

/* A process of two threads over 1 s: 0.8 s on-CPU in all, GIL and disk waits, 2 block requests. */
static void build_model(struct run_model *m)
{
	uint64_t main_ns[WC_COUNT] = { [WC_ONCPU] = 600 * MS, [WC_DISK] = 300 * MS, [WC_OTHER_D] = 100 * MS };
	uint64_t worker_ns[WC_COUNT] = { [WC_ONCPU] = 200 * MS, [WC_GIL] = 200 * MS, [WC_LOCK] = 50 * MS,
					 [WC_RUNQUEUE] = 50 * MS };
	struct model_blk *b;

	model_init(m);
	m->meta.root_pid = 100;
	m->meta.start_ns = 5000 * MS;
	m->meta.end_ns = 7000 * MS;
	add_thread(m, 100, 100, 5000 * MS, 6000 * MS, main_ns, 7);
	add_thread(m, 101, 100, 5200 * MS, 5700 * MS, worker_ns, 3);
	b = VEC_PUSH(m->blks, m->n_blks, m->cap_blks);
	b->k.attributed = 1;
	b->s.count = 2;
	b = VEC_PUSH(m->blks, m->n_blks, m->cap_blks);
	b->s.count = 40;    /* writeback: not the tree's */
}

Test(cell_stats, from_a_model)
{
	struct run_model m;
	struct cell_stats s;

	build_model(&m);
	cell_stats_of(&m, &s);
	cr_assert_float_eq(s.wall_s, 1.0, 1e-9, "the root process's lifetime, not the session's");
	cr_assert_float_eq(s.thread_s, 1.5, 1e-9);
	cr_assert_float_eq(s.cpus_used, 0.8, 1e-9);
	cr_assert_float_eq(s.share[COL_ONCPU], 0.8 / 1.5, 1e-9);
	cr_assert_float_eq(s.share[COL_DISK], 0.4 / 1.5, 1e-9);
	cr_assert_float_eq(s.share[COL_LOCK_GIL], 0.25 / 1.5, 1e-9);
	cr_assert_float_eq(s.share[COL_RUNNABLE], 0.05 / 1.5, 1e-9);
	cr_assert_float_eq(s.share[COL_NET], 0, 1e-9);
	cr_assert_eq(s.switches, 10);
	cr_assert_eq(s.block_requests, 2);
	model_free(&m);
}

/* Waiting for a CPU, queued behind others or woken onto an idle one, is runnable time. */
Test(cell_stats, every_class_has_its_column)
{
	cr_assert_eq(share_column_of(WC_ONCPU), COL_ONCPU);
	cr_assert_eq(share_column_of(WC_RUNQUEUE), COL_RUNNABLE);
	cr_assert_eq(share_column_of(WC_WAKEUP), COL_RUNNABLE);
	cr_assert_eq(share_column_of(WC_KERNEL_LOCK), COL_DISK);
	cr_assert_eq(share_column_of(WC_GIL), COL_LOCK_GIL);
	cr_assert_eq(share_column_of(WC_OTHER_SLEEP), COL_OTHER);
}

/* Cells of one workload and runtime, each model once, with the given walls (0: failed). */
static size_t fake_cells(struct cell **out, const double *walls, const char *const *results)
{
	struct run_opts o;
	char err[256];
	size_t n;

	parse(&o, err, sizeof(err), "--workloads", "cpu", "--runtimes", "python", NULL);
	n = matrix_cells(&o, out);
	for (size_t i = 0; i < n; i++) {
		struct cell *c = &(*out)[i];

		c->exit_status = walls[i] ? 0 : 1;
		c->status = walls[i] ? CELL_OK : CELL_FAILED;
		c->has_stats = true;
		c->stats.wall_s = walls[i];
		c->stats.cpus_used = 0.5;
		c->stats.share[COL_ONCPU] = 0.25;
		c->stats.switches = 42;
		c->result = walls[i] ? json_loads(results[i], 0, NULL) : NULL;
		if (!walls[i])
			snprintf(c->reason, sizeof(c->reason), "exit status 1: ImportError: boom");
	}
	return n;
}

Test(flag_result_mismatches, the_odd_one_out)
{
	static const double walls[] = { 4, 2, 1, 0, 2 };
	static const char *const results[] = { "{\"value\": \"7\"}", "{\"value\": \"7\"}", "{\"value\": \"8\"}",
					       NULL, "{\"value\": \"7\"}" };
	struct cell *cells;
	size_t n = fake_cells(&cells, walls, results);

	flag_result_mismatches(cells, n);
	cr_assert(!cells[0].result_differs && !cells[1].result_differs && !cells[4].result_differs);
	cr_assert(cells[2].result_differs);
	cr_assert(!cells[3].result_differs, "a failed cell has no result to compare");
	cells_free(cells, n);
}

Test(print_tables, rows_speedups_failures_and_flags)
{
	static const double walls[] = { 4, 2, 1, 0, 2 };
	static const char *const results[] = { "{\"v\": 1}", "{\"v\": 1}", "{\"v\": 2}", NULL, "{\"v\": 1}" };
	struct run_opts o;
	struct cell *cells;
	char *text = NULL, err[256];
	size_t len = 0, n = fake_cells(&cells, walls, results);
	FILE *out = open_memstream(&text, &len);

	parse(&o, err, sizeof(err), "--workloads", "cpu", "--runtimes", "python", NULL);
	flag_result_mismatches(cells, n);
	print_tables(out, &o, cells, n);
	fclose(out);
	cr_assert(strstr(text, "cpu: triple loop over [30] * 40"), "%s", text);
	cr_assert(strstr(text, "on-CPU runnable   disk lock/GIL loop-idle    net  other"), "%s", text);
	cr_assert(strstr(text, "python  sync                 4.00s   1.00x  0.50 |  25.0%"), "%s", text);
	cr_assert(strstr(text, "python  threads              2.00s   2.00x"), "%s", text);
	cr_assert(strstr(text, "python  asyncio              1.00s   4.00x"), "%s", text);
	cr_assert(strstr(text, "! result differs"), "%s", text);
	cr_assert(strstr(text, "python  processes         FAILED: exit status 1: ImportError: boom"), "%s", text);
	cr_assert(strstr(text, "|       42        0"), "%s", text);
	free(text);
	cells_free(cells, n);
}

Test(print_tables, median_of_repeats)
{
	struct run_opts o;
	struct cell *cells;
	char *text = NULL, err[256];
	size_t len = 0, n;
	FILE *out = open_memstream(&text, &len);

	parse(&o, err, sizeof(err), "--workloads", "net", "--runtimes", "c", "--models", "sync", "--repeat", "3", NULL);
	n = matrix_cells(&o, &cells);
	for (size_t i = 0; i < n; i++) {
		cells[i].status = CELL_OK;
		cells[i].has_stats = true;
		cells[i].stats.wall_s = (double[]){ 9, 1, 3 }[i];
	}
	print_tables(out, &o, cells, n);
	fclose(out);
	cr_assert(strstr(text, "(wall: median of the repeats)"), "%s", text);
	cr_assert(strstr(text, "c       sync                 3.00s   1.00x"), "%s", text);
	free(text);
	cells_free(cells, n);
}

Test(index_json, content)
{
	static const double walls[] = { 4, 2, 1, 0, 2 };
	static const char *const results[] = { "{\"v\": 1}", "{\"v\": 1}", "{\"v\": 1}", NULL, "{\"v\": 1}" };
	struct run_opts o;
	struct cell *cells;
	char err[256];
	size_t n = fake_cells(&cells, walls, results);
	json_t *index, *c;

	parse(&o, err, sizeof(err), "--workloads", "cpu", "--runtimes", "python", NULL);
	cells[3].has_stats = false;
	index = index_json(&o, cells, n, true);
	cr_assert(json_is_true(json_object_get(index, "interrupted")));
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(index, "parameters"), "count")), 40);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(index, "parameters"), "size")), "default");
	cr_assert_eq(json_array_size(json_object_get(index, "cells")), 5);
	c = json_array_get(json_object_get(index, "cells"), 1);
	cr_assert_str_eq(json_string_value(json_object_get(c, "model")), "threads");
	cr_assert_str_eq(json_string_value(json_object_get(c, "status")), "ok");
	cr_assert_str_eq(json_string_value(json_object_get(c, "report")), "cells/cpu-python-threads/report.json");
	cr_assert_float_eq(json_real_value(json_object_get(c, "wall_s")), 2, 1e-9);
	cr_assert_float_eq(json_real_value(json_object_get(json_object_get(c, "shares"), "oncpu")), 0.25, 1e-9);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(c, "result"), "v")), 1);
	c = json_array_get(json_object_get(index, "cells"), 3);
	cr_assert_str_eq(json_string_value(json_object_get(c, "status")), "failed");
	cr_assert_str_eq(json_string_value(json_object_get(c, "reason")), "exit status 1: ImportError: boom");
	cr_assert(json_is_null(json_object_get(c, "result")));
	cr_assert_null(json_object_get(c, "report"));
	json_decref(index);
	cells_free(cells, n);
}

Test(estimate_left, from_finished_cells_of_the_same_workload)
{
	struct run_opts o;
	struct cell *cells;
	char err[256];
	size_t n;

	parse(&o, err, sizeof(err), "--workloads", "disk,cpu", "--runtimes", "c", "--models", "sync,threads", NULL);
	n = matrix_cells(&o, &cells);
	cr_assert_eq(n, 4);
	cr_assert_lt(estimate_left(cells, n, 0, 0), 0, "nothing to go on yet");
	cells[0].run_s = 4;
	/* disk-c-threads like disk-c-sync (4 s, 1 s of it gone), both cpu cells like the mean (4 s). */
	cr_assert_float_eq(estimate_left(cells, n, 1, 1), 11, 1e-9);
	cells[1].run_s = 2;
	cells[2].run_s = 1;
	cr_assert_float_eq(estimate_left(cells, n, 3, 0.5), 0.5, 1e-9);
	cr_assert_float_eq(estimate_left(cells, n, 3, 5), 0, 1e-9);
	cells_free(cells, n);
}
