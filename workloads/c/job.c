/* The job shared by the workload runner's units (job.h). */
#include "job.h"

#include <stdarg.h>
#include <stdio.h>

void set_error(struct partial *part, const char *fmt, ...)
{
	va_list ap;

	if (part->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(part->error, sizeof(part->error), fmt, ap);
	va_end(ap);
}
