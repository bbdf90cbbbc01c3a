/* base/: helpers every layer may call (messages, growable arrays, reading files, clocks, number parsing;
 * writing outputs: outdir.h); it calls nothing of conctrace. */
#ifndef CONCTRACE_UTIL_H
#define CONCTRACE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* What parsing a command line gave: go on, --help was asked for, or an error (one line in ERR). */
enum parse_result { PARSE_OK, PARSE_HELP, PARSE_ERROR };

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NSEC_PER_SEC 1000000000ULL

/* Prints "conctrace: MSG" on one line to stderr. */
void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable arrays: VEC_PUSH(items, n, cap) returns a pointer to a new zeroed last element. */
void *vec_grow(void *items, size_t n, size_t *cap, size_t elem);
#define VEC_PUSH(items, n, cap) \
	((items) = vec_grow((items), (n), &(cap), sizeof(*(items))), &(items)[(n)++])
/* qsort for growable arrays: an empty one is NULL, which qsort must not be given even for 0 items. */
static inline void vec_sort(void *items, size_t n, size_t elem, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(items, n, elem, cmp);
}

void *xcalloc(size_t n, size_t size);

/* Runs ASIDE(ASIDE_ARG) on a thread of its own while the caller runs HERE(HERE_ARG), and returns
 * when both are done; when no thread can be had, runs them one after the other. */
void run_both(void *(*aside)(void *), void *aside_arg, void *(*here)(void *), void *here_arg);
char *xstrdup(const char *s);

/* Reads a whole file into a NUL-terminated buffer (caller frees); NULL on error. */
char *read_file(const char *path, size_t *len);
/* Reads what is left of FD the same way; the caller closes FD. */
char *read_fd(int fd, size_t *len);

uint64_t monotonic_ns(void);
/* Wall-clock time, seconds since 1970. */
double realtime_s(void);
double ns_to_s(uint64_t ns);

/* Parses a whole decimal number in [min, max]; false when S is anything else. */
bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
bool parse_double(const char *s, double min, double max, double *out);

#endif
