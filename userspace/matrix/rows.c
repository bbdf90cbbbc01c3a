/* The repeats of one workload, runtime and model gathered into a table row (rows.h). */
#include "matrix/rows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void gather_row(const struct cell *cells, size_t n, enum workload w, enum runtime r,
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
	row->spread = row->median_wall_s > 0 ? (walls[row->ok - 1] - walls[0]) / row->median_wall_s : 0;
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
