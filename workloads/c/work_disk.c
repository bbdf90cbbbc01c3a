/* generate_files(): N files of `lines` random letters, one write per line, then close.
 * Blocking variant for the pull models, io_uring event loop for the asyncio models. */
#include "work_disk.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Files the event loop keeps in flight, each with exactly one operation queued. */
#define DISK_IN_FLIGHT 64

static const char LETTERS[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

void disk_file_name(char name[32], long index)
{
	snprintf(name, 32, "file_%05ld.txt", index);
}

/* xorshift64, seeded per file so every model writes the same bytes. */
static uint64_t file_seed(long index)
{
	return (uint64_t)(index + 1) * UINT64_C(0x9E3779B97F4A7C15);
}

static void random_line(char *line, long length, uint64_t *state)
{
	for (long i = 0; i < length; i++) {
		*state ^= *state << 13;
		*state ^= *state >> 7;
		*state ^= *state << 17;
		line[i] = LETTERS[*state % (sizeof(LETTERS) - 1)];
	}
	line[length] = '\n';
}

void disk_write_file(const struct job *job, long index, struct partial *part)
{
	size_t line_size = job->line_length + 1;
	uint64_t rng = file_seed(index);
	char name[32], *line = malloc(line_size);
	int fd;

	if (!line) {
		set_error(part, "disk: out of memory");
		return;
	}
	disk_file_name(name, index);
	fd = openat(job->dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		set_error(part, "open %s/%s: %s", job->dir, name, strerror(errno));
	for (long i = 0; fd >= 0 && i < job->lines; i++) {
		random_line(line, job->line_length, &rng);
		ssize_t written = write(fd, line, line_size);
		if (written != (ssize_t)line_size) {
			set_error(part, "write %s/%s: %s", job->dir, name,
				  written < 0 ? strerror(errno) : "short write");
			break;
		}
	}
	if (fd >= 0 && close(fd) < 0)
		set_error(part, "close %s/%s: %s", job->dir, name, strerror(errno));
	free(line);
}

/* One file of the event loop: open, `lines` writes, close — one SQE at a time. */
struct file_slot {
	enum { SLOT_OPEN, SLOT_WRITE, SLOT_CLOSE, SLOT_DONE } op;
	long index, line;
	int fd;
	uint64_t rng;
	char name[32];
	char *buf;
};

static void slot_queue(struct io_uring *ring, const struct job *job, struct file_slot *slot)
{
	/* The ring holds one entry per slot and a slot has one operation queued: never NULL. */
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	size_t line_size = job->line_length + 1;

	if (slot->op == SLOT_OPEN) {
		io_uring_prep_openat(sqe, job->dir_fd, slot->name,
				     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	} else if (slot->op == SLOT_WRITE) {
		random_line(slot->buf, job->line_length, &slot->rng);
		io_uring_prep_write(sqe, slot->fd, slot->buf, line_size, slot->line * line_size);
	} else {
		io_uring_prep_close(sqe, slot->fd);
	}
	io_uring_sqe_set_data(sqe, slot);
}

static void slot_start(struct file_slot *slot, long index)
{
	slot->op = SLOT_OPEN;
	slot->index = index;
	slot->line = 0;
	slot->rng = file_seed(index);
	disk_file_name(slot->name, index);
}

/* Moves a slot past its completed operation (result res); -1 on failure. */
static int slot_advance(const struct job *job, struct file_slot *slot, int res, struct partial *part)
{
	static const char *const op_names[] = { "open", "write", "close" };

	if (res < 0 || (slot->op == SLOT_WRITE && res != job->line_length + 1)) {
		set_error(part, "%s %s/%s: %s", op_names[slot->op], job->dir, slot->name,
			  res < 0 ? strerror(-res) : "short write");
		return -1;
	}
	if (slot->op == SLOT_OPEN)
		slot->fd = res;
	if (slot->op == SLOT_OPEN || (slot->op == SLOT_WRITE && ++slot->line < job->lines))
		slot->op = SLOT_WRITE;
	else
		slot->op = slot->op == SLOT_WRITE ? SLOT_CLOSE : SLOT_DONE;
	return 0;
}

static void disk_loop(struct io_uring *ring, const struct job *job, const struct share *share,
		      struct file_slot *slots, struct partial *part)
{
	long next = share->first, active = 0;
	struct io_uring_cqe *cqe;

	for (; active < DISK_IN_FLIGHT && next < job->tasks; active++, next += share->stride) {
		slot_start(&slots[active], next);
		slot_queue(ring, job, &slots[active]);
	}
	while (active > 0) {
		int rc = io_uring_submit_and_wait(ring, 1);
		if (rc < 0) {
			set_error(part, "io_uring_submit_and_wait: %s", strerror(-rc));
			return;
		}
		while (io_uring_peek_cqe(ring, &cqe) == 0) {
			struct file_slot *slot = io_uring_cqe_get_data(cqe);
			int res = cqe->res;

			io_uring_cqe_seen(ring, cqe);
			if (slot_advance(job, slot, res, part) < 0)
				return;
			if (slot->op == SLOT_DONE && next < job->tasks) {
				slot_start(slot, next);
				next += share->stride;
			}
			if (slot->op == SLOT_DONE)
				active--;
			else
				slot_queue(ring, job, slot);
		}
	}
}

void disk_event_loop(const struct job *job, const struct share *share, struct partial *part)
{
	struct file_slot *slots = calloc(DISK_IN_FLIGHT, sizeof(*slots));
	char *bufs = malloc(DISK_IN_FLIGHT * (job->line_length + 1));
	struct io_uring ring;
	int rc;

	if (!slots || !bufs) {
		set_error(part, "disk event loop: out of memory");
		goto out;
	}
	for (int i = 0; i < DISK_IN_FLIGHT; i++)
		slots[i].buf = bufs + i * (job->line_length + 1);
	rc = io_uring_queue_init(DISK_IN_FLIGHT, &ring, 0);
	if (rc < 0) {
		set_error(part, "io_uring_queue_init: %s", strerror(-rc));
		goto out;
	}
	disk_loop(&ring, job, share, slots, part);
	io_uring_queue_exit(&ring);
out:
	free(slots);
	free(bufs);
}
