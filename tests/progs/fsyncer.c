// fsyncer: appends 4 KiB and fsyncs, 200 times, to a scratch file in DIR
// (default "."), then unlinks it: each fsync waits for a disk write.
//   fsyncer [DIR]
#include "progs.h"

enum { WRITES = 200, BLOCK = 4096 };

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	char path[4096], block[BLOCK];

	snprintf(path, sizeof(path), "%s/fsyncer.%d.tmp", dir, getpid());
	memset(block, 'f', sizeof(block));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(path);
	for (int i = 0; i < WRITES; i++) {
		if (write(fd, block, sizeof(block)) != sizeof(block))
			die("write");
		if (fsync(fd) != 0)
			die("fsync");
	}
	close(fd);
	if (unlink(path) != 0)
		die(path);
	record_thread_stats();
	return 0;
}
