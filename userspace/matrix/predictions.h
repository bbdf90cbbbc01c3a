/* `conctrace run` validates the what-if model (analyze/predict.h): for every workload and runtime,
 * each model's cell alone predicts every model's wall time, which its own cell measured. A
 * prediction more than 25 % off is a finding about the model: the assumption that failed is named.
 * docs/predict.md, "Validation". */
#ifndef CONCTRACE_PREDICTIONS_H
#define CONCTRACE_PREDICTIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include "analyze/predict.h"
#include "matrix/calibrate.h"
#include "matrix/matrix.h"

#define PREDICTION_TOLERANCE 0.25

struct matrix_prediction {
	const struct cell *from;      /* the cell whose trace predicts */
	enum conc_model model;        /* the model predicted, measured by its own cell(s) */
	struct prediction p;
	double measured_s;            /* its cells' median wall */
	double error;                 /* (predicted - measured) / measured */
	double own_capacity_s;        /* predicted with the CPUs the measured cell could get instead */
	char miss[480];               /* when off by more than the tolerance: the assumption that failed */
};

struct matrix_predictions {
	size_t n;
	struct matrix_prediction *rows;
};

/* The units and blocking file calls each workload is made of, as the matrix knows them. */
struct work_hint cell_work_hint(const struct run_opts *o, const struct cell *c);

/* Every prediction the ok cells with a work decomposition (explain_cells) allow, at the pool sizes
 * the cells ran with. */
void predictions_of(const struct run_opts *o, const struct cell *cells, size_t n, const struct costs *k,
		    struct matrix_predictions *out);
void predictions_free(struct matrix_predictions *p);

/* [{workload, runtime, from, model, workers, predicted_wall_s, measured_wall_s, error, bound,
 *   own_capacity_wall_s, miss}] */
json_t *predictions_json(const struct matrix_predictions *p);
/* Adds "predictions" and "calibration" to index.json's INDEX. */
void predictions_add_json(json_t *index, const struct matrix_predictions *p, const struct calibration *cal);

/* What `conctrace run` and `conctrace report RUNDIR` do once the cells are explained: this
 * machine's costs (cached, or measured now), then the predictions, printed to OUT (NULL: not
 * printed; o->verbose: the costs and the tables too). -1 when the costs could not be had (one line
 * says why). */
int matrix_predict(FILE *out, const struct run_opts *o, const struct cell *cells, size_t n,
		   struct calibration *cal, struct matrix_predictions *p);

/* One line: how many predictions of each workload fell within the tolerance (and how many at each
 * measured cell's own CPU share); VERBOSE: a table per workload and runtime, and every miss with
 * its reason. */
void predictions_print(FILE *out, const struct matrix_predictions *p, bool verbose);

#endif
