/* timeline.bin: a run's timeline beside its report.json, which names it (format in
 * docs/report-format.md, "timeline.bin"). A fixed header (magic, version, counts, the body's
 * length and CRC-32), then per thread id, in ascending order, its intervals and the wakeups that
 * ended its waits as varints, each time relative to the one before: 4-5 bytes an interval where
 * report.json's arrays took 120. */
#ifndef CONCTRACE_TIMELINE_FILE_H
#define CONCTRACE_TIMELINE_FILE_H

#include <stdint.h>
#include <stdio.h>
#include "model/model.h"

#define TIMELINE_FILE_NAME "timeline.bin"
#define TIMELINE_FILE_VERSION 1
#define TIMELINE_FILE_HEADER 48  /* bytes */

/* The file numbers wait classes as its report's "wait_classes" list does: OURS[i] is the class of
 * the report's i-th (N of them). Reports written before a class was added number them differently. */
struct class_map {
	const uint32_t *ours;
	size_t n;
};

/* Writes TL (sorted, as model_sort leaves it) to OUT, classes numbered as this version does; 0, or
 * -1 after a one-line error. */
int timeline_file_write(const struct model_timeline *tl, FILE *out);
/* Reads the timeline file BUF[0..LEN) into TL (empty), its classes through CLASSES (NULL: numbered
 * as this version does); -1 with a one-line reason in ERR, TL left empty. Counts are checked
 * against the bytes before anything is allocated. */
int timeline_file_parse(const uint8_t *buf, size_t len, const struct class_map *classes,
			struct model_timeline *tl, char *err, size_t errlen);
/* The same from the file PATH. */
int timeline_file_load(const char *path, const struct class_map *classes, struct model_timeline *tl, char *err,
		       size_t errlen);

#endif
