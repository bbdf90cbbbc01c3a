/* generate_files(): N files of `lines` random letters, one write per line, then close.
 * Blocking variant for the pull models, io_uring event loop for the asyncio models. */
#ifndef WORK_DISK_H
#define WORK_DISK_H

#include "job.h"

/* The name of file INDEX ("file_00042.txt"). */
void disk_file_name(char name[32], long index);
/* Writes file INDEX with blocking calls. */
void disk_write_file(const struct job *job, long index, struct partial *part);
/* Writes this worker's share of the files from one io_uring event loop. */
void disk_event_loop(const struct job *job, const struct share *share, struct partial *part);

#endif
