/* `conctrace run`'s results: each cell's figures from its run model, the result check, the
 * per-workload tables and index.json. Pure: unit-tested with hand-built models and cells. */
#include "matrix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "account.h"
#include "explain_matrix.h"
#include "util.h"

const char *const share_column_names[COL_COUNT] = {
	"oncpu", "runnable", "disk", "lock_gil", "loop_idle", "net", "other"
};

/* Which table column each wait class is counted in. */
static const enum share_column column_of_class[WC_COUNT] = {
	[WC_ONCPU] = COL_ONCPU, [WC_RUNQUEUE] = COL_RUNNABLE,
	[WC_DISK] = COL_DISK, [WC_KERNEL_LOCK] = COL_DISK, [WC_OTHER_D] = COL_DISK,
	[WC_LOCK] = COL_LOCK_GIL, [WC_GIL] = COL_LOCK_GIL, [WC_LOOP_IDLE] = COL_LOOP_IDLE,
	[WC_NET] = COL_NET, [WC_TIMER] = COL_OTHER, [WC_CHILD] = COL_OTHER, [WC_PIPE] = COL_OTHER,
	[WC_OTHER_SLEEP] = COL_OTHER,
};

void cell_stats_of(const struct run_model *m, struct cell_stats *s)
{
	struct acct_totals t;
	uint64_t col_ns[COL_COUNT] = { 0 };

	memset(s, 0, sizeof(*s));
	totals_of(m, 0, &t);
	for (int c = 0; c < WC_COUNT; c++)
		col_ns[column_of_class[c]] += t.ns[c];
	for (int c = 0; c < COL_COUNT; c++)
		s->share[c] = share(col_ns[c], t.life_ns);
	s->wall_s = ns_to_s(command_wall_ns(m));
	s->thread_s = ns_to_s(t.life_ns);
	s->cpus_used = s->wall_s > 0 ? ns_to_s(t.ns[WC_ONCPU]) / s->wall_s : 0;
	s->switches = t.nvcsw + t.nivcsw;
	for (size_t i = 0; i < m->n_blks; i++)
		if (m->blks[i].k.attributed)
			s->block_requests += m->blks[i].s.count;
}

static bool same_group(const struct cell *a, const struct cell *b)
{
	return a->workload == b->workload && a->runtime == b->runtime;
}

static size_t count_equal_results(const struct cell *cells, size_t n, const struct cell *c)
{
	size_t same = 0;

	for (size_t j = 0; j < n; j++)
		if (cells[j].status == CELL_OK && same_group(&cells[j], c) &&
		    json_equal(cells[j].result, c->result))
			same++;
	return same;
}

void flag_result_mismatches(struct cell *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cell *majority = NULL;
		size_t best = 0;

		if (cells[i].status != CELL_OK)
			continue;
		/* The group's most common result; the first one seen wins a tie. */
		for (size_t j = 0; j < n; j++) {
			size_t same;

			if (cells[j].status != CELL_OK || !same_group(&cells[j], &cells[i]))
				continue;
			same = count_equal_results(cells, n, &cells[j]);
			if (same > best) {
				best = same;
				majority = &cells[j];
			}
		}
		cells[i].result_differs = !json_equal(cells[i].result, majority->result);
	}
}

/* One table row: every repeat of a workload, runtime and model. */
struct row {
	const struct cell *shown;     /* the ok repeat whose wall is nearest the median */
	const struct cell *failure;   /* the first repeat that did not finish ok */
	double median_wall_s;
	size_t repeats, ok;
	bool differs;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void gather_row(const struct cell *cells, size_t n, enum workload w, enum runtime r,
		       enum conc_model m, struct row *row)
{
	double walls[n ? n : 1];

	memset(row, 0, sizeof(*row));
	for (size_t i = 0; i < n; i++) {
		const struct cell *c = &cells[i];

		if (c->workload != w || c->runtime != r || c->model != m)
			continue;
		row->repeats++;
		row->differs |= c->result_differs;
		if (c->status == CELL_OK && c->has_stats)
			walls[row->ok++] = c->stats.wall_s;
		else if (!row->failure)
			row->failure = c;
	}
	if (!row->ok)
		return;
	qsort(walls, row->ok, sizeof(walls[0]), cmp_double);
	row->median_wall_s = row->ok % 2 ? walls[row->ok / 2] :
			     (walls[row->ok / 2 - 1] + walls[row->ok / 2]) / 2;
	for (size_t i = 0; i < n; i++) {
		const struct cell *c = &cells[i];

		if (c->workload == w && c->runtime == r && c->model == m && c->status == CELL_OK &&
		    c->has_stats && (!row->shown || fabs(c->stats.wall_s - row->median_wall_s) <
				     fabs(row->shown->stats.wall_s - row->median_wall_s)))
			row->shown = c;
	}
}

double median_wall(const struct cell *cells, size_t n, enum workload w, enum runtime r, enum conc_model m,
		   const struct cell **shown)
{
	struct row row;

	gather_row(cells, n, w, r, m, &row);
	if (shown)
		*shown = row.shown;
	return row.ok ? row.median_wall_s : -1;
}

static void print_workload_title(FILE *out, const struct run_opts *o, enum workload w)
{
	const struct work_params *p = &o->params;

	fprintf(out, "\n%s: ", workload_names[w]);
	if (w == WL_DISK)
		fprintf(out, "write %llu files x %llu lines x %llu chars", (unsigned long long)p->files,
			(unsigned long long)p->lines, (unsigned long long)p->line_length);
	else if (w == WL_CPU)
		fprintf(out, "triple loop over [%llu] * %llu", (unsigned long long)p->num,
			(unsigned long long)p->count);
	else
		fprintf(out, "%llu GETs, %llu ms server delay, %llu-byte bodies", (unsigned long long)p->requests,
			(unsigned long long)p->net_delay_ms, (unsigned long long)p->net_size);
	fprintf(out, "%s\n", o->repeat > 1 ? " (wall: median of the repeats)" : "");
	fprintf(out, "%-7s %-17s %8s %7s %5s | %6s %8s %6s %8s %9s %6s %6s | %8s %8s\n", "runtime", "model",
		"wall", "speedup", "CPUs", "on-CPU", "runnable", "disk", "lock/GIL", "loop-idle", "net",
		"other", "switches", "blk-reqs");
}

static void print_row(FILE *out, const struct row *row, const struct row *sync_row)
{
	const struct cell_stats *s = &row->shown->stats;
	char speedup[16] = "-";

	if (sync_row->ok && row->median_wall_s > 0)
		snprintf(speedup, sizeof(speedup), "%.2fx", sync_row->median_wall_s / row->median_wall_s);
	fprintf(out, "%7.2fs %7s %5.2f |", row->median_wall_s, speedup, s->cpus_used);
	for (int c = 0; c < COL_COUNT; c++)
		fprintf(out, " %*.1f%%", c == COL_RUNNABLE || c == COL_LOCK_GIL ? 7 :
			c == COL_LOOP_IDLE ? 8 : 5, 100 * s->share[c]);
	fprintf(out, " | %8llu %8llu", (unsigned long long)s->switches, (unsigned long long)s->block_requests);
	if (row->ok < row->repeats)
		fprintf(out, "  (%zu of %zu repeats failed)", row->repeats - row->ok, row->repeats);
	if (row->differs)
		fprintf(out, "  ! result differs: %s", row->shown->result_differs ? "this run" : "a repeat");
	fputc('\n', out);
}

static void print_failure(FILE *out, const struct row *row)
{
	const struct cell *c = row->failure;

	if (c->status == CELL_FAILED)
		fprintf(out, "FAILED: %s\n", c->reason);
	else
		fprintf(out, "%s\n", c->status == CELL_INTERRUPTED ? "interrupted" : "not run");
}

void print_tables(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n)
{
	for (int w = 0; w < WL_COUNT; w++) {
		if (!o->workloads[w])
			continue;
		print_workload_title(out, o, w);
		for (int r = 0; r < RT_COUNT; r++) {
			struct row sync_row;

			if (!o->runtimes[r])
				continue;
			gather_row(cells, n, w, r, CM_SYNC, &sync_row);
			for (int m = 0; m < CM_COUNT; m++) {
				struct row row;

				if (!o->models[m])
					continue;
				gather_row(cells, n, w, r, m, &row);
				fprintf(out, "%-7s %-17s ", runtime_names[r], model_names[m]);
				if (row.ok)
					print_row(out, &row, &sync_row);
				else
					print_failure(out, &row);
			}
		}
	}
}

static json_t *params_json(const struct run_opts *o)
{
	const struct work_params *p = &o->params;

	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:f, s:b, s:b}",
			 "size", size_names[o->size], "repeat", (json_int_t)o->repeat,
			 "files", (json_int_t)p->files, "lines", (json_int_t)p->lines,
			 "line_length", (json_int_t)p->line_length, "num", (json_int_t)p->num,
			 "count", (json_int_t)p->count, "requests", (json_int_t)p->requests,
			 "net_delay_ms", (json_int_t)p->net_delay_ms, "net_size", (json_int_t)p->net_size,
			 "workers", (json_int_t)p->workers, "python", o->python,
			 "cell_timeout_s", o->cell_timeout_s, "keep_files", o->keep_files,
			 "drop_caches", o->drop_caches);
}

static void add_stats_json(json_t *cell, const struct cell_stats *s)
{
	json_t *shares = json_object();

	for (int c = 0; c < COL_COUNT; c++)
		json_object_set_new(shares, share_column_names[c], json_real(s->share[c]));
	json_object_set_new(cell, "wall_s", json_real(s->wall_s));
	json_object_set_new(cell, "thread_s", json_real(s->thread_s));
	json_object_set_new(cell, "cpus_used", json_real(s->cpus_used));
	json_object_set_new(cell, "shares", shares);
	json_object_set_new(cell, "switches", json_integer(s->switches));
	json_object_set_new(cell, "block_requests", json_integer(s->block_requests));
}

static json_t *cell_json(const struct cell *c)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:O?, s:b}", "name", c->name,
			      "workload", workload_names[c->workload], "runtime", runtime_names[c->runtime],
			      "model", model_names[c->model], "repeat", (json_int_t)c->repeat,
			      "status", cell_status_names[c->status], "exit_status", c->exit_status,
			      "result", c->result, "result_differs", c->result_differs);

	if (c->reason[0])
		json_object_set_new(j, "reason", json_string(c->reason));
	if (c->has_stats) {
		add_stats_json(j, &c->stats);
		json_object_set_new(j, "report", json_sprintf("cells/%s/report.json", c->name));
	}
	if (c->explanation)
		json_object_set_new(j, "explanation", explanation_json(c->explanation));
	return j;
}

json_t *index_json(const struct run_opts *o, const struct cell *cells, size_t n, bool interrupted)
{
	json_t *list = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, cell_json(&cells[i]));
	return json_pack("{s:s, s:o, s:b, s:o, s:o}", "conctrace_version", CONCTRACE_VERSION,
			 "parameters", params_json(o), "interrupted", interrupted, "cells", list,
			 "explanation", matrix_explanation_json(o, cells, n));
}
