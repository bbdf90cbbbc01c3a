/* What `conctrace report` and `diff` are pointed at: a report.json, a directory holding one (a
 * record or cell directory), or a `conctrace run` directory (index.json, one report per cell). */
#ifndef CONCTRACE_REPORT_SOURCE_H
#define CONCTRACE_REPORT_SOURCE_H

#include <limits.h>
#include <stddef.h>
#include "matrix/matrix.h"

enum source_kind { SOURCE_REPORT, SOURCE_RUN };

struct report_source {
	enum source_kind kind;
	char path[PATH_MAX];   /* the report.json, or the run directory */
};

/* Finds what PATH names; -1 with a one-line reason in ERR. */
int report_source_find(const char *path, struct report_source *src, char *err, size_t errlen);

/* A `conctrace run` directory: the options its index.json records (the selection is the cells'
 * workloads, runtimes and models) and its cells, each with the figures of its report (loaded and
 * validated). -1 with a one-line reason in ERR; free the cells with cells_free(). */
int run_index_load(const char *dir, struct run_opts *o, struct cell **cells, size_t *n, char *err,
		   size_t errlen);

#endif
