/* index.json of a `conctrace run` directory (index.h). */
#include "matrix/index.h"

#include "analyze/findings.h"
#include "analyze/work.h"
#include "matrix/compare.h"

static json_t *params_json(const struct run_opts *o)
{
	const struct work_params *p = &o->params;

	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:f, s:b, s:b}",
			 "size", size_names[o->size], "repeat", (json_int_t)o->repeat,
			 "files", (json_int_t)p->files, "lines", (json_int_t)p->lines,
			 "line_length", (json_int_t)p->line_length, "num", (json_int_t)p->num,
			 "c_num", (json_int_t)p->c_num,
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
	if (c->work)
		json_object_set_new(j, "work", work_json(c->work));
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
