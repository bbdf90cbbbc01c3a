/* Names for raw instruction pointers: kernel ones from kallsyms, user ones from the ELF files
 * behind a process's executable mappings (as captured in the run model while it was alive).
 *
 * Every result is a function name without offset, or for a frame that cannot be named
 * "[unknown] (libname+0xOFF)" (libname: basename of the mapping, OFF: offset in that file), or
 * "[unknown]" for an address outside every mapping (or kallsyms). Results are written to the
 * caller's buffer and truncated to its length. ELF symbol tables are loaded on first use and
 * cached per file (device and inode), so many processes running the same binaries cost one load.
 * Symbols come from .symtab, else from a debug file (/usr/lib/debug/.build-id, .gnu_debuglink),
 * else from .dynsym; "[vdso]" frames from this process's own vDSO (same kernel, 64-bit). */
#ifndef CONCTRACE_SYMBOLIZE_H
#define CONCTRACE_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model/model.h"

struct symbolizer;
/* The parsed mappings of one process; processes with identical maps text share one. */
struct sym_maps;

/* Loads KALLSYMS_PATH (normally /proc/kallsyms) once; when it cannot be read, a one-line error
 * is printed and kernel frames are "[unknown]". NULL path: no kernel symbols. Never NULL. */
struct symbolizer *symbolizer_new(const char *kallsyms_path);
void symbolizer_free(struct symbolizer *s);

/* Name of the kernel function containing IP, or NULL when the frame belongs to the tracer
 * itself (BPF programs, the tracepoint-to-BPF glue, the stack helpers). Callers drop it and
 * every frame inside it: those are the tracer's too, even the ones kallsyms can no longer name
 * (a BPF program's symbol disappears when the program is unloaded). */
const char *symbolize_kernel(struct symbolizer *s, uint64_t ip, char *buf, size_t len);

/* The mappings described by MAPS_TEXT ("start-end offset path" lines, see proc_exec_maps());
 * NULL text means no mappings. Owned by the symbolizer; look it up once per process and reuse
 * it for every frame, as it costs a hash of the whole text. */
struct sym_maps *symbolizer_maps(struct symbolizer *s, const char *maps_text);

/* Name of the user function containing IP in a process with mappings MAPS. */
const char *symbolize_user_maps(struct symbolizer *s, struct sym_maps *maps, uint64_t ip,
				char *buf, size_t len);

/* Path of the file mapped at IP in a process with mappings MAPS, or NULL. */
const char *symbolize_user_file(struct sym_maps *maps, uint64_t ip);

/* Convenience for one frame of process P (uses P->maps). */
const char *symbolize_user(struct symbolizer *s, const struct model_process *p, uint64_t ip,
			   char *buf, size_t len);

/* How many distinct ELF files have been read so far (for diagnostics and tests). */
size_t symbolizer_files_loaded(const struct symbolizer *s);

#endif
