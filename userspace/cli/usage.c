/* Bad command lines (usage.h). */
#include "cli/usage.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_EDITS 2
#define NAME_MAX_LEN 32

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "conctrace: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see conctrace %s --help)\n", cmd);
	return 2;
}

/* Levenshtein distance of A and B (both shorter than NAME_MAX_LEN), one row at a time. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[NAME_MAX_LEN + 1];

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			best = up + 1 < best ? up + 1 : best;
			best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

const char *closest_name(const char *name, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_d = MAX_EDITS + 1;

	if (!*name || strlen(name) >= NAME_MAX_LEN)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t d = strlen(names[i]) >= NAME_MAX_LEN ? SIZE_MAX :
			   !strncmp(names[i], name, strlen(name)) ? 1 : edit_distance(name, names[i]);

		if (d < best_d) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}
