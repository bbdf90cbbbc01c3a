/* The notes' CPU kernels. Python keeps exact big integers; C reproduces the same reported
 * value (the product modulo 2^61 - 1) with 128-bit modular products. */
#include "work_cpu.h"

static uint64_t mulmod61(uint64_t a, uint64_t b)
{
	return (uint64_t)((unsigned __int128)a * b % MERSENNE61);
}

/* cpu_bound_func(num): total *= i * j * k over range(1, num) cubed. */
static uint64_t cpu_triple(long num)
{
	uint64_t total = 1;

	for (long i = 1; i < num; i++)
		for (long j = 1; j < num; j++)
			for (long k = 1; k < num; k++)
				total = mulmod61(total, mulmod61(mulmod61(i, j), k));
	return total;
}

/* cpu_bound_task(n): sum(i * i for i in range(n)). */
static unsigned __int128 cpu_squares(long n)
{
	unsigned __int128 sum = 0;

	for (long i = 0; i < n; i++)
		sum += (unsigned __int128)i * i;
	return sum;
}

void cpu_task(const struct job *job, struct partial *part)
{
	part->value += job->variant == CPU_TRIPLE ? cpu_triple(job->num) : cpu_squares(job->num);
}
