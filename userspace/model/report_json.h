/* report.json: the run model's serialisation (schema in docs/report-format.md). */
#ifndef CONCTRACE_REPORT_JSON_H
#define CONCTRACE_REPORT_JSON_H

#include <jansson.h>
#include "model/model.h"

/* Names of the descriptor kinds (enum fd_kind) in report.json. */
extern const char *const fd_kind_names[FK_COUNT];
/* Names of the interrupt kinds (enum irq_kind), and the kind a wakeup came from (IRQK_NONE: a task). */
extern const char *const irq_kind_names[IRQK_COUNT];
enum irq_kind irq_kind_of(const struct wakeup_key *k);

/* The whole report as JSON: the model plus derived totals and cross-checks for readers (the
 * explanation is added by render/report_file.c). */
json_t *model_to_json(const struct run_model *m);
/* Rebuilds the model from a report; -1 with a one-line reason in ERR when it is not a valid one. */
int model_from_json(const json_t *root, struct run_model *m, char *err, size_t errlen);

/* Loads a report file into M; -1 with a one-line reason in ERR. */
int report_load(const char *path, struct run_model *m, char *err, size_t errlen);

#endif
