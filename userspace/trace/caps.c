#include "trace/caps.h"

#include <stdio.h>
#include <string.h>

#define CAP_SYS_ADMIN 21
#define CAP_PERFMON   38
#define CAP_BPF       39
#define HAS(mask, cap) (((mask) >> (cap)) & 1)

void caps_missing(uint64_t cap_eff, char *missing, size_t len)
{
	missing[0] = 0;
	/* CAP_SYS_ADMIN implies both on kernels older than 5.8 and still grants them today. */
	if (HAS(cap_eff, CAP_SYS_ADMIN))
		return;
	if (!HAS(cap_eff, CAP_BPF))
		snprintf(missing, len, "CAP_BPF");
	if (!HAS(cap_eff, CAP_PERFMON))
		snprintf(missing + strlen(missing), len - strlen(missing), "%sCAP_PERFMON",
			 missing[0] ? ", " : "");
}

uint64_t caps_effective(void)
{
	unsigned long long mask = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &mask) == 1)
			break;
	fclose(f);
	return mask;
}
