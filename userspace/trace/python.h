/* CPython support: recognising a process's interpreter, and naming the frames the BPF side walked.
 *
 * One table (python.c) holds the memory layout of each supported CPython version; it is chosen
 * by the version in the interpreter's file name (python3.11, libpython3.11.so) and checked
 * against the size of its _PyRuntime symbol. Frames are named "function (file:line)" from the
 * code objects, read with process_vm_readv while the process lives, or in its ancestors' memory
 * once it exited (a forked child runs code objects created before the fork, at the same
 * addresses). */
#ifndef CONCTRACE_PYTHON_H
#define CONCTRACE_PYTHON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "bpf/tracer.h"

struct py_layout {
	const char *version;          /* "3.11" */
	uint64_t runtime_size;        /* sizeof(_PyRuntime) of the builds the offsets were checked on */
	struct py_offsets bpf;        /* what the BPF side walks */
	uint32_t code_firstlineno, code_filename, code_qualname, code_linetable;
	uint32_t str_length, str_state, str_ascii_data, str_utf8_length, str_utf8;
	uint32_t bytes_size, bytes_data;
};

/* The layout of VERSION whose _PyRuntime is RUNTIME_SIZE bytes; NULL when there is none. */
const struct py_layout *py_layout_find(const char *version, uint64_t runtime_size);

/* What an interpreter's ELF file says about it. */
struct py_binary {
	char version[16];             /* "3.11", from the file name */
	uint64_t runtime;             /* _PyRuntime's link-time address */
	uint64_t runtime_size;
	bool pie;                     /* ET_DYN: loaded at a bias found in the process's maps */
};

/* Reads PATH: 0 when it is a CPython interpreter or libpython exporting _PyRuntime, else -1. */
int py_binary_read(const char *path, struct py_binary *b);

/* The source line of the instruction at code unit INSTR, from a CPython 3.11 location table
 * (co_linetable) starting at FIRSTLINENO; -1 when the instruction has no line. */
int py_line_of(const uint8_t *table, size_t len, int firstlineno, uint32_t instr);

/* Whether TEXT[0..LEN) can be a function or file name read from a str object (ASCII ones, when
 * ASCII): printable, well-formed UTF-8, not empty. A code object freed and reused since its address
 * was sampled reads as garbage, which must not become a frame name. */
bool py_plausible_name(const char *text, size_t len, bool ascii);

struct py_resolver;

struct py_resolver *py_resolver_new(void);
void py_resolver_free(struct py_resolver *r);

/* Recognises the interpreter of live process PID and fills OUT for the BPF side. Returns its
 * version, or NULL when PID runs no Python, or a Python without a layout here (then says so in
 * one line, once per interpreter file). */
const char *py_resolver_detect(struct py_resolver *r, pid_t pid, struct py_proc *out);

/* PARENT forked CHILD: when PARENT is a recognised Python process, CHILD runs the same interpreter
 * with the same code objects; OUT gets the same entry for the BPF side. False when it is not. */
bool py_resolver_fork(struct py_resolver *r, pid_t parent, pid_t child, struct py_proc *out);

/* Names the frames of ST, walked in TGID: malloc'd strings, innermost first, with "[truncated]"
 * outermost when ST was cut; *DEPTH gets their number. */
char **py_resolver_name(struct py_resolver *r, pid_t tgid, const struct py_stack *st, uint32_t *depth);

/* How often the GIL of live Python process PID changed hands so far; -1 when it cannot be read. */
int64_t py_resolver_gil_switches(struct py_resolver *r, pid_t pid);

#endif
