/* DIR/index.json of a `conctrace run` directory: parameters, cells, the matrix's explanation. */
#ifndef CONCTRACE_INDEX_H
#define CONCTRACE_INDEX_H

#include <jansson.h>
#include <stdbool.h>
#include "matrix/matrix.h"

json_t *index_json(const struct run_opts *o, const struct cell *cells, size_t n, bool interrupted);

#endif
