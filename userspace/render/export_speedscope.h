/* speedscope's file format (https://www.speedscope.app/file-format-schema.json): per thread, one
 * sampled profile of its on-CPU stacks and one of its off-CPU stacks, weights in nanoseconds
 * (an on-CPU sample weighs one sampling period). Frames are shared and named as fold.c names
 * them; a profile's stacks leave out fold's root frame, since the profile names the thread. */
#ifndef CONCTRACE_EXPORT_SPEEDSCOPE_H
#define CONCTRACE_EXPORT_SPEEDSCOPE_H

#include <jansson.h>
#include "model/model.h"
#include "model/symbolize.h"

#define SPEEDSCOPE_SCHEMA "https://www.speedscope.app/file-format-schema.json"

/* The whole document; NULL after a one-line error. */
json_t *speedscope_json(const struct run_model *m, struct symbolizer *s);

#endif
