#include "trace/python.h"

#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "base/util.h"

/* Checked on Debian 12's python3.11 (3.11.2) against its internal headers and a live interpreter:
 * see docs/python.md. Never use a row for a version it was not made for. */
static const struct py_layout layouts[] = {
	{
		.version = "3.11", .runtime_size = 0x28b20,
		.bpf = {
			.runtime_interp_head = 40, .runtime_gil = 360, .gil_size = 216,
			.gil_switch_number = 24, .interp_threads_head = 16,
			.tstate_next = 8, .tstate_native_tid = 160, .tstate_cframe = 56,
			.cframe_current_frame = 8,
			.frame_code = 32, .frame_previous = 48, .frame_prev_instr = 56,
			.code_bytecode = 184,
		},
		.code_firstlineno = 72, .code_filename = 112, .code_qualname = 128, .code_linetable = 136,
		.str_length = 16, .str_state = 32, .str_ascii_data = 48, .str_utf8_length = 48,
		.str_utf8 = 56,
		.bytes_size = 16, .bytes_data = 32,
	},
};

#define STR_MAX       256          /* longest name or file name read */
#define LINETABLE_MAX (64 * 1024)  /* longest location table read */

const struct py_layout *py_layout_find(const char *version, uint64_t runtime_size)
{
	for (size_t i = 0; i < ARRAY_LEN(layouts); i++)
		if (!strcmp(layouts[i].version, version) && layouts[i].runtime_size == runtime_size)
			return &layouts[i];
	return NULL;
}

/* "3.11" from ".../python3.11" or ".../libpython3.11.so.1.0"; false for any other name. */
static bool version_of_name(const char *path, char *version, size_t len)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	unsigned major, minor;
	int end = 0;

	if (!strncmp(base, "lib", 3))
		base += 3;
	if (sscanf(base, "python%u.%u%n", &major, &minor, &end) != 2 ||
	    (base[end] && strncmp(base + end, ".so", 3)))
		return false;
	snprintf(version, len, "%u.%u", major, minor);
	return true;
}

/* Finds _PyRuntime in the symbol table section SCN. */
static bool find_runtime(Elf *elf, Elf_Scn *scn, struct py_binary *b)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	GElf_Shdr sh;
	GElf_Sym sym;

	if (!data || !gelf_getshdr(scn, &sh) || !sh.sh_entsize)
		return false;
	for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
		const char *name;

		if (!gelf_getsym(data, (int)i, &sym) || !sym.st_value)
			continue;
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (name && !strcmp(name, "_PyRuntime")) {
			b->runtime = sym.st_value;
			b->runtime_size = sym.st_size;
			return true;
		}
	}
	return false;
}

int py_binary_read(const char *path, struct py_binary *b)
{
	int fd, rc = -1;
	Elf *elf;
	GElf_Ehdr eh;

	memset(b, 0, sizeof(*b));
	if (!version_of_name(path, b->version, sizeof(b->version)) || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && gelf_getehdr(elf, &eh)) {
		b->pie = eh.e_type == ET_DYN;
		for (Elf_Scn *scn = NULL; rc && (scn = elf_nextscn(elf, scn));) {
			GElf_Shdr sh;

			if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_DYNSYM || sh.sh_type == SHT_SYMTAB) &&
			    find_runtime(elf, scn, b))
				rc = 0;
		}
	}
	elf_end(elf);
	close(fd);
	return rc;
}

static uint32_t read_varint(const uint8_t *t, size_t len, size_t *i)
{
	uint32_t v = 0;

	for (int shift = 0; *i < len && shift < 32; shift += 6) {
		uint8_t b = t[(*i)++];

		v |= (uint32_t)(b & 63) << shift;
		if (!(b & 64))
			break;
	}
	return v;
}

static int read_svarint(const uint8_t *t, size_t len, size_t *i)
{
	uint32_t v = read_varint(t, len, i);

	return v & 1 ? -(int)(v >> 1) : (int)(v >> 1);
}

/* Entries (CPython's Objects/locations.md): a byte 1CCCCLLL covers LLL+1 code units with code CCCC,
 * which says how the line changes and how many bytes of columns follow. */
enum { LOC_ONE_LINE0 = 10, LOC_ONE_LINE2 = 12, LOC_NO_COLUMNS = 13, LOC_LONG = 14, LOC_NONE = 15 };

int py_line_of(const uint8_t *t, size_t len, int firstlineno, uint32_t instr)
{
	int line = firstlineno;
	uint32_t at = 0;

	for (size_t i = 0; i < len;) {
		uint8_t head = t[i++];
		int code = (head >> 3) & 15;
		uint32_t units = (head & 7) + 1;

		if (code == LOC_LONG) {
			line += read_svarint(t, len, &i);
			for (int k = 0; k < 3; k++)  /* end line, start and end column */
				read_varint(t, len, &i);
		} else if (code == LOC_NO_COLUMNS) {
			line += read_svarint(t, len, &i);
		} else if (code >= LOC_ONE_LINE0 && code <= LOC_ONE_LINE2) {
			line += code - LOC_ONE_LINE0;
			i += 2;
		} else if (code != LOC_NONE) {  /* short form: same line, one byte of columns */
			i += 1;
		}
		if (instr < at + units)
			return code == LOC_NONE ? -1 : line;
		at += units;
	}
	return -1;
}

/* A process's interpreter: what its frames mean, and whose memory holds them once it exited. */
struct py_process {
	pid_t pid, parent;            /* parent: 0 when not a forked Python process */
	const struct py_layout *layout;
	uint64_t runtime;
};

/* An interpreter file, read once. */
struct py_file {
	char *path;
	bool is_python;
	struct py_binary b;
	const struct py_layout *layout;  /* NULL: unsupported (already said) */
};

/* A code object of one process, named once. */
struct py_code {
	pid_t pid;
	uint64_t addr;
	char *name, *file;            /* NULL name: could not be read */
	struct code_identity {        /* what tells this code object from a later one at ADDR */
		uint64_t filename, qualname;
		int32_t firstlineno;
	} id;
	int firstlineno;
	uint8_t *linetable;
	size_t linetable_len;
};

struct py_resolver {
	struct py_process *procs;
	size_t n_procs, cap_procs;
	struct py_file *files;
	size_t n_files, cap_files;
	struct py_code **codes;       /* open addressing on (pid, addr), power-of-two size */
	size_t n_codes, cap_codes;
};

struct py_resolver *py_resolver_new(void)
{
	return xcalloc(1, sizeof(struct py_resolver));
}

static void code_free(struct py_code *c)
{
	free(c->name);
	free(c->file);
	free(c->linetable);
	free(c);
}

void py_resolver_free(struct py_resolver *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_files; i++)
		free(r->files[i].path);
	for (size_t i = 0; i < r->cap_codes; i++)
		if (r->codes[i])
			code_free(r->codes[i]);
	free(r->files);
	free(r->procs);
	free(r->codes);
	free(r);
}

static struct py_process *find_process(struct py_resolver *r, pid_t pid)
{
	for (size_t i = r->n_procs; i-- > 0;)  /* newest first: a pid may be reused */
		if (r->procs[i].pid == pid)
			return &r->procs[i];
	return NULL;
}

static const struct py_file *read_file_once(struct py_resolver *r, const char *path)
{
	struct py_file *f;

	for (size_t i = 0; i < r->n_files; i++)
		if (!strcmp(r->files[i].path, path))
			return &r->files[i];
	f = VEC_PUSH(r->files, r->n_files, r->cap_files);
	f->path = xstrdup(path);
	f->is_python = py_binary_read(path, &f->b) == 0;
	if (!f->is_python)
		return f;
	f->layout = py_layout_find(f->b.version, f->b.runtime_size);
	if (!f->layout)
		errmsg("warning: %s: no frame layout for Python %s (_PyRuntime of %" PRIu64
		       " bytes): its stacks show native frames only", path, f->b.version, f->b.runtime_size);
	return f;
}

/* PID's interpreter file (its executable, else a libpython it mapped) and that file's load bias. */
static const struct py_file *interpreter_of(struct py_resolver *r, pid_t pid, uint64_t *bias)
{
	char path[PATH_MAX], line[PATH_MAX + 128];
	const struct py_file *f = NULL;
	ssize_t n;
	FILE *maps;

	snprintf(line, sizeof(line), "/proc/%d/exe", pid);
	n = readlink(line, path, sizeof(path) - 1);
	if (n <= 0)
		return NULL;
	path[n] = 0;
	*bias = 0;
	f = read_file_once(r, path);
	if (f->is_python && !f->b.pie)
		return f;
	snprintf(line, sizeof(line), "/proc/%d/maps", pid);
	if (!(maps = fopen(line, "r")))
		return NULL;
	/* A shared object's first segment is linked at address 0: its bias is where offset 0 lies. */
	while (fgets(line, sizeof(line), maps)) {
		unsigned long start, offset;
		int at = 0;

		if (sscanf(line, "%lx-%*x %*s %lx %*s %*s %n", &start, &offset, &at) < 2 || !at ||
		    offset || line[at] != '/')
			continue;
		line[strcspn(line, "\n")] = 0;
		if (strcmp(line + at, path) && !strstr(line + at, "/libpython"))
			continue;
		f = read_file_once(r, line + at);
		if (f->is_python) {
			*bias = start;
			break;
		}
	}
	fclose(maps);
	return f && f->is_python ? f : NULL;
}

const char *py_resolver_detect(struct py_resolver *r, pid_t pid, struct py_proc *out)
{
	uint64_t bias;
	const struct py_file *f = interpreter_of(r, pid, &bias);
	struct py_process *p;

	if (!f || !f->layout)
		return NULL;
	p = VEC_PUSH(r->procs, r->n_procs, r->cap_procs);
	p->pid = pid;
	p->layout = f->layout;
	p->runtime = f->b.runtime + bias;
	*out = (struct py_proc){ .runtime = p->runtime, .off = f->layout->bpf };
	return f->layout->version;
}

bool py_resolver_fork(struct py_resolver *r, pid_t parent, pid_t child, struct py_proc *out)
{
	const struct py_process *pp = find_process(r, parent);
	struct py_process c;

	if (!pp)
		return false;
	c = (struct py_process){ .pid = child, .parent = parent, .layout = pp->layout, .runtime = pp->runtime };
	*VEC_PUSH(r->procs, r->n_procs, r->cap_procs) = c;  /* the push may move *pp */
	*out = (struct py_proc){ .runtime = c.runtime, .off = c.layout->bpf };
	return true;
}

static bool read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

static bool read_ptr(pid_t pid, uint64_t addr, uint64_t *v)
{
	return read_mem(pid, addr, v, sizeof(*v));
}

bool py_plausible_name(const char *text, size_t len, bool ascii)
{
	const unsigned char *s = (const unsigned char *)text;

	for (size_t i = 0; i < len;) {
		size_t more = s[i] < 0x80 ? 0 : (s[i] & 0xe0) == 0xc0 ? 1 : (s[i] & 0xf0) == 0xe0 ? 2 :
			      (s[i] & 0xf8) == 0xf0 ? 3 : 4;

		if (s[i] < 0x20 || s[i] == 0x7f || more == 4 || (ascii && more) || i + more >= len)
			return false;
		for (size_t k = 1; k <= more; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += more + 1;
	}
	return len > 0;
}

/* A str object's text: ASCII inline, else its cached UTF-8 copy; NULL when unreadable or not text. */
static char *read_str(pid_t pid, const struct py_layout *l, uint64_t obj)
{
	uint64_t len = 0, utf8 = 0;
	uint32_t state = 0;
	bool ascii;
	char *s;

	if (!obj || !read_mem(pid, obj + l->str_state, &state, sizeof(state)))
		return NULL;
	ascii = state & 0x40;  /* bits: interned:2, kind:3, compact:1, ascii:1 */
	if (ascii ? !read_ptr(pid, obj + l->str_length, &len)
		  : !read_ptr(pid, obj + l->str_utf8_length, &len) || !read_ptr(pid, obj + l->str_utf8, &utf8) || !utf8)
		return NULL;
	if (len > STR_MAX)
		len = STR_MAX;
	s = xcalloc(1, len + 1);
	if (!read_mem(pid, ascii ? obj + l->str_ascii_data : utf8, s, len) ||
	    !py_plausible_name(s, len, ascii)) {
		free(s);
		return NULL;
	}
	return s;
}

static bool read_identity(pid_t pid, const struct py_layout *l, uint64_t addr, struct code_identity *id)
{
	return read_mem(pid, addr + l->code_firstlineno, &id->firstlineno, sizeof(id->firstlineno)) &&
	       read_ptr(pid, addr + l->code_filename, &id->filename) &&
	       read_ptr(pid, addr + l->code_qualname, &id->qualname);
}

/* Reads code object C->addr from PID's memory; false when PID no longer holds it. */
static bool read_code(pid_t pid, const struct py_layout *l, struct py_code *c)
{
	uint64_t table;

	if (!read_identity(pid, l, c->addr, &c->id) ||
	    !read_ptr(pid, c->addr + l->code_linetable, &table) ||
	    !(c->name = read_str(pid, l, c->id.qualname)))
		return false;
	c->firstlineno = c->id.firstlineno;
	c->file = read_str(pid, l, c->id.filename);
	if (table && read_ptr(pid, table + l->bytes_size, &c->linetable_len) &&
	    c->linetable_len <= LINETABLE_MAX) {
		c->linetable = xcalloc(1, c->linetable_len + 1);
		if (!read_mem(pid, table + l->bytes_data, c->linetable, c->linetable_len))
			c->linetable_len = 0;
	} else {
		c->linetable_len = 0;
	}
	return true;
}

static size_t code_slot(const struct py_resolver *r, pid_t pid, uint64_t addr)
{
	uint64_t h = (addr ^ ((uint64_t)pid << 40)) * 0x9e3779b97f4a7c15ULL;
	size_t i = h >> 20;

	for (;; i++) {
		const struct py_code *c = r->codes[i & (r->cap_codes - 1)];

		if (!c || (c->pid == pid && c->addr == addr))
			return i & (r->cap_codes - 1);
	}
}

static void codes_grow(struct py_resolver *r)
{
	struct py_code **old = r->codes;
	size_t old_cap = r->cap_codes;

	r->cap_codes = old_cap ? old_cap * 2 : 1024;
	r->codes = xcalloc(r->cap_codes, sizeof(*r->codes));
	for (size_t i = 0; i < old_cap; i++)
		if (old[i])
			r->codes[code_slot(r, old[i]->pid, old[i]->addr)] = old[i];
	free(old);
}

/* Whether the cached code C is still what P holds at its address: a code object freed after
 * running (a module's body) leaves its memory to a later one. Unknown once P exited: kept. */
static bool still_current(const struct py_process *p, const struct py_code *c)
{
	struct code_identity now;

	return !read_identity(p->pid, p->layout, c->addr, &now) ||
	       (now.filename == c->id.filename && now.qualname == c->id.qualname &&
		now.firstlineno == c->id.firstlineno);
}

/* Code object ADDR of process P, read from P's memory or, once P exited, its ancestors'. */
static const struct py_code *code_of(struct py_resolver *r, const struct py_process *p, uint64_t addr)
{
	struct py_code *c;
	size_t slot;

	if (2 * (r->n_codes + 1) > r->cap_codes)
		codes_grow(r);
	slot = code_slot(r, p->pid, addr);
	if (r->codes[slot] && still_current(p, r->codes[slot]))
		return r->codes[slot];
	if (r->codes[slot]) {
		code_free(r->codes[slot]);
		r->codes[slot] = NULL;
		r->n_codes--;
	}
	c = xcalloc(1, sizeof(*c));
	c->pid = p->pid;
	c->addr = addr;
	for (const struct py_process *q = p; q; q = q->parent ? find_process(r, q->parent) : NULL)
		if (read_code(q->pid, q->layout, c))
			break;
	r->codes[slot] = c;
	r->n_codes++;
	return c;
}

/* "function (file:line)": the file's last component, or its last two for a package's
 * __init__.py and __main__.py, which say nothing alone. */
static char *frame_name(const struct py_code *c, uint32_t instr)
{
	const char *file = c->file ? c->file : "?", *base = strrchr(file, '/');
	int line = py_line_of(c->linetable, c->linetable_len, c->firstlineno, instr);
	char *s;

	if (base && (!strcmp(base, "/__init__.py") || !strcmp(base, "/__main__.py"))) {
		const char *dir = base;

		while (dir > file && dir[-1] != '/')
			dir--;
		base = dir;
	} else {
		base = base ? base + 1 : file;
	}
	if (asprintf(&s, "%s (%s:%d)", c->name, base, line < 0 ? c->firstlineno : line) < 0)
		s = xstrdup(c->name);
	return s;
}

char **py_resolver_name(struct py_resolver *r, pid_t tgid, const struct py_stack *st, uint32_t *depth)
{
	const struct py_process *p = find_process(r, tgid);
	uint32_t n = st->depth < PY_STACK_DEPTH ? st->depth : PY_STACK_DEPTH;
	char **frames = xcalloc(n + 1, sizeof(*frames));

	for (uint32_t i = 0; i < n; i++) {
		const struct py_code *c = p ? code_of(r, p, st->frames[i].code) : NULL;

		if (c && c->name) {
			frames[i] = frame_name(c, st->frames[i].instr);
		} else if (asprintf(&frames[i], "[unknown python code 0x%" PRIx64 "]", (uint64_t)st->frames[i].code) < 0) {
			frames[i] = xstrdup("[unknown python code]");
		}
	}
	if (st->flags & PYF_TRUNCATED)
		frames[n++] = xstrdup("[truncated]");
	*depth = n;
	return frames;
}

int64_t py_resolver_gil_switches(struct py_resolver *r, pid_t pid)
{
	const struct py_process *p = find_process(r, pid);
	const struct py_offsets *o;
	uint64_t v;

	if (!p)
		return -1;
	o = &p->layout->bpf;
	return read_ptr(pid, p->runtime + o->runtime_gil + o->gil_switch_number, &v) ? (int64_t)v : -1;
}
