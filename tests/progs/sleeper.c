// sleeper: sleeps 0.3 s in one nanosleep, then exits 0.
#include "progs.h"

int main(void)
{
	struct timespec nap = { .tv_sec = 0, .tv_nsec = 300000000 };

	while (nanosleep(&nap, &nap) != 0)
		if (errno != EINTR)
			die("nanosleep");
	record_thread_stats();
	return 0;
}
