#include "base/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/util.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define TEMP_TRIES 8
#define REMOVE_DEPTH_MAX 64    /* one descriptor per level while removing a tree */

/* What an existing directory holds. */
enum dir_contents { DIR_EMPTY, DIR_EARLIER_OUTPUT, DIR_OTHER };

/* The names conctrace writes at the top of an output directory: every export of render/exports.c
 * and a run's index and subdirectories. A directory holding only these (and a report) is an earlier
 * output; one holding anything else (a home directory with a report.json in it) is not. */
static const char *const output_names[] = {
	"report.json", "report.html", "speedscope.json", "timeline.bin", "trace.perfetto", "trace.json",
	"oncpu.folded", "offcpu.folded", "wall.folded", "oncpu.svg", "offcpu.svg", "wall.svg", "index.json",
	"index.html", "cells", "scratch", "workloads",
};

/* Whether NAME is one of output_names, or the temporary name of one (".NAME.<16 hex digits>",
 * left behind by a crash). */
static bool is_output_name(const char *name)
{
	size_t len = strlen(name);

	if (name[0] == '.' && len > 18 && name[len - 17] == '.' &&
	    strspn(name + len - 16, "0123456789abcdef") == 16) {
		name++;
		len -= 18;
	}
	for (size_t i = 0; i < ARRAY_LEN(output_names); i++)
		if (strlen(output_names[i]) == len && !memcmp(output_names[i], name, len))
			return true;
	return false;
}

/* PATH less its trailing slashes, split at its last slash into PARENT (PATH_MAX bytes; "." when
 * there is none) and NAME (NAME_MAX + 1 bytes; "." for "/"). Returns the length of PATH used, or
 * -errno. */
static int split_path(const char *path, char *parent, char *name)
{
	size_t len = strlen(path);
	const char *slash, *base;

	while (len > 1 && path[len - 1] == '/')
		len--;
	if (!len)
		return -ENOENT;
	slash = memrchr(path, '/', len);
	base = slash ? slash + 1 : path;
	if (len - (base - path) > NAME_MAX || len >= PATH_MAX)
		return -ENAMETOOLONG;
	if (!slash)
		strcpy(parent, ".");
	else
		snprintf(parent, PATH_MAX, "%.*s", (int)(slash == path ? 1 : slash - path), path);
	snprintf(name, NAME_MAX + 1, "%.*s", (int)(len - (base - path)), base);
	if (!name[0])
		strcpy(name, ".");
	return len;
}

/* What the directory FD holds (enum dir_contents), or -errno. */
static int dir_contents(int fd)
{
	int dup_fd = openat(fd, ".", DIR_FLAGS);
	DIR *dir = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	bool empty = true, ours = true;
	struct dirent *e;
	struct stat st;

	if (!dir) {
		if (dup_fd >= 0)
			close(dup_fd);
		return -errno;
	}
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		empty = false;
		ours = ours && is_output_name(e->d_name);
	}
	closedir(dir);
	if (empty)
		return DIR_EMPTY;
	if (ours && ((!fstatat(fd, "report.json", &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode)) ||
		     (!fstatat(fd, "index.json", &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode))))
		return DIR_EARLIER_OUTPUT;
	return DIR_OTHER;
}

/* Removes NAME in DFD and, for a directory, everything under it, within the file system DEV. */
static int remove_at(int dfd, const char *name, dev_t dev, int depth)
{
	struct dirent *e;
	struct stat st;
	DIR *dir;
	int fd, rc = 0;

	if (!unlinkat(dfd, name, 0) || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return -errno;
	if (depth >= REMOVE_DEPTH_MAX)
		return -ELOOP;
	fd = openat(dfd, name, DIR_FLAGS);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_dev != dev || !(dir = fdopendir(fd))) {
		close(fd);
		return -EXDEV;
	}
	while (!rc && (e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rc = remove_at(dirfd(dir), e->d_name, dev, depth + 1);
	closedir(dir);
	if (!rc && unlinkat(dfd, name, AT_REMOVEDIR) && errno != ENOENT)
		rc = -errno;
	return rc;
}

int outdir_remove(const struct outdir *d, const char *name)
{
	struct stat st;

	if (fstat(d->fd, &st))
		return -errno;
	return remove_at(d->fd, name, st.st_dev, 0);
}

/* Creates NAME in PFD and opens it into D; gives it to D's owner once it is certain the directory
 * opened is the one just made (ours, empty, on PFD's file system): the parent may be the owner's
 * to change. 0 or -errno. */
static int make_dir_at(struct outdir *d, int pfd, const char *name)
{
	struct stat st, parent;
	int fd;

	if (mkdirat(pfd, name, 0755))
		return -errno;
	fd = openat(pfd, name, DIR_FLAGS);
	if (fd < 0)
		return -errno;
	if (d->give) {
		if (fstat(fd, &st) || fstat(pfd, &parent) || st.st_uid != geteuid() ||
		    st.st_dev != parent.st_dev || dir_contents(fd) != DIR_EMPTY) {
			close(fd);
			return -EEXIST;
		}
		if (fchown(fd, d->uid, d->gid)) {
			errmsg("warning: cannot give '%s' to uid %u: %s", d->path, (unsigned)d->uid, strerror(errno));
			d->give = false;
		}
	}
	d->fd = fd;
	return 0;
}

/* Moves PFD's NAME (PATH in messages) to NAME.old, removing an earlier output or an empty directory
 * there first; anything else there is left alone and refused. 0, or -1 after a one-line error. */
static int keep_as_old(int pfd, const char *name, const char *path)
{
	char old[NAME_MAX + 1];
	struct stat st;
	int fd, contents, rc;

	if (snprintf(old, sizeof(old), "%s.old", name) >= (int)sizeof(old)) {
		errmsg("cannot keep '%s' as '%s.old': %s", path, path, strerror(ENAMETOOLONG));
		return -1;
	}
	fd = openat(pfd, old, DIR_FLAGS);
	if (fd < 0 && errno != ENOENT) {
		errmsg("'%s.old' is in the way (%s): move it away", path,
		       errno == ENOTDIR || errno == ELOOP ? "not a directory" : strerror(errno));
		return -1;
	}
	if (fd >= 0) {
		contents = dir_contents(fd);
		rc = contents != DIR_EMPTY && contents != DIR_EARLIER_OUTPUT ? -1 :
		     fstat(fd, &st) ? -errno : remove_at(pfd, old, st.st_dev, 0);
		close(fd);
		if (rc) {
			errmsg("'%s.old' %s: move it away", path, contents == DIR_OTHER ?
			       "exists and is not an earlier conctrace output" : "cannot be removed");
			return -1;
		}
	}
	if (renameat2(pfd, name, pfd, old, RENAME_NOREPLACE)) {
		errmsg("cannot keep '%s' as '%s.old': %s", path, path, strerror(errno));
		return -1;
	}
	errmsg("the previous output in '%s' is kept as '%s.old'", path, path);
	return 0;
}

/* Opens the existing directory PFD's NAME into D when it is empty; moves it to NAME.old when it
 * holds an earlier output. 0: opened; 1: moved (create it anew); -1 after a one-line error. */
static int use_existing(struct outdir *d, int pfd, const char *name)
{
	int fd = openat(pfd, name, DIR_FLAGS), contents;
	struct stat st;

	if (fd < 0) {
		int e = errno;
		bool link = !fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode);

		errmsg("output directory '%s' %s", d->path, link ? "is a symbolic link: name the directory itself" :
		       e == ENOTDIR ? "exists and is not a directory" : strerror(e));
		return -1;
	}
	contents = dir_contents(fd);
	if (contents == DIR_EMPTY) {
		d->fd = fd;
		return 0;
	}
	close(fd);
	if (contents == DIR_EARLIER_OUTPUT)
		return keep_as_old(pfd, name, d->path) ? -1 : 1;
	errmsg("output directory '%s' %s", d->path, contents < 0 ? strerror(-contents) :
	       "holds files conctrace did not write: choose another (an earlier output would be kept as .old)");
	return -1;
}

int outdir_open(struct outdir *d, const char *path, const struct outdir_owner *owner)
{
	char parent[PATH_MAX], name[NAME_MAX + 1];
	int pfd, rc, len = split_path(path, parent, name);
	bool said = false;

	*d = (struct outdir){ .fd = -1, .give = owner != NULL };
	if (owner) {
		d->uid = owner->uid;
		d->gid = owner->gid;
	}
	if (len < 0) {
		errmsg("output directory '%s': %s", path, strerror(-len));
		return -1;
	}
	snprintf(d->path, sizeof(d->path), "%.*s", len, path);
	pfd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0) {
		errmsg("cannot open '%s', where the output directory '%s' goes: %s", parent, d->path, strerror(errno));
		return -1;
	}
	rc = make_dir_at(d, pfd, name);
	if (rc == -EEXIST) {
		switch (use_existing(d, pfd, name)) {
		case 0:
			rc = 0;
			break;
		case 1:  /* moved away: made anew; something else appearing there meanwhile is refused */
			rc = make_dir_at(d, pfd, name);
			break;
		default:
			said = true;
		}
	}
	close(pfd);
	if (rc && !said)
		errmsg("cannot create output directory '%s': %s", d->path, strerror(-rc));
	if (!rc && faccessat(d->fd, ".", W_OK, AT_EACCESS)) {
		errmsg("output directory '%s' is not writable: %s", d->path, strerror(errno));
		rc = -EACCES;
	}
	if (rc)
		outdir_close(d);
	return rc ? -1 : 0;
}

int outdir_make_sub(struct outdir *d, const struct outdir *parent, const char *name)
{
	*d = (struct outdir){ .fd = -1, .give = parent->give, .uid = parent->uid, .gid = parent->gid };
	if (snprintf(d->path, sizeof(d->path), "%s/%s", parent->path, name) >= (int)sizeof(d->path))
		return -ENAMETOOLONG;
	return make_dir_at(d, parent->fd, name);
}

/* Creates a file of an unpredictable name for NAME in DFD, O_EXCL|O_NOFOLLOW: even a name that
 * was guessed and planted is refused, not followed. Its name into TMP (NAME_MAX + 1 bytes). */
static int create_temp(int dfd, const char *name, mode_t mode, char *tmp)
{
	for (int i = 0; i < TEMP_TRIES; i++) {
		uint64_t r;
		int fd;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			return -errno;
		snprintf(tmp, NAME_MAX + 1, ".%.200s.%016llx", name, (unsigned long long)r);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

static int write_all(int fd, const char *data, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		off += w;
	}
	return 0;
}

int outdir_write(const struct outdir *d, const char *name, const char *data, size_t len, mode_t mode)
{
	char tmp[NAME_MAX + 1];
	int fd = create_temp(d->fd, name, mode, tmp), rc;

	if (fd < 0)
		return fd;
	rc = write_all(fd, data, len);
	if (!rc && d->give && fchown(fd, d->uid, d->gid))
		rc = -errno;
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && renameat(d->fd, tmp, d->fd, name))
		rc = -errno;
	if (rc)
		unlinkat(d->fd, tmp, 0);
	return rc;
}

char *outdir_read(const struct outdir *d, const char *name, size_t *len)
{
	int fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *data;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	data = read_fd(fd, len);
	close(fd);
	return data;
}

void outdir_close(struct outdir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

int write_file_atomic(const char *path, const char *data, size_t len)
{
	char parent[PATH_MAX], name[NAME_MAX + 1];
	struct outdir d = { .fd = -1 };
	int rc = split_path(path, parent, name);
	struct stat st;

	if (rc < 0)
		return rc;
	d.fd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d.fd < 0)
		return -errno;
	if (geteuid() == 0 && !fstat(d.fd, &st) && st.st_uid != 0) {   /* root writing in a user's directory */
		d.give = true;
		d.uid = st.st_uid;
		d.gid = st.st_gid;
	}
	rc = outdir_write(&d, name, data, len, 0644);
	close(d.fd);
	return rc;
}
