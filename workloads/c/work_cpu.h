/* The notes' CPU kernels. Python keeps exact big integers; C reproduces the same reported
 * value (the product modulo 2^61 - 1) with 128-bit modular products. */
#ifndef WORK_CPU_H
#define WORK_CPU_H

#include "job.h"

/* Products are reduced modulo this prime (2^61 - 1), as the Python job reports them. */
#define MERSENNE61 ((UINT64_C(1) << 61) - 1)

/* Adds one CPU task's value to PART. */
void cpu_task(const struct job *job, struct partial *part);

#endif
