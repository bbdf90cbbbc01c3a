// busy: spins on the CPU for 0.5 s of wall time, never sleeping, then exits 0.
#include "progs.h"

int main(void)
{
	spin_ns(CLOCK_MONOTONIC, 500000000);
	record_thread_stats();
	return 0;
}
