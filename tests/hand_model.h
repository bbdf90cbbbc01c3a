/* Hand-built run models for the analysis's unit tests: a run of WALL ns on 2 CPUs. */
#ifndef CONCTRACE_TESTS_HAND_MODEL_H
#define CONCTRACE_TESTS_HAND_MODEL_H

#include <stdio.h>
#include "model/model.h"

#define MS 1000000ULL
#define WALL (1000 * MS)

/* M anew: root process ROOT named COMM, living the whole run. */
static inline void new_model(struct run_model *m, uint32_t root, const char *comm)
{
	struct model_process *p;

	model_init(m);
	m->meta.ncpus = 2;
	m->meta.root_pid = root;
	m->meta.end_ns = WALL;
	p = model_add_process(m, root);
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->end_ns = WALL;
}

#endif
