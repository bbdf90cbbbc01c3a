// busy: spins on the CPU for 0.5 s of its own CPU time (so even on a loaded machine), never sleeping, then exits 0.
#include "progs.h"

int main(void)
{
	spin_ns(CLOCK_THREAD_CPUTIME_ID, 500000000);
	record_thread_stats();
	return 0;
}
