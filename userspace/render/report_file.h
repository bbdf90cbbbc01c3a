/* report.json as written: the run model's JSON (model/report_json.h) with the explanation of the
 * run, derived for readers (the loader rebuilds it from the model). */
#ifndef CONCTRACE_REPORT_FILE_H
#define CONCTRACE_REPORT_FILE_H

#include "model/model.h"

/* The report's text, as report_write writes it (malloc'd); NULL when out of memory. */
char *report_text(const struct run_model *m);
/* Writes PATH atomically (temporary name, then rename), and before it the timeline file beside it
 * when M has a timeline. Returns 0 or -errno. */
int report_write(const char *path, const struct run_model *m);

#endif
