// busythreads: 4 threads each burn 0.6 s of their own CPU time.  With more
// threads than CPUs they wait runnable and get preempted (involuntary switches).
#include <pthread.h>

#include "progs.h"

enum { THREADS = 4 };

static void *burn(void *unused)
{
	(void)unused;
	spin_ns(CLOCK_THREAD_CPUTIME_ID, 600000000);
	record_thread_stats();
	return NULL;
}

int main(void)
{
	run_threads(THREADS, burn);
	return 0;
}
