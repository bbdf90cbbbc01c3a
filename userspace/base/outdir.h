/* Output directories: how conctrace writes files, as root, where another user may write too (a
 * directory handed to the traced command's user, a path the invoking user chose).
 *
 * A directory is opened once, without following a link, and every name in it is resolved relative
 * to that descriptor: renaming or replacing the directory afterwards cannot redirect a write. A
 * file is created under a random name with O_EXCL|O_NOFOLLOW, written, fsync'd, given to the
 * owner through its descriptor, then renamed over its name: a link planted at either name is
 * replaced or refused, never followed, and the file is complete or absent. Only what conctrace
 * created is ever given away. */
#ifndef CONCTRACE_OUTDIR_H
#define CONCTRACE_OUTDIR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Who receives what is created in an output directory (the user the command ran as). */
struct outdir_owner {
	uid_t uid;
	gid_t gid;
};

struct outdir {
	int fd;                  /* the directory, opened with O_DIRECTORY|O_NOFOLLOW; -1: none */
	char path[PATH_MAX];     /* as named, for messages */
	bool give;               /* give what is created here to uid:gid */
	uid_t uid;
	gid_t gid;
};

/* Opens PATH as an output directory; OWNER (or NULL) receives what is created in it. A symbolic
 * link or a non-directory is refused. PATH is created when missing (and given to OWNER); an empty
 * PATH is used as it is (never given away); a PATH holding an earlier output (report.json or
 * index.json, and nothing but the files and directories conctrace writes) is kept as PATH.old, as
 * perf keeps perf.data.old (an older PATH.old that is also an earlier output, or empty, is removed
 * first), and one line says so; a PATH holding anything else is refused. 0, or -1 after a
 * one-line error. */
int outdir_open(struct outdir *d, const char *path, const struct outdir_owner *owner);

/* Creates the directory NAME in PARENT (it must not exist yet), opens it and gives it to
 * PARENT's owner. 0 or -errno (EEXIST when something is already there). */
int outdir_make_sub(struct outdir *d, const struct outdir *parent, const char *name);

/* Writes LEN bytes of DATA as NAME in D (MODE, less the umask), given to D's owner. 0 or -errno. */
int outdir_write(const struct outdir *d, const char *name, const char *data, size_t len, mode_t mode);

/* The regular file NAME in D, read whole into a NUL-terminated buffer (caller frees); a link, a
 * FIFO or a device is refused. NULL with errno set. */
char *outdir_read(const struct outdir *d, const char *name, size_t *len);

/* Removes NAME in D and everything under it, never following a link nor leaving D's file system.
 * 0 (also when NAME is absent) or -errno. */
int outdir_remove(const struct outdir *d, const char *name);

void outdir_close(struct outdir *d);

/* Writes LEN bytes to the file PATH as outdir_write does in PATH's directory (the directory is
 * found as named, the file itself is never followed); as root in a directory of another user, the
 * file is given to that user (`sudo conctrace report RUNDIR` rewrites the run's page for its owner).
 * 0 or -errno. */
int write_file_atomic(const char *path, const char *data, size_t len);

#endif
