#include "model/syscall_names.h"

#include <string.h>

const char *syscall_name(long nr)
{
	if (nr < 0 || nr >= SYSCALL_NR_MAX)
		return NULL;
	return syscall_names[nr];
}

long syscall_nr(const char *name)
{
	for (long nr = 0; nr < SYSCALL_NR_MAX; nr++)
		if (syscall_names[nr] && strcmp(syscall_names[nr], name) == 0)
			return nr;
	return -1;
}
