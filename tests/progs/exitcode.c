// exitcode: exits with the status given as argv[1] (0-255, default 3).
//   exitcode [STATUS]
#include "progs.h"

int main(int argc, char **argv)
{
	char *end;
	long status = argc > 1 ? strtol(argv[1], &end, 10) : 3;

	if (argc > 1 && (*end || end == argv[1] || status < 0 || status > 255)) {
		fprintf(stderr, "exitcode: status must be 0-255, got '%s'\n", argv[1]);
		return 2;
	}
	record_thread_stats();
	return status;
}
