#include "matrix/report_source.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "model/report_json.h"
#include "base/util.h"

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

int report_source_find(const char *path, struct report_source *src, char *err, size_t errlen)
{
	struct stat st;
	char index[PATH_MAX];

	if (stat(path, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	src->kind = SOURCE_REPORT;
	if (!S_ISDIR(st.st_mode)) {
		snprintf(src->path, sizeof(src->path), "%s", path);
		return 0;
	}
	snprintf(index, sizeof(index), "%s/index.json", path);
	snprintf(src->path, sizeof(src->path), "%s/report.json", path);
	if (is_file(index)) {
		src->kind = SOURCE_RUN;
		snprintf(src->path, sizeof(src->path), "%s", path);
	} else if (!is_file(src->path)) {
		snprintf(err, errlen, "%s: no report.json (a record or cell directory) or index.json "
			 "(a run directory) in it", path);
		return -1;
	}
	return 0;
}

static int enum_of(const char *const *names, size_t count, const char *name)
{
	return name_index(names, count, name, strlen(name));
}

static int read_params(const json_t *index, struct run_opts *o, char *err, size_t errlen)
{
	struct work_params *p = &o->params;
	json_int_t v[10], repeat;
	const json_t *c_num;
	const char *size;
	json_error_t jerr;

	if (json_unpack_ex((json_t *)index, &jerr, 0, "{s:{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
			   "parameters", "size", &size, "repeat", &repeat, "files", &v[0], "lines", &v[1],
			   "line_length", &v[2], "num", &v[3], "count", &v[4], "requests", &v[5],
			   "net_delay_ms", &v[6], "net_size", &v[7], "workers", &v[8])) {
		snprintf(err, errlen, "index.json: parameters: %s", jerr.text);
		return -1;
	}
	*p = (struct work_params){ .files = v[0], .lines = v[1], .line_length = v[2], .num = v[3],
				   .count = v[4], .requests = v[5], .net_delay_ms = v[6],
				   .net_size = v[7], .workers = v[8] };
	/* runs before the C runtime had its own num ran the Python one */
	c_num = json_object_get(json_object_get(index, "parameters"), "c_num");
	p->c_num = json_is_integer(c_num) ? (uint64_t)json_integer_value(c_num) : p->num;
	o->repeat = repeat;
	o->size = enum_of(size_names, SIZE_COUNT, size) < 0 ? SIZE_DEFAULT : enum_of(size_names, SIZE_COUNT, size);
	return 0;
}

/* The cell's figures, from its report (relative to DIR). */
static int read_cell_stats(const char *dir, const char *report, struct cell *c, char *err, size_t errlen)
{
	char path[PATH_MAX], why[512];
	struct run_model m;

	snprintf(path, sizeof(path), "%s/%s", dir, report);
	if (report_load(path, &m, why, sizeof(why))) {
		snprintf(err, errlen, "cell %s: %s", c->name, why);
		return -1;
	}
	cell_stats_of(&m, &c->stats);
	c->has_stats = true;
	model_free(&m);
	return 0;
}

static int read_cell(const char *dir, const json_t *j, struct run_opts *o, struct cell *c, char *err,
		     size_t errlen)
{
	const char *name, *workload, *runtime, *model, *status, *reason = NULL, *report = NULL;
	json_int_t repeat;
	json_t *result = NULL;
	int differs, w, r, m, st;
	json_error_t jerr;

	if (json_unpack_ex((json_t *)j, &jerr, 0, "{s:s, s:s, s:s, s:s, s:I, s:s, s:i, s?O, s:b, s?s, s?s}",
			   "name", &name, "workload", &workload, "runtime", &runtime, "model", &model,
			   "repeat", &repeat, "status", &status, "exit_status", &c->exit_status,
			   "result", &result, "result_differs", &differs, "reason", &reason,
			   "report", &report)) {
		snprintf(err, errlen, "index.json: a cell: %s", jerr.text);
		return -1;
	}
	c->result = result;
	w = enum_of(workload_names, WL_COUNT, workload);
	r = enum_of(runtime_names, RT_COUNT, runtime);
	m = enum_of(model_names, CM_COUNT, model);
	st = enum_of(cell_status_names, CELL_INTERRUPTED + 1, status);
	if (w < 0 || r < 0 || m < 0 || st < 0) {
		snprintf(err, errlen, "index.json: cell %s: unknown workload, runtime, model or status", name);
		return -1;
	}
	*c = (struct cell){ .workload = w, .runtime = r, .model = m, .repeat = repeat, .status = st,
			    .exit_status = c->exit_status, .result = result, .result_differs = differs };
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->reason, sizeof(c->reason), "%s", reason ? reason : "");
	o->workloads[w] = o->runtimes[r] = o->models[m] = true;
	return report ? read_cell_stats(dir, report, c, err, errlen) : 0;
}

static int read_cells(const char *dir, const json_t *index, struct run_opts *o, struct cell **cells,
		      size_t *n, char *err, size_t errlen)
{
	const json_t *list = json_object_get(index, "cells");
	size_t i;
	const json_t *j;

	if (!json_is_array(list)) {
		snprintf(err, errlen, "index.json: no \"cells\" array");
		return -1;
	}
	*cells = xcalloc(json_array_size(list) + 1, sizeof(**cells));
	*n = 0;
	json_array_foreach(list, i, j) {
		int rc = read_cell(dir, j, o, &(*cells)[i], err, errlen);

		*n = i + 1;
		if (rc)
			return -1;
	}
	return 0;
}

int run_index_load(const char *dir, struct run_opts *o, struct cell **cells, size_t *n, char *err,
		   size_t errlen)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *index;
	int rc;

	*o = (struct run_opts){ .outdir = dir };
	*cells = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/index.json", dir);
	if (!(index = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr))) {
		snprintf(err, errlen, "%s: line %d: %s", path, jerr.line, jerr.text);
		return -1;
	}
	rc = read_params(index, o, err, errlen) || read_cells(dir, index, o, cells, n, err, errlen) ? -1 : 0;
	json_decref(index);
	return rc;
}
