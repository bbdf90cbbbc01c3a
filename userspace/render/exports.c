#include "render/exports.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "base/progress.h"
#include "render/export_html.h"
#include "render/export_speedscope.h"
#include "render/export_perfetto.h"
#include "render/export_trace.h"
#include "render/flamegraph.h"
#include "model/report_json.h"
#include "model/timeline_file.h"
#include "render/report_file.h"
#include "base/util.h"

int export_folded(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out)
{
	return fold_model(m, &(struct fold_opts){ .kind = kind }, s, out);
}

static const enum flame_kind flame_kind_of[FOLD_KIND_COUNT] = {
	[FOLD_ONCPU] = FLAME_ONCPU, [FOLD_OFFCPU] = FLAME_OFFCPU, [FOLD_WALL] = FLAME_WALL,
};

int export_svg(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out)
{
	struct frame_tree *t = frame_tree_new();
	struct flame_opts o;
	int rc = fold_tree_add(m, &(struct fold_opts){ .kind = kind }, s, t, FOLDED_A);

	flame_opts_default(&o, flame_kind_of[kind]);
	o.subtitle = m->meta.command;
	if (!rc && flamegraph_write_svg(t, &o, out)) {
		errmsg("cannot write the flame graph");
		rc = -1;
	}
	frame_tree_free(t);
	return rc;
}

/* Dumps DOC (consumed) to OUT; NULL DOC: its maker already said why. */
static int write_json(json_t *doc, FILE *out)
{
	int rc;

	if (!doc)
		return -1;
	rc = json_dumpf(doc, out, JSON_COMPACT) || fputc('\n', out) == EOF ? -1 : 0;
	json_decref(doc);
	if (rc)
		errmsg("cannot write JSON");
	return rc;
}

int export_speedscope(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out)
{
	(void)kind;
	return write_json(speedscope_json(m, s), out);
}

int export_trace(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out)
{
	(void)s, (void)kind;
	return trace_json_write(m, out);
}

int export_perfetto(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out)
{
	(void)s, (void)kind;
	return perfetto_write(m, out);
}

static int export_timeline(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out)
{
	(void)s, (void)kind;
	return timeline_file_write(&m->timeline, out);
}

static const char *file_written(const struct run_model *m, size_t i);

int export_html(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out)
{
	(void)kind;
	return html_write_run(out, m, s, file_written);
}

static int export_report(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out)
{
	char *text = report_text(m);
	int rc = text && fputs(text, out) != EOF ? 0 : -1;

	(void)s, (void)kind;
	if (rc)
		errmsg("cannot render report.json");
	free(text);
	return rc;
}

int export_buffer(const char *path, const char *buf, size_t len)
{
	bool to_stdout = !strcmp(path, "-");
	int rc;

	if (to_stdout) {
		errno = 0;
		rc = fwrite(buf, 1, len, stdout) == len && !fflush(stdout) ? 0 : errno ? -errno : -EIO;
	} else {
		rc = write_file_atomic(path, buf, len);
	}
	if (rc)
		errmsg("cannot write %s: %s", to_stdout ? "to standard output" : path, strerror(-rc));
	return rc ? -1 : 0;
}

int export_render_at(const struct outdir *d, const char *name, render_fn render, const void *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f) {
		errmsg("out of memory rendering %s", name);
		return -1;
	}
	rc = render(f, ctx);
	if (fclose(f) && !rc) {
		errmsg("out of memory rendering %s", name);
		rc = -1;
	}
	if (!rc && !d) {
		rc = export_buffer(name, buf, len);
	} else if (!rc && (rc = outdir_write(d, name, buf, len, 0644))) {
		errmsg("cannot write %s/%s: %s", d->path, name, strerror(-rc));
		rc = -1;
	}
	free(buf);
	return rc;
}

int export_render(const char *path, render_fn render, const void *ctx)
{
	return export_render_at(NULL, path, render, ctx);
}

struct model_export {
	export_fn fn;
	const struct run_model *m;
	struct symbolizer *s;
	enum fold_kind kind;
};

static int render_model_export(FILE *out, const void *ctx)
{
	const struct model_export *e = ctx;

	return e->fn(e->m, e->s, e->kind, out);
}

int export_to_path(const char *path, export_fn fn, const struct run_model *m, struct symbolizer *s,
		   enum fold_kind kind)
{
	const struct model_export e = { fn, m, s, kind };

	return export_render(path, render_model_export, &e);
}

/* Which files need a timeline; trace.json is written only when asked for too. */
enum export_when { ALWAYS, WITH_TIMELINE, CHROME_TRACE };

static const struct {
	const char *name;
	export_fn fn;
	enum fold_kind kind;
	enum export_when when;
} every_export[] = {
	/* the timeline before the report that names it */
	{ TIMELINE_FILE_NAME, export_timeline, FOLD_ONCPU, WITH_TIMELINE },
	{ "report.json", export_report, FOLD_ONCPU, ALWAYS },
	{ "report.html", export_html, FOLD_ONCPU, ALWAYS },
	{ "speedscope.json", export_speedscope, FOLD_ONCPU, ALWAYS },
	{ "trace.perfetto", export_perfetto, FOLD_ONCPU, WITH_TIMELINE },
	{ "trace.json", export_trace, FOLD_ONCPU, CHROME_TRACE },
	{ "oncpu.folded", export_folded, FOLD_ONCPU, ALWAYS },
	{ "offcpu.folded", export_folded, FOLD_OFFCPU, ALWAYS },
	{ "wall.folded", export_folded, FOLD_WALL, ALWAYS },
	{ "oncpu.svg", export_svg, FOLD_ONCPU, ALWAYS },
	{ "offcpu.svg", export_svg, FOLD_OFFCPU, ALWAYS },
	{ "wall.svg", export_svg, FOLD_WALL, ALWAYS },
};

const char *export_file_name(size_t i)
{
	return i < ARRAY_LEN(every_export) ? every_export[i].name : NULL;
}

/* Whether export_all writes export I for M. */
static bool written(const struct run_model *m, size_t i, bool chrome_trace)
{
	enum export_when when = every_export[i].when;

	return (when == ALWAYS || m->timeline.recorded) && (when != CHROME_TRACE || chrome_trace);
}

/* The I-th file export_all writes for M by default (trace.json is asked for only now and then). */
static const char *file_written(const struct run_model *m, size_t i)
{
	for (size_t k = 0; k < ARRAY_LEN(every_export); k++)
		if (written(m, k, false) && !i--)
			return every_export[k].name;
	return NULL;
}

int export_all(const struct outdir *d, const struct run_model *m, struct symbolizer *s, bool chrome_trace)
{
	char step[64];
	int rc = 0;

	progress_begin();
	for (size_t i = 0; i < ARRAY_LEN(every_export) && !rc; i++) {
		const struct model_export e = { every_export[i].fn, m, s, every_export[i].kind };

		if (!written(m, i, chrome_trace))
			continue;
		snprintf(step, sizeof(step), "writing %s", every_export[i].name);
		progress_update(step, i, ARRAY_LEN(every_export));
		rc = export_render_at(d, every_export[i].name, render_model_export, &e);
	}
	progress_end();
	return rc;
}
