/* Can this process load and attach the tracer? */
#ifndef CONCTRACE_CAPS_H
#define CONCTRACE_CAPS_H

#include <stddef.h>
#include <stdint.h>

/* Capabilities missing for tracing, named in MISSING ("" when none), from a CapEff bit mask. */
void caps_missing(uint64_t cap_eff, char *missing, size_t len);
/* The effective capability mask of this process (/proc/self/status CapEff). */
uint64_t caps_effective(void);

#endif
