/* `conctrace run`'s tables, one per workload (tables.h). Pure: unit-tested with hand-built cells. */
#include "matrix/tables.h"

#include "matrix/rows.h"

#include <string.h>

const char *const share_column_titles[COL_COUNT] = {
	[COL_ONCPU] = "on-CPU", [COL_RUNNABLE] = "runnable", [COL_DISK] = "disk", [COL_LOCK_GIL] = "lock/GIL",
	[COL_LOOP_IDLE] = "loop-idle", [COL_NET] = "net", [COL_OTHER] = "other",
};

/* A share column is as wide as its title, and at least "100.0%". */
static int column_width(int c)
{
	int len = strlen(share_column_titles[c]);

	return len > 6 ? len : 6;
}

static void print_workload_title(FILE *out, const struct run_opts *o, enum workload w)
{
	const struct work_params *p = &o->params;

	fprintf(out, "\n%s: ", workload_names[w]);
	if (w == WL_DISK)
		fprintf(out, "write %llu files x %llu lines x %llu chars", (unsigned long long)p->files,
			(unsigned long long)p->lines, (unsigned long long)p->line_length);
	else if (w == WL_CPU)
		fprintf(out, "triple loop over [%llu] * %llu (C: [%llu] * %llu)", (unsigned long long)p->num,
			(unsigned long long)p->count, (unsigned long long)p->c_num, (unsigned long long)p->count);
	else
		fprintf(out, "%llu GETs, %llu ms server delay, %llu-byte bodies", (unsigned long long)p->requests,
			(unsigned long long)p->net_delay_ms, (unsigned long long)p->net_size);
	fprintf(out, "%s\n", o->repeat > 1 ? " (wall: median of the repeats)" : "");
	fprintf(out, "%-7s %-17s %8s %7s %5s |", "runtime", "model", "wall", "speedup", "CPUs");
	for (int c = 0; c < COL_COUNT; c++)
		fprintf(out, " %*s", column_width(c), share_column_titles[c]);
	fprintf(out, " | %8s %8s\n", "switches", "blk-reqs");
}

static void print_row(FILE *out, const struct row *row, const struct row *sync_row)
{
	const struct cell_stats *s = &row->shown->stats;
	char speedup[16] = "-";

	if (sync_row->ok && row->median_wall_s > 0)
		snprintf(speedup, sizeof(speedup), "%.2fx", sync_row->median_wall_s / row->median_wall_s);
	fprintf(out, "%7.2fs %7s %5.2f |", row->median_wall_s, speedup, s->cpus_used);
	for (int c = 0; c < COL_COUNT; c++)
		fprintf(out, " %*.1f%%", column_width(c) - 1, 100 * s->share[c]);
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

void print_workload_table(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n,
			  enum workload w)
{
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

void print_tables(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n)
{
	for (int w = 0; w < WL_COUNT; w++)
		if (o->workloads[w])
			print_workload_table(out, o, cells, n, w);
}
