/* `conctrace run`: options, size presets, the cells of the matrix and their command lines. */
#include "matrix/matrix.h"

#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "base/util.h"

const char *const workload_names[WL_COUNT] = { "disk", "cpu", "net" };
const char *const runtime_names[RT_COUNT] = { "python", "c" };
const char *const model_names[CM_COUNT] = { "sync", "threads", "asyncio", "processes", "asyncio+processes" };
const char *const size_names[SIZE_COUNT] = { "quick", "default", "notes" };
const char *const cell_status_names[] = { "pending", "ok", "failed", "interrupted" };

const char run_usage[] =
	"usage: conctrace run [options] [workload parameters]\n"
	"  --workloads LIST        disk,cpu,net (default: all)\n"
	"  --models LIST           sync,threads,asyncio,processes,asyncio+processes (default: all)\n"
	"  --runtimes LIST         python,c (default: both)\n"
	"  --size quick|default|notes  parameter preset (default: default, about two minutes)\n"
	"  --repeat N              run every cell N times, report the median wall (default 1)\n"
	"  -o, --output DIR        output directory (default: conctrace-run-YYYYmmdd-HHMMSS); an\n"
	"                          earlier output there is kept as DIR.old\n"
	"  --python PATH           Python interpreter (default: /usr/bin/python3)\n"
	"  --net-delay MS          latency server delay per request\n"
	"  --net-size BYTES        latency server response body size\n"
	"  --workers N             pool size of the threads/processes models\n"
	"  --cell-timeout SEC      kill a cell after SEC seconds (default 600)\n"
	"  --keep-files            keep the disk workload's files (DIR/scratch/CELL)\n"
	"  --drop-caches           sync and drop the page cache before each cell\n"
	"  workload parameters (override the preset):\n"
	"  --files N --lines N --line-length N   disk\n"
	"  --num N --count K                     cpu ([num] * count triple loops)\n"
	"  --c-num N                             cpu: num for the C runtime\n"
	"  --requests N                          net\n"
	"  -v, --verbose           also the comparisons of models, each verdict's reasons, and every\n"
	"                          prediction of the what-if model with why each miss missed\n"
	"  --recalibrate           measure this machine's hand-off and start-up costs anew\n"
	"  -h, --help              this help\n"
	"Exit status: 0 every cell ok, 1 a cell failed or disagreed, 2 bad usage, 130 interrupted.\n";

enum {
	OPT_WORKLOADS = 256, OPT_MODELS, OPT_RUNTIMES, OPT_SIZE, OPT_REPEAT, OPT_PYTHON, OPT_NET_DELAY,
	OPT_NET_SIZE, OPT_WORKERS, OPT_CELL_TIMEOUT, OPT_KEEP_FILES, OPT_DROP_CACHES, OPT_FILES,
	OPT_LINES, OPT_LINE_LENGTH, OPT_NUM, OPT_COUNT, OPT_REQUESTS, OPT_C_NUM, OPT_RECALIBRATE,
};

static const struct option run_options[] = {
	{ "workloads", required_argument, NULL, OPT_WORKLOADS },
	{ "models", required_argument, NULL, OPT_MODELS },
	{ "runtimes", required_argument, NULL, OPT_RUNTIMES },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "output", required_argument, NULL, 'o' },
	{ "python", required_argument, NULL, OPT_PYTHON },
	{ "net-delay", required_argument, NULL, OPT_NET_DELAY },
	{ "net-size", required_argument, NULL, OPT_NET_SIZE },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "cell-timeout", required_argument, NULL, OPT_CELL_TIMEOUT },
	{ "keep-files", no_argument, NULL, OPT_KEEP_FILES },
	{ "drop-caches", no_argument, NULL, OPT_DROP_CACHES },
	{ "files", required_argument, NULL, OPT_FILES },
	{ "lines", required_argument, NULL, OPT_LINES },
	{ "line-length", required_argument, NULL, OPT_LINE_LENGTH },
	{ "num", required_argument, NULL, OPT_NUM },
	{ "c-num", required_argument, NULL, OPT_C_NUM },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "requests", required_argument, NULL, OPT_REQUESTS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "recalibrate", no_argument, NULL, OPT_RECALIBRATE },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* Numeric options: where each goes and its range (the workloads' own limits). */
static const struct {
	int opt;
	size_t offset;
	uint64_t min, max;
} numeric_options[] = {
	{ OPT_FILES, offsetof(struct work_params, files), 1, 1000000 },
	{ OPT_LINES, offsetof(struct work_params, lines), 1, 1000000 },
	{ OPT_LINE_LENGTH, offsetof(struct work_params, line_length), 1, 1 << 20 },
	{ OPT_NUM, offsetof(struct work_params, num), 2, 100000 },
	{ OPT_C_NUM, offsetof(struct work_params, c_num), 2, 100000 },
	{ OPT_COUNT, offsetof(struct work_params, count), 1, 1000000 },
	{ OPT_REQUESTS, offsetof(struct work_params, requests), 1, 1000000 },
	{ OPT_NET_DELAY, offsetof(struct work_params, net_delay_ms), 1, 3600000 },
	{ OPT_NET_SIZE, offsetof(struct work_params, net_size), 1, 1 << 30 },
	{ OPT_WORKERS, offsetof(struct work_params, workers), 1, 1024 },
};

void size_preset(enum run_size size, struct work_params *p)
{
	/* quick: seconds, for tests. default: the 30-cell matrix in about three minutes on 2 CPUs,
	 * every cell 0.5 s or more (docs/run.md). notes: the study notes' own sizes (C1, C3, C4). */
	static const struct work_params presets[SIZE_COUNT] = {
		[SIZE_QUICK] = { .files = 40, .lines = 20, .line_length = 50, .num = 12, .count = 4,
				 .c_num = 30, .requests = 12, .net_delay_ms = 20, .net_size = 512 },
		[SIZE_DEFAULT] = { .files = 3000, .lines = 100, .line_length = 100, .num = 30, .count = 40,
				   .c_num = 200, .requests = 24, .net_delay_ms = 500, .net_size = 1024 },
		[SIZE_NOTES] = { .files = 5000, .lines = 100, .line_length = 100, .num = 30, .count = 100,
				 .c_num = 200, .requests = 60, .net_delay_ms = 300, .net_size = 1024 },
	};
	/* Every field is a uint64_t, so the preset is merged field by field. */
	_Static_assert(sizeof(struct work_params) == 10 * sizeof(uint64_t), "work_params: uint64_t only");
	const uint64_t *from = (const uint64_t *)&presets[size];
	uint64_t *to = (uint64_t *)p;

	for (size_t i = 0; i < sizeof(*p) / sizeof(uint64_t); i++)
		if (!to[i])
			to[i] = from[i];
}

int name_index(const char *const *names, size_t count, const char *name, size_t len)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(names[i]) == len && !strncmp(names[i], name, len))
			return i;
	return -1;
}

/* "a,b,c" into SELECTED; false (with ERR) on an unknown or empty name. */
static bool parse_list(const char *opt, const char *list, const char *const *names, size_t count,
		       bool *selected, char *err, size_t errlen)
{
	memset(selected, 0, count * sizeof(*selected));
	for (const char *p = list;; p++) {
		size_t len = strcspn(p, ",");
		int i = name_index(names, count, p, len);

		if (i < 0) {
			snprintf(err, errlen, "%s: unknown name '%.*s'", opt, (int)len, p);
			return false;
		}
		selected[i] = true;
		p += len;
		if (!*p)
			return true;
	}
}

static enum parse_result parse_number(int c, const char *arg, struct run_opts *o, char *err, size_t errlen)
{
	for (size_t i = 0; i < ARRAY_LEN(numeric_options); i++) {
		uint64_t *field = (uint64_t *)((char *)&o->params + numeric_options[i].offset);

		if (numeric_options[i].opt != c)
			continue;
		if (parse_u64(arg, numeric_options[i].min, numeric_options[i].max, field))
			return PARSE_OK;
		for (const struct option *opt = run_options; opt->name; opt++)
			if (opt->val == c)
				snprintf(err, errlen, "--%s: expected a whole number from %llu to %llu: '%s'",
					 opt->name, (unsigned long long)numeric_options[i].min,
					 (unsigned long long)numeric_options[i].max, arg);
		return PARSE_ERROR;
	}
	snprintf(err, errlen, "unknown or incomplete option");
	return PARSE_ERROR;
}

static enum parse_result parse_one(int c, const char *arg, struct run_opts *o, char *err, size_t errlen)
{
	uint64_t v;
	int i;

	switch (c) {
	case OPT_WORKLOADS:
		return parse_list("--workloads", arg, workload_names, WL_COUNT, o->workloads, err, errlen) ?
		       PARSE_OK : PARSE_ERROR;
	case OPT_MODELS:
		return parse_list("--models", arg, model_names, CM_COUNT, o->models, err, errlen) ?
		       PARSE_OK : PARSE_ERROR;
	case OPT_RUNTIMES:
		return parse_list("--runtimes", arg, runtime_names, RT_COUNT, o->runtimes, err, errlen) ?
		       PARSE_OK : PARSE_ERROR;
	case OPT_SIZE:
		i = name_index(size_names, SIZE_COUNT, arg, strlen(arg));
		if (i < 0) {
			snprintf(err, errlen, "--size: expected quick, default or notes: '%s'", arg);
			return PARSE_ERROR;
		}
		o->size = i;
		return PARSE_OK;
	case OPT_REPEAT:
		if (!parse_u64(arg, 1, 1000, &v)) {
			snprintf(err, errlen, "--repeat: expected a whole number from 1 to 1000: '%s'", arg);
			return PARSE_ERROR;
		}
		o->repeat = v;
		return PARSE_OK;
	case OPT_CELL_TIMEOUT:
		if (!parse_double(arg, 0.001, 1e7, &o->cell_timeout_s)) {
			snprintf(err, errlen, "--cell-timeout: expected a positive number of seconds: '%s'", arg);
			return PARSE_ERROR;
		}
		return PARSE_OK;
	case 'o': o->outdir = arg; return PARSE_OK;
	case OPT_PYTHON: o->python = arg; return PARSE_OK;
	case OPT_KEEP_FILES: o->keep_files = true; return PARSE_OK;
	case OPT_DROP_CACHES: o->drop_caches = true; return PARSE_OK;
	case 'v': o->verbose = true; return PARSE_OK;
	case OPT_RECALIBRATE: o->recalibrate = true; return PARSE_OK;
	case 'h': return PARSE_HELP;
	default: return parse_number(c, arg, o, err, errlen);
	}
}

static void run_defaults(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	memset(o->workloads, 1, sizeof(o->workloads));
	memset(o->runtimes, 1, sizeof(o->runtimes));
	memset(o->models, 1, sizeof(o->models));
	o->size = SIZE_DEFAULT;
	o->repeat = 1;
	o->python = RUN_PYTHON;
	o->cell_timeout_s = 600;
}

enum parse_result run_parse(int argc, char **argv, struct run_opts *o, char *err, size_t errlen)
{
	int c;

	run_defaults(o);
	optind = 0;    /* glibc: restart scanning, so parsing can run more than once */
	opterr = 0;    /* errors are reported by the caller, on one line */
	while ((c = getopt_long(argc, argv, ":o:vh", run_options, NULL)) != -1) {
		enum parse_result r;

		if (c == '?' || c == ':') {
			snprintf(err, errlen, "%s: %s", argv[optind - 1],
				 c == ':' ? "needs an argument" : "unknown option");
			return PARSE_ERROR;
		}
		r = parse_one(c, optarg, o, err, errlen);
		if (r != PARSE_OK)
			return r;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return PARSE_ERROR;
	}
	if (o->outdir && !o->outdir[0]) {
		snprintf(err, errlen, "--output: empty directory name");
		return PARSE_ERROR;
	}
	if (!strchr(o->python, '/')) {
		snprintf(err, errlen, "--python: give a path such as /usr/bin/python3, not a name to look up "
			 "on PATH: '%s'", o->python);
		return PARSE_ERROR;
	}
	size_preset(o->size, &o->params);
	return PARSE_OK;
}

size_t matrix_cells(const struct run_opts *o, struct cell **out)
{
	struct cell *cells = NULL;
	size_t n = 0, cap = 0;

	for (int w = 0; w < WL_COUNT; w++)
		for (int r = 0; r < RT_COUNT; r++)
			for (int m = 0; m < CM_COUNT; m++)
				for (unsigned rep = 1; rep <= o->repeat; rep++) {
					struct cell *c;

					if (!o->workloads[w] || !o->runtimes[r] || !o->models[m])
						continue;
					c = VEC_PUSH(cells, n, cap);
					c->workload = w;
					c->runtime = r;
					c->model = m;
					c->repeat = rep;
					c->exit_status = -1;
					snprintf(c->name, sizeof(c->name), "%s-%s-%s", workload_names[w],
						 runtime_names[r], model_names[m]);
					if (o->repeat > 1)
						snprintf(c->name + strlen(c->name), sizeof(c->name) - strlen(c->name),
							 "-r%u", rep);
				}
	*out = cells;
	return n;
}

void cells_free(struct cell *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_decref(cells[i].result);
		free(cells[i].explanation);
		json_decref(cells[i].stack_tails);
		free(cells[i].work);
	}
	free(cells);
}

double estimate_left(const struct cell *cells, size_t n, size_t current, double current_s)
{
	double sum[WL_COUNT] = { 0 }, all = 0, left = 0;
	size_t done[WL_COUNT] = { 0 }, all_done = 0;

	for (size_t i = 0; i < current; i++) {
		sum[cells[i].workload] += cells[i].run_s;
		done[cells[i].workload]++;
		all += cells[i].run_s;
		all_done++;
	}
	if (!all_done)
		return -1;
	for (size_t i = current; i < n; i++) {
		enum workload w = cells[i].workload;

		left += done[w] ? sum[w] / done[w] : all / all_done;
	}
	if (current < n)
		left -= current_s < left ? current_s : left;
	return left;
}

static void push_arg(char ***argv, size_t *n, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void push_arg(char ***argv, size_t *n, size_t *cap, const char *fmt, ...)
{
	char **slot = VEC_PUSH(*argv, *n, *cap);
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(slot, fmt, ap) < 0)
		*slot = xstrdup("");
	va_end(ap);
}

char **cell_command(const struct run_opts *o, const struct cell *c, const struct cell_paths *p)
{
	const struct work_params *w = &o->params;
	char **argv = NULL;
	size_t n = 0, cap = 0;

	if (c->runtime == RT_PYTHON) {
		push_arg(&argv, &n, &cap, "%s", o->python);
		push_arg(&argv, &n, &cap, "%s", p->script);
	} else {
		push_arg(&argv, &n, &cap, "%s", p->cwork);
	}
	push_arg(&argv, &n, &cap, "--workload=%s", workload_names[c->workload]);
	push_arg(&argv, &n, &cap, "--model=%s", model_names[c->model]);
	if (w->workers)
		push_arg(&argv, &n, &cap, "--workers=%llu", (unsigned long long)w->workers);
	if (c->workload == WL_DISK) {
		push_arg(&argv, &n, &cap, "--files=%llu", (unsigned long long)w->files);
		push_arg(&argv, &n, &cap, "--lines=%llu", (unsigned long long)w->lines);
		push_arg(&argv, &n, &cap, "--line-length=%llu", (unsigned long long)w->line_length);
		push_arg(&argv, &n, &cap, "--dir=%s", p->scratch);
	} else if (c->workload == WL_CPU) {
		push_arg(&argv, &n, &cap, "--num=%llu",
			 (unsigned long long)(c->runtime == RT_C ? w->c_num : w->num));
		push_arg(&argv, &n, &cap, "--count=%llu", (unsigned long long)w->count);
	} else {
		push_arg(&argv, &n, &cap, "--requests=%llu", (unsigned long long)w->requests);
		push_arg(&argv, &n, &cap, "--url=%s", p->url);
	}
	VEC_PUSH(argv, n, cap);    /* the NULL terminator (pushed elements are zeroed) */
	return argv;
}

void argv_free(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}
