/* The critical path as a picture: a strip per thread of its states over the command's wall time
 * (each pixel coloured by the class the thread spent most of it in, as the flame graphs colour
 * classes), a row per node outside the tree the path went through, and the path drawn over them. */
#ifndef CONCTRACE_HTML_TIMELINE_H
#define CONCTRACE_HTML_TIMELINE_H

#include <stdio.h>
#include "analyze/critpath.h"
#include "model/model.h"

#define TIMELINE_MAX_THREADS 24   /* threads drawn; the path's others share one row */

/* An <svg id="timeline"> of M's timeline over P's span, and its legend. */
void html_timeline(FILE *out, const struct run_model *m, const struct critical_path *p);

#endif
