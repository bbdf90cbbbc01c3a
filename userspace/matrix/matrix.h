/* matrix/: `conctrace run`'s workload matrix: options, cells, rows, tables, comparisons and verdicts,
 * index.json and index.html, progress, and the latency server of the network workloads. It may
 * call render/, analyze/, model/ and base/ (not trace/: cli/ wires tracing in).
 *
 * The matrix's pure part: its options, the cells, the size presets, their command lines. */
#ifndef CONCTRACE_MATRIX_H
#define CONCTRACE_MATRIX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "analyze/shares.h"
#include "base/util.h"
#include "model/model.h"

/* The interpreter the Python workloads run with unless --python says otherwise: never whatever
 * python is first on PATH. */
#define RUN_PYTHON "/usr/bin/python3"

enum workload { WL_DISK, WL_CPU, WL_NET, WL_COUNT };
enum runtime { RT_PYTHON, RT_C, RT_COUNT };
enum conc_model { CM_SYNC, CM_THREADS, CM_ASYNCIO, CM_PROCESSES, CM_ASYNCIO_PROCESSES, CM_COUNT };
enum run_size { SIZE_QUICK, SIZE_DEFAULT, SIZE_NOTES, SIZE_COUNT };

extern const char *const workload_names[WL_COUNT];
extern const char *const runtime_names[RT_COUNT];
extern const char *const model_names[CM_COUNT];
extern const char *const size_names[SIZE_COUNT];

/* Workload parameters. 0 means "not given": size_preset() fills it (workers 0 stays: each
 * workload's own default). */
struct work_params {
	uint64_t files, lines, line_length;   /* disk */
	uint64_t num, count;                  /* cpu */
	uint64_t c_num;                       /* cpu: num for the C runtime, which runs the same loop
					       * about 100 times faster */
	uint64_t requests, net_delay_ms, net_size;  /* net */
	uint64_t workers;
};

struct run_opts {
	bool workloads[WL_COUNT], runtimes[RT_COUNT], models[CM_COUNT];
	enum run_size size;
	unsigned repeat;
	const char *outdir;       /* NULL: conctrace-run-YYYYmmdd-HHMMSS */
	const char *python;
	double cell_timeout_s;
	bool keep_files, drop_caches;
	bool verbose;             /* print the comparisons and every verdict's why too */
	bool recalibrate;         /* measure the machine's costs anew (matrix/calibrate.h) */
	struct work_params params;
};

/* Index of the LEN bytes at NAME among NAMES[0..COUNT), or -1. */
int name_index(const char *const *names, size_t count, const char *name, size_t len);

/* Parses ARGV (argv[0] is "run") and applies the size preset. On PARSE_ERROR, ERR holds a
 * one-line reason. */
enum parse_result run_parse(int argc, char **argv, struct run_opts *o, char *err, size_t errlen);
extern const char run_usage[];

/* Fills P's zero fields from SIZE's preset (docs/run.md gives the numbers and why). */
void size_preset(enum run_size size, struct work_params *p);

enum cell_status { CELL_PENDING, CELL_OK, CELL_FAILED, CELL_INTERRUPTED };
extern const char *const cell_status_names[];

struct explanation;
struct work;

struct cell {
	enum workload workload;
	enum runtime runtime;
	enum conc_model model;
	unsigned repeat;          /* 1-based */
	char name[64];            /* directory name: <workload>-<runtime>-<model>[-rN] */
	enum cell_status status;
	char reason[256];         /* why it failed */
	int exit_status;          /* -1 until it ran */
	double run_s;             /* time the whole cell took here, tracing included (for estimates) */
	json_t *result;           /* the workload's "result" object, owned; NULL when none */
	bool result_differs;
	bool has_stats;           /* stats and the report exist */
	struct cell_stats stats;
	struct explanation *explanation;  /* owned; NULL until explain_cells() (explain_matrix.h) */
	json_t *stack_tails;      /* owned; thread time by stack tail (stack_tails.h), from the same */
	struct work *work;        /* owned; what its work is made of (analyze/work.h), from the same */
};

/* The cells O selects, in the order they run: workload, runtime, model, repeat. Returns how many;
 * free with cells_free(). */
size_t matrix_cells(const struct run_opts *o, struct cell **out);
void cells_free(struct cell *cells, size_t n);

/* Seconds the cells from CURRENT on should still take (CURRENT has run for CURRENT_S), from the
 * finished cells of the same workload, else of any; negative when nothing has finished yet. */
double estimate_left(const struct cell *cells, size_t n, size_t current, double current_s);

/* The workload's command line for CELL (NULL-terminated, free with argv_free). */
struct cell_paths {
	const char *script, *cwork;   /* conc_work.py, cwork */
	const char *scratch;          /* disk: directory for the files */
	const char *url;              /* net: the latency server */
};
char **cell_command(const struct run_opts *o, const struct cell *c, const struct cell_paths *p);
void argv_free(char **argv);

#endif
