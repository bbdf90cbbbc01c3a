// mutexer: 4 threads each take one shared mutex 20000 times and hold it for
// ~2 us of spinning, so they keep finding it taken and wait in futex().
#include <pthread.h>

#include "progs.h"

enum { THREADS = 4, ITERATIONS = 20000, HOLD_NS = 2000 };

static pthread_mutex_t shared = PTHREAD_MUTEX_INITIALIZER;

static void *contend(void *unused)
{
	(void)unused;
	for (int i = 0; i < ITERATIONS; i++) {
		pthread_mutex_lock(&shared);
		spin_ns(CLOCK_MONOTONIC, HOLD_NS);
		pthread_mutex_unlock(&shared);
	}
	record_thread_stats();
	return NULL;
}

int main(void)
{
	run_threads(THREADS, contend);
	return 0;
}
