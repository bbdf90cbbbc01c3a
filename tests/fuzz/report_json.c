/* libFuzzer harness: bytes as the text of a report.json, through what `conctrace report` does with
 * one. The loader must accept or reject with a one-line reason; what it accepts must be written and
 * read back to the same model (docs/report-format.md; its timeline through timeline.bin) and must
 * render without a memory error, traces included. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/report_json.h"
#include "model/timeline_file.h"
#include "render/exports.h"
#include "render/report_file.h"
#include "render/summary.h"

static char *model_dump(const struct run_model *m)
{
	json_t *j = model_to_json(m);
	char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);

	json_decref(j);
	return s;
}

/* M's timeline written as timeline.bin and read back into BACK's, as report_load reads the file a
 * report names. */
static void timeline_round_trip(const struct run_model *m, struct run_model *back)
{
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (timeline_file_write(&m->timeline, f) | fclose(f) ||
	    timeline_file_parse((const uint8_t *)buf, len, NULL, &back->timeline, err, sizeof(err))) {
		fprintf(stderr, "a written timeline does not load: %s\n", err);
		abort();
	}
	if (memcmp(m->timeline.intervals, back->timeline.intervals,
		   m->timeline.n_intervals * sizeof(*m->timeline.intervals))) {
		fprintf(stderr, "round trip changed the timeline's intervals\n");
		abort();
	}
	for (size_t i = 0; i < m->timeline.n_wakes; i++) {
		const struct model_wake_edge *a = &m->timeline.wakes[i], *b = &back->timeline.wakes[i];

		if (a->ts_ns != b->ts_ns || a->waker_tid != b->waker_tid || a->wakee_tid != b->wakee_tid ||
		    a->wait_class != b->wait_class || a->flags != b->flags) {
			fprintf(stderr, "round trip changed wakeup %zu of the timeline\n", i);
			abort();
		}
	}
	free(buf);
}

/* A report the loader accepted, written and loaded again, gives the same model. */
static void check_round_trip(const struct run_model *m)
{
	char *text = report_text(m), *first = model_dump(m), *second, err[256];
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	struct run_model back;

	if (!root || model_from_json(root, &back, err, sizeof(err))) {
		fprintf(stderr, "a written report does not load: %s\n", err);
		abort();
	}
	if (m->timeline.recorded)
		timeline_round_trip(m, &back);
	second = model_dump(&back);
	if (strcmp(first, second)) {
		fprintf(stderr, "round trip changed the model:\n%s\n%s\n", first, second);
		abort();
	}
	json_decref(root);
	model_free(&back);
	free(text);
	free(first);
	free(second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* One symbolizer for every input: maps naming real files are read once, not per input. */
	static struct symbolizer *sym;
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	struct run_model m;
	char err[256] = "";
	FILE *null_out;

	if (!root)
		return 0;
	if (model_from_json(root, &m, err, sizeof(err))) {
		if (!err[0] || strchr(err, '\n')) {
			fprintf(stderr, "a rejected report needs a one-line reason: '%s'\n", err);
			abort();
		}
		json_decref(root);
		return 0;
	}
	json_decref(root);
	check_round_trip(&m);
	if (!sym)
		sym = symbolizer_new(NULL);
	null_out = fopen("/dev/null", "w");
	summary_print(null_out, &m, "fuzz.json", true);
	export_svg(&m, sym, FOLD_WALL, null_out);
	export_speedscope(&m, sym, FOLD_ONCPU, null_out);
	export_trace(&m, sym, FOLD_ONCPU, null_out);
	export_perfetto(&m, sym, FOLD_ONCPU, null_out);
	fclose(null_out);
	model_free(&m);
	return 0;
}
