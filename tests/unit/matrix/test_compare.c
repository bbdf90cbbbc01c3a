/* Comparing two runs: stack tails (which code's time changed) and the critical-path split of the
 * wall-time difference, on hand-built folded text and explanations; and what `conctrace run`
 * prints of it all (run_summary). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matrix/compare.h"
#include "matrix/run_summary.h"
#include "analyze/stack_tails.h"
#include "render/headline.h"

static const char *tail_of(const char *stack)
{
	static char out[STACK_TAIL_LEN];

	stack_tail(stack, strlen(stack), out, sizeof(out));
	return out;
}

Test(stack_tails, python_frames_name_the_tail_without_line_numbers)
{
	cr_assert_str_eq(tail_of("python3;<module> (w.py:9);Thread.run (threading.py:975);"
				 "_worker (thread.py:83);__futex_abstimed_wait_common;do_futex_[k];schedule_[k];[lock]"),
			 "_worker (thread.py) <- Thread.run (threading.py) [lock]");
	cr_assert_str_eq(tail_of("python3;<module> (<frozen importlib._bootstrap>:1178)"),
			 "<module> (<frozen importlib._bootstrap>) (on CPU)");
}

Test(stack_tails, native_frames_when_there_is_no_python_frame)
{
	cr_assert_str_eq(tail_of("cwork;main;[unknown];write_file;[unknown] (libc.so.6+0x10);__write;"
				 "ksys_write_[k];[disk]"), "__write <- write_file [disk]");
	cr_assert_str_eq(tail_of("cwork;[unknown];slot_queue;asm_sysvec_reschedule_ipi_[k]"),
			 "slot_queue (on CPU)");
}

Test(stack_tails, the_root_when_no_frame_is_named)
{
	cr_assert_str_eq(tail_of("cwork;[unknown];[unknown] (liburing.so.2+0x2b95);schedule_[k];[runqueue]"),
			 "cwork [runqueue]");
	cr_assert_str_eq(tail_of("cwork"), "cwork (on CPU)");
	cr_assert_str_eq(tail_of("sleeper;[no stack];[timer]"), "sleeper [timer]");
}

Test(stack_tails, deep_stacks_keep_their_innermost_frames)
{
	size_t depth = 2000, len = 0;
	char *stack = malloc(depth * 8 + 64);

	len += (size_t)sprintf(stack, "prog");
	for (size_t i = 0; i < depth; i++)
		len += (size_t)sprintf(stack + len, ";f%zu", i);
	sprintf(stack + len, ";[disk]");
	cr_assert_str_eq(tail_of(stack), "f1999 <- f1998 [disk]");
	free(stack);
}

static json_t *tails_of(const char *text);

/* A tail cut at its length limit ends on a whole UTF-8 character: a cut one is no JSON key. */
Test(stack_tails, a_long_tail_is_cut_between_characters)
{
	char line[1024] = "python3;", *at = line + strlen(line);
	json_t *t;

	for (int i = 0; i < 200; i++)
		at += sprintf(at, "\xc3\xa9");   /* é */
	sprintf(at, " (w.py:1) 1000000000\n");
	t = tails_of(line);
	cr_assert_eq(json_object_size(t), 1, "the stack's time was dropped");
	cr_assert_eq((strlen(json_object_iter_key(json_object_iter(t))) - strlen(" (on CPU)")) % 2, 0);
	json_decref(t);
}

static json_t *tails_of(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	json_t *t = stack_tails_read(f);

	fclose(f);
	return t;
}

Test(stack_tails, lines_with_the_same_tail_add_up_and_bad_lines_are_skipped)
{
	json_t *t = tails_of("p;main;f (a.py:1);g (b.py:2);[lock] 1500000000\n"
			     "p;other (c.py:7);f (a.py:5);g (b.py:9);[lock] 500000000\n"
			     "no count here\n"
			     "p;main 12x\n"
			     "p;main;g (b.py:2) 250000000\n");

	cr_assert_eq(json_object_size(t), 2);
	cr_assert_float_eq(json_real_value(json_object_get(t, "g (b.py) <- f (a.py) [lock]")), 2.0, 1e-9);
	cr_assert_float_eq(json_real_value(json_object_get(t, "g (b.py) (on CPU)")), 0.25, 1e-9);
	json_decref(t);
}

Test(stack_tails, diff_ranks_by_magnitude_on_both_sides)
{
	json_t *a = tails_of("p;x 1000000000\np;y 3000000000\np;z 500000000\n");
	json_t *b = tails_of("p;x 1000000000\np;y 1000000000\np;w 4000000000\n");
	struct stack_tail_delta d[3];
	size_t n = stack_tails_diff(a, b, -1, 3, d);

	cr_assert_eq(n, 3);   /* x did not change */
	cr_assert_str_eq(d[0].tail, "w (on CPU)");
	cr_assert_float_eq(d[0].delta_s, -4.0, 1e-9);
	cr_assert_str_eq(d[1].tail, "y (on CPU)");
	cr_assert_float_eq(d[1].delta_s, 2.0, 1e-9);
	cr_assert_str_eq(d[2].tail, "z (on CPU)");
	cr_assert_eq(stack_tails_diff(a, b, -1, 1, d), 1);
	cr_assert_str_eq(d[0].tail, "w (on CPU)");
	cr_assert_eq(stack_tails_diff(NULL, b, -1, 3, d), 3);
	cr_assert_float_eq(d[0].delta_s, -4.0, 1e-9);
	cr_assert_eq(stack_tails_diff(NULL, NULL, -1, 3, d), 0);
	json_decref(a);
	json_decref(b);
}

Test(stack_tails, diff_of_one_class)
{
	json_t *a = tails_of("p;x 9000000000\np;y;[gil] 3000000000\np;z;[lock] 500000000\n");
	json_t *b = tails_of("p;y;[gil] 1000000000\np;w;[gil] 1500000000\n");
	struct stack_tail_delta d[3];

	cr_assert_eq(stack_tail_class("y [gil]"), WC_GIL);
	cr_assert_eq(stack_tail_class("f (a.py) <- g (b.py) (on CPU)"), WC_ONCPU);
	cr_assert_eq(stack_tail_class("y [nonsense]"), -1);
	cr_assert_eq(stack_tails_diff(a, b, WC_GIL, 3, d), 2);
	cr_assert_str_eq(d[0].tail, "y [gil]");
	cr_assert_float_eq(d[0].delta_s, 2.0, 1e-9);
	cr_assert_str_eq(d[1].tail, "w [gil]");
	cr_assert_eq(stack_tails_diff(a, b, WC_DISK, 3, d), 0);
	json_decref(a);
	json_decref(b);
}

#define S 1000000000ULL

/* An explained cell whose critical path (wall W_S seconds) spent ONCPU_S on a CPU and GIL_S waiting
 * for the GIL, carried by NODE. */
static void path_cell(struct cell *c, enum conc_model model, uint64_t oncpu_s, uint64_t gil_s, int node)
{
	struct explanation *e = calloc(1, sizeof(*e));

	memset(c, 0, sizeof(*c));
	c->workload = WL_DISK;
	c->runtime = RT_PYTHON;
	c->model = model;
	c->status = CELL_OK;
	c->has_stats = true;
	c->stats.wall_s = (double)(oncpu_s + gil_s);
	e->d.method = EXPLAIN_METHOD_PATH;
	e->d.wall_ns = e->d.thread_ns = e->d.path_ns = (oncpu_s + gil_s) * S;
	e->d.class_ns[WC_ONCPU] = e->d.path_class_ns[WC_ONCPU] = oncpu_s * S;
	e->d.class_ns[WC_GIL] = e->d.path_class_ns[WC_GIL] = gil_s * S;
	e->d.path_node_ns[node] = e->d.path_ns;
	e->d.switches = 10 * gil_s + 1;
	c->explanation = e;
	c->stack_tails = tails_of(gil_s ? "python3;f (a.py:1);[gil] 5000000000\n" : "python3;f (a.py:1) 1\n");
}

static void free_cell(struct cell *c)
{
	free(c->explanation);
	json_decref(c->stack_tails);
}

Test(compare, splits_the_difference_on_the_critical_paths)
{
	struct cell a, b;
	struct comparison c;

	path_cell(&a, CM_ASYNCIO, 2, 6, GN_EXECUTOR);
	path_cell(&b, CM_SYNC, 3, 0, GN_MAIN);
	compare_cells(&a, 8, &b, 3, &c);
	cr_assert(c.on_path);
	cr_assert_float_eq(c.class_delta_s[WC_GIL], 6.0, 1e-9);
	cr_assert_float_eq(c.class_delta_s[WC_ONCPU], -1.0, 1e-9);
	cr_assert(strstr(c.summary, "On the critical path, asyncio - sync: gil +6.00 s, oncpu -1.00 s."),
		  "%s", c.summary);
	cr_assert(strstr(c.summary, "61 context switches vs 1; 2.00 s on a CPU in all vs 3.00 s"), "%s", c.summary);
	cr_assert_eq(c.grown_class, WC_GIL);
	cr_assert(strstr(c.summary, "The gil time that grew most (+6.00 s) is above all in f (a.py) [gil] "
			 "(+5.00 s of thread time)."), "%s", c.summary);
	cr_assert(strstr(c.text, "carried by executor 100% (sync's by main 100%)"), "%s", c.text);
	b.explanation->d.method = EXPLAIN_METHOD_ESTIMATE;   /* no timeline on one side: aggregate shares */
	compare_cells(&a, 8, &b, 3, &c);
	cr_assert(!c.on_path);
	cr_assert(strstr(c.summary, "Wall time by wait class (thread time / parallelism)"), "%s", c.summary);
	free_cell(&a);
	free_cell(&b);
}

/* A class that grew by less than 1 % of the baseline's wall is noise: no "grew most" sentence. */
Test(compare, a_negligible_growth_is_not_named)
{
	struct cell a, b;
	struct comparison c;

	path_cell(&a, CM_PROCESSES, 2, 0, GN_WORKER);
	path_cell(&b, CM_SYNC, 3, 0, GN_MAIN);
	a.explanation->d.path_class_ns[WC_RUNQUEUE] = 5000000;   /* +5 ms of 3 s */
	compare_cells(&a, 2, &b, 3, &c);
	cr_assert_eq(c.grown_class, -1);
	cr_assert_null(strstr(c.summary, "grew most"), "%s", c.summary);
	a.explanation->d.path_class_ns[WC_RUNQUEUE] = 50000000;  /* +50 ms, but no runqueue stack grew */
	compare_cells(&a, 2, &b, 3, &c);
	cr_assert_eq(c.grown_class, WC_RUNQUEUE);
	cr_assert_null(strstr(c.summary, "grew most"), "%s", c.summary);
	free_cell(&a);
	free_cell(&b);
}

/* A verdict cites the model's top finding that explains wall time; one that only rules a cause out
 * is passed over for the critical path's summary. */
Test(compare, verdicts_cite_a_finding_that_explains_time)
{
	struct cell cells[3];
	struct claim_verdict v[CLAIM_COUNT];
	struct explanation *e;

	path_cell(&cells[0], CM_SYNC, 3, 0, GN_MAIN);
	path_cell(&cells[1], CM_ASYNCIO, 2, 6, GN_EXECUTOR);
	path_cell(&cells[2], CM_PROCESSES, 1, 0, GN_WORKER);
	e = cells[1].explanation;
	e->n_findings = 1;
	e->findings[0] = (struct finding){ .name = "disk-not-bottleneck", .text = "The disk was idle." };
	snprintf(e->path_summary, sizeof(e->path_summary), "the path summary");
	claim_verdicts(cells, 3, v);
	cr_assert_eq(v[CLAIM_C1].verdict, VERDICT_SUPPORTS, "%s", v[CLAIM_C1].why);
	cr_assert_str_eq(v[CLAIM_C1].reason, "asyncio: 2.67x sync's wall (slower); processes: 3.00x speed-up over "
			 "sync (at least 1.5x)");
	cr_assert_eq(v[CLAIM_C2].verdict, VERDICT_CANNOT_TELL);
	cells[0].workload = cells[2].workload = WL_CPU;   /* sync and processes of the cpu workload */
	claim_verdicts(cells, 3, v);
	cr_assert_str_eq(v[CLAIM_C2].reason, "processes: 3.00x speed-up over sync (1.3x needed); no other "
			 "model faster");
	cells[0].workload = cells[2].workload = WL_DISK;
	claim_verdicts(cells, 3, v);
	cr_assert_str_eq(v[CLAIM_C2].reason, v[CLAIM_C2].why, "cannot tell: the reason is which cells are missing");
	cr_assert(strstr(v[CLAIM_C1].why, "On the critical path, asyncio - sync: gil +6.00 s, oncpu -1.00 s."),
		  "%s", v[CLAIM_C1].why);
	cr_assert(strstr(v[CLAIM_C1].why, "asyncio: the path summary"), "%s", v[CLAIM_C1].why);
	cr_assert_null(strstr(v[CLAIM_C1].why, "disk-not-bottleneck"), "%s", v[CLAIM_C1].why);
	e->findings[0].explained_s = 1;
	claim_verdicts(cells, 3, v);
	cr_assert(strstr(v[CLAIM_C1].why, "asyncio's top finding, disk-not-bottleneck"), "%s", v[CLAIM_C1].why);
	for (int i = 0; i < 3; i++)
		free_cell(&cells[i]);
}

static void set_finding(struct cell *c, size_t i, const char *name, double explained_s, const char *text)
{
	struct explanation *e = c->explanation;

	e->findings[i] = (struct finding){ .name = name, .explained_s = explained_s };
	snprintf(e->findings[i].text, sizeof(e->findings[i].text), "%s", text);
	if (e->n_findings <= i)
		e->n_findings = i + 1;
}

/* A comparison names the slower model's findings that explain wall time and that the faster one
 * has not, and tells the first one its cell line (which shows findings[0]) did not. */
Test(compare, names_the_slower_model_s_own_findings)
{
	struct cell a, b;
	struct comparison c;

	path_cell(&a, CM_ASYNCIO, 2, 6, GN_EXECUTOR);
	path_cell(&b, CM_SYNC, 3, 0, GN_MAIN);
	set_finding(&a, 0, "gil-bound", 8, "The GIL.");
	set_finding(&a, 1, "runqueue-saturation", 0.5, "Shared.");
	set_finding(&a, 2, "disk-not-bottleneck", 0, "Rules out.");
	set_finding(&a, 3, "thread-pool-handoff", 2, "Hand-offs.");
	set_finding(&b, 0, "cpu-bound-single-thread", 3, "One thread.");
	set_finding(&b, 1, "runqueue-saturation", 0.1, "Shared.");
	compare_cells(&a, 8, &b, 3, &c);
	cr_assert_eq(c.slower, &a);
	cr_assert_eq(c.n_findings, 2);
	cr_assert(strstr(c.summary, " Found in asyncio, not in sync: gil-bound (8.00 s of its wall time), "
			 "thread-pool-handoff (2.00 s of its wall time); thread-pool-handoff: Hand-offs."),
		  "%s", c.summary);
	compare_cells(&b, 3, &a, 8, &c);   /* the faster model first: the baseline is the slower */
	cr_assert_eq(c.slower, &a);
	compare_cells(&a, 2, &b, 3, &c);
	cr_assert_eq(c.slower, &b);
	cr_assert(strstr(c.summary, " Found in sync, not in asyncio: cpu-bound-single-thread (3.00 s of its "
			 "wall time)."), "%s", c.summary);
	cr_assert_null(strstr(c.summary, "One thread."), "the cell line's finding told again: %s", c.summary);
	free_cell(&a);
	free_cell(&b);
}

static size_t occurrences(const char *text, const char *s)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, s)); p++)
		n++;
	return n;
}

/* Every cell of the default matrix, explained, each with a long finding; NULL-free with cells_free. */
static struct cell *whole_matrix(struct run_opts *o, size_t *n)
{
	static const char long_text[] = "One thread is CPU-bound: thread 12345 (event-loop) was on a CPU 89% of its "
		"0.19 s life while the run kept only 0.93 of 2 CPUs busy, and this sentence goes on well past any "
		"terminal's width so that it has to be cut. A second sentence.";
	struct cell *cells = calloc(WL_COUNT * RT_COUNT * CM_COUNT, sizeof(*cells));

	memset(o, 0, sizeof(*o));
	memset(o->workloads, 1, sizeof(o->workloads));
	memset(o->runtimes, 1, sizeof(o->runtimes));
	memset(o->models, 1, sizeof(o->models));
	o->repeat = 1;
	size_preset(SIZE_DEFAULT, &o->params);
	*n = 0;
	for (int w = 0; w < WL_COUNT; w++)
		for (int r = 0; r < RT_COUNT; r++)
			for (int m = 0; m < CM_COUNT; m++) {
				struct cell *c = &cells[(*n)++];

				path_cell(c, m, 100 + 10 * m, m == CM_SYNC ? 0 : 20, GN_MAIN);
				c->workload = w;
				c->runtime = r;
				snprintf(c->name, sizeof(c->name), "%s-%s-%s", workload_names[w], runtime_names[r],
					 model_names[m]);
				set_finding(c, 0, "cpu-bound-single-thread", 100, long_text);
			}
	return cells;
}

/* Everything run_summary_print writes, malloc'd. */
static char *run_summary(const struct run_opts *o, const struct cell *cells, size_t n, bool verbose)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	run_summary_print(f, o, cells, n, verbose);
	fclose(f);
	return text;
}

static size_t count_lines(const char *text, size_t *widest)
{
	size_t lines = 0;

	*widest = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		char line[4096];

		snprintf(line, sizeof(line), "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
		if (text_chars(line) > *widest)
			*widest = text_chars(line);
		lines++;
		p = nl ? nl + 1 : p + strlen(p);
	}
	return lines;
}

/* The whole default matrix fits a screen: its tables, a line per model, a line per claim, none
 * wider than LINE_MAX_CHARS; -v adds the comparisons and each finding's and verdict's whole text. */
Test(run_summary, the_default_matrix_answers_first_within_80_lines_of_160_characters)
{
	struct run_opts o;
	size_t n, widest, lines;
	struct cell *cells = whole_matrix(&o, &n);
	char *text = run_summary(&o, cells, n, false), *verbose;

	lines = count_lines(text, &widest);
	cr_assert_leq(lines, 76, "%zu lines (the run adds its last 3):\n%s", lines, text);
	cr_assert_leq(widest, LINE_MAX_CHARS, "a line of %zu characters:\n%s", widest, text);
	cr_assert(strstr(text, "\n  python  asyncio+processes  160.00s  One thread is CPU-bound: thread 12345 "
			 "(event-loop) was on a CPU 89% of its 0.19 s life while the run kept only 0.93 of...\n"),
		  "%s", text);
	cr_assert_null(strstr(text, "A second sentence"), "%s", text);
	cr_assert(strstr(text, "\n  C3 supports    cpu: threads give no speed-up (the GIL) — threads: 0.77x "
			 "speed-up over sync (below 1.2x)\n"), "%s", text);
	cr_assert_null(strstr(text, "  * "), "no comparison without -v: %s", text);
	verbose = run_summary(&o, cells, n, true);
	cr_assert(strstr(verbose, "  * threads took 130.00 s vs 100.00 s for sync"), "%s", verbose);
	cr_assert(strstr(verbose, "A second sentence"), "%s", verbose);
	cr_assert_gt(count_lines(verbose, &widest), lines);
	free(text);
	free(verbose);
	for (size_t i = 0; i < n; i++)
		free_cell(&cells[i]);
	free(cells);
}

/* A model whose findings explain no wall time is summed up by its critical path; a failed cell
 * gets no model line (its table row says why). */
Test(run_summary, falls_back_on_the_critical_path_and_skips_failed_cells)
{
	struct run_opts o;
	size_t n;
	struct cell *cells = whole_matrix(&o, &n);
	char *text;

	cells[1].explanation->findings[0].explained_s = 0;
	snprintf(cells[1].explanation->path_summary, sizeof(cells[1].explanation->path_summary),
		 "On the critical path of the command: 58%% net.");
	cells[2].status = CELL_FAILED;
	snprintf(cells[2].reason, sizeof(cells[2].reason), "exit status 1");
	text = run_summary(&o, cells, n, false);
	cr_assert(strstr(text, "\n  python  threads            130.00s  On the critical path of the command: 58% net.\n"),
		  "%s", text);
	cr_assert(strstr(text, "python  asyncio           FAILED: exit status 1\n"), "%s", text);
	cr_assert_eq(occurrences(text, "\n  python  asyncio            140.00s"), 2, "cpu's and net's, not disk's: %s", text);
	free(text);
	for (size_t i = 0; i < n; i++)
		free_cell(&cells[i]);
	free(cells);
}
