// fsyncer: writes a 200-block scratch file in DIR (default ".") and syncs it once, then
// overwrites it 4 KiB at a time, each block followed by fdatasync, and unlinks it. Overwriting
// allocated blocks changes no metadata, so each fdatasync is mostly a wait for the device: a
// journal commit per sync (appends, fsync) would cost as much CPU as the disk takes.
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
	for (int i = 0; i < WRITES; i++)
		if (write(fd, block, sizeof(block)) != sizeof(block))
			die("write");
	if (fsync(fd) != 0)
		die("fsync");
	for (int i = 0; i < WRITES; i++) {
		if (pwrite(fd, block, sizeof(block), (off_t)i * BLOCK) != sizeof(block))
			die("pwrite");
		if (fdatasync(fd) != 0)
			die("fdatasync");
	}
	close(fd);
	if (unlink(path) != 0)
		die(path);
	record_thread_stats();
	return 0;
}
