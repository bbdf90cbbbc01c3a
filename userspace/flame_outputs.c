#include "flame_outputs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "flamegraph.h"
#include "fold.h"
#include "folded.h"
#include "symbolize.h"
#include "util.h"

static const enum flame_kind flame_kind_of[FOLD_KIND_COUNT] = {
	[FOLD_ONCPU] = FLAME_ONCPU, [FOLD_OFFCPU] = FLAME_OFFCPU, [FOLD_WALL] = FLAME_WALL,
};

static const char *const titles[FOLD_KIND_COUNT] = {
	[FOLD_ONCPU] = "On-CPU", [FOLD_OFFCPU] = "Off-CPU (by wait class)",
	[FOLD_WALL] = "Wall clock (on-CPU and waiting, same scale)",
};

static int write_buffer(const char *dir, const char *name, const char *ext, const char *buf, size_t len,
			char *err, size_t errlen)
{
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	rc = write_file_atomic(path, buf, len);
	if (rc)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
	return rc ? -1 : 0;
}

/* Renders the folded text FOLDED of KIND as an SVG into a new buffer (caller frees). */
static char *render_svg(const struct run_model *m, enum fold_kind kind, const char *folded, size_t len,
			size_t *svg_len)
{
	struct frame_tree *tree = frame_tree_new();
	struct folded_stats st = { 0 };
	struct flame_opts o;
	char subtitle[512], *svg = NULL;
	FILE *out;

	if (folded_parse_buf(tree, FOLDED_A, folded, len, &st)) {
		frame_tree_free(tree);
		return NULL;
	}
	flame_opts_default(&o, flame_kind_of[kind]);
	o.title = titles[kind];
	snprintf(subtitle, sizeof(subtitle), "%.400s — %s", m->meta.command ? m->meta.command : "",
		 kind == FOLD_ONCPU ? "CPU samples" : "nanoseconds; off-CPU stacks are sampled, see docs/method.md");
	o.subtitle = subtitle;
	out = open_memstream(&svg, svg_len);
	if (flamegraph_write_svg(tree, &o, out)) {
		fclose(out);
		free(svg);
		svg = NULL;
	} else {
		fclose(out);
	}
	frame_tree_free(tree);
	return svg;
}

int flame_outputs_write(const struct run_model *m, const char *dir, char *err, size_t errlen)
{
	struct symbolizer *sym = symbolizer_new("/proc/kallsyms");
	int rc = 0;

	for (int kind = 0; kind < FOLD_KIND_COUNT && !rc; kind++) {
		char *folded = NULL, *svg;
		size_t len = 0, svg_len = 0;
		FILE *out = open_memstream(&folded, &len);

		rc = fold_model(m, kind, false, sym, out);
		fclose(out);
		if (rc)
			snprintf(err, errlen, "folding the %s stacks failed", fold_kind_names[kind]);
		if (!rc)
			rc = write_buffer(dir, fold_kind_names[kind], "folded", folded, len, err, errlen);
		svg = !rc && len ? render_svg(m, kind, folded, len, &svg_len) : NULL;
		if (svg)
			rc = write_buffer(dir, fold_kind_names[kind], "svg", svg, svg_len, err, errlen);
		free(svg);
		free(folded);
	}
	symbolizer_free(sym);
	return rc;
}
