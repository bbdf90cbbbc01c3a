// childspin: the parent forks one child that computes for 0.6 s of CPU and waits for it.
#include <sys/wait.h>

#include "progs.h"

int main(void)
{
	pid_t child = fork();
	int status;

	if (child < 0)
		die("fork");
	if (child == 0) {
		spin_ns(CLOCK_THREAD_CPUTIME_ID, 600000000LL);
		_exit(0);
	}
	if (waitpid(child, &status, 0) != child)
		die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
