// fsyncer: writes a 16 MiB scratch file in DIR (default ".") and syncs it once, then overwrites
// it 1 MiB at a time, each write followed by fdatasync, and unlinks it. The writes bypass the page
// cache (O_DIRECT, where the file system has it) and overwrite allocated blocks, so each is a wait
// for the device with little CPU around it: with 4 KiB buffered writes, the submission and the
// hypervisor's exits on this VM cost the thread ~40 µs of CPU per 100 µs of waiting, and the CPU
// sometimes outweighed the disk.
//   fsyncer [DIR [WRITES]]   (WRITES: 64 by default)
#include "progs.h"

enum { BLOCKS = 16, BLOCK = 1 << 20, ALIGN = 4096 };

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	int writes = argc > 2 ? atoi(argv[2]) : 64;
	char path[4096];
	void *block;

	snprintf(path, sizeof(path), "%s/fsyncer.%d.tmp", dir, getpid());
	if (posix_memalign(&block, ALIGN, BLOCK))
		die("posix_memalign");
	memset(block, 'f', BLOCK);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	if (fd < 0 && errno == EINVAL)  /* a file system without direct I/O */
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(path);
	for (int i = 0; i < BLOCKS; i++)
		if (write(fd, block, BLOCK) != BLOCK)
			die("write");
	if (fsync(fd) != 0)
		die("fsync");
	for (int i = 0; i < writes; i++) {
		if (pwrite(fd, block, BLOCK, (off_t)(i % BLOCKS) * BLOCK) != BLOCK)
			die("pwrite");
		if (fdatasync(fd) != 0)
			die("fdatasync");
	}
	close(fd);
	if (unlink(path) != 0)
		die(path);
	free(block);
	record_thread_stats();
	return 0;
}
