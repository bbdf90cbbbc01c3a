// forker: forks 3 children that each spin for 0.1 s of CPU time and exit 0; the parent
// reaps them all and exits 0 only if every child did.
#include <sys/wait.h>

#include "progs.h"

enum { CHILDREN = 3 };

int main(void)
{
	pid_t children[CHILDREN];
	int failed = 0;

	for (int i = 0; i < CHILDREN; i++) {
		children[i] = fork();
		if (children[i] < 0)
			die("fork");
		if (children[i] == 0) {
			spin_ns(CLOCK_THREAD_CPUTIME_ID, 100000000);
			record_thread_stats();
			_exit(0);
		}
	}
	for (int i = 0; i < CHILDREN; i++) {
		int status;

		if (waitpid(children[i], &status, 0) < 0)
			die("waitpid");
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	record_thread_stats();
	return failed;
}
