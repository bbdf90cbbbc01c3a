/* render/: what people read: symbols, folded stacks, flame graphs, the terminal summary, report.json
 * with its explanation, HTML, speedscope, Perfetto/Chrome traces, Pyroscope push. It formats what
 * model/ holds and analyze/ computed, and may call those and base/.
 *
 * Every file `conctrace report` can regenerate from a run model, each rendered into a stream
 * and written through base/outdir.h (temporary name, then rename), so a file is complete or
 * absent and no link planted in its directory is followed. */
#ifndef CONCTRACE_EXPORTS_H
#define CONCTRACE_EXPORTS_H

#include <stdbool.h>
#include <stdio.h>
#include "base/outdir.h"
#include "render/fold.h"
#include "model/model.h"
#include "model/symbolize.h"

/* Renders one export of M to OUT; KIND matters to folded stacks and flame graphs only.
 * 0, or -1 after a one-line error. */
typedef int (*export_fn)(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out);

int export_folded(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out);
int export_svg(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out);
int export_speedscope(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out);
int export_trace(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out);
int export_perfetto(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out);
int export_html(const struct run_model *m, struct symbolizer *s, enum fold_kind kind, FILE *out);

/* Writes what RENDER puts in a stream to PATH atomically ("-": stdout): rendered in memory first,
 * so a failed render leaves no file. 0, or -1 after a one-line error. */
typedef int (*render_fn)(FILE *out, const void *ctx);
int export_render(const char *path, render_fn render, const void *ctx);
/* The same into the file NAME of the output directory D (NULL: NAME is a path, as above). */
int export_render_at(const struct outdir *d, const char *name, render_fn render, const void *ctx);

/* Writes what FN renders to PATH atomically, or to stdout when PATH is "-". */
int export_to_path(const char *path, export_fn fn, const struct run_model *m, struct symbolizer *s,
		   enum fold_kind kind);

/* Writes every export into D, stopping at the first that fails: with a timeline timeline.bin
 * (first: report.json names it), report.json, report.html, speedscope.json, with a timeline
 * trace.perfetto and, when CHROME_TRACE, trace.json, and oncpu/offcpu/wall .folded and .svg. 0, or
 * -1 after a one-line error. */
int export_all(const struct outdir *d, const struct run_model *m, struct symbolizer *s, bool chrome_trace);

/* The name of the I-th file export_all writes, or NULL past the last. */
const char *export_file_name(size_t i);

/* Writes BUF to PATH atomically ("-": stdout); 0, or -1 after a one-line error. */
int export_buffer(const char *path, const char *buf, size_t len);

#endif
