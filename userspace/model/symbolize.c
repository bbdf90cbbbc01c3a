#include "model/symbolize.h"

#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <link.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/util.h"

#define DEBUG_DIR "/usr/lib/debug"

struct ksym {
	uint64_t addr;
	char *name;
};

struct elf_sym {
	uint64_t addr, size;
	const char *name;     /* points into elf_table.names */
	uint8_t bind;         /* STB_*: decides which alias names an address */
};

/* A PT_LOAD segment: where file bytes land in the ELF's virtual address space. */
struct load_segment {
	uint64_t offset, filesz, vaddr;
};

/* Function symbols of one ELF file (or of its separate debug file), cached by device and inode. */
struct elf_table {
	dev_t dev;
	ino_t ino;
	struct load_segment *segs;
	size_t n_segs, cap_segs;
	struct elf_sym *syms;
	size_t n_syms, cap_syms;
	char *names;          /* copy of the string table the symbols came from */
};

struct mapping {
	uint64_t start, end, offset;
	const char *path;     /* points into sym_maps.lines */
	struct elf_table *elf;
	bool elf_loaded;      /* ELF looked up (elf stays NULL when the file is gone or unreadable) */
};

struct sym_maps {
	uint64_t hash;
	char *text;           /* the maps text, as given (the cache key) */
	char *lines;          /* a copy cut into lines, which the mappings point into */
	struct mapping *maps;
	size_t n_maps, cap_maps;
};

struct symbolizer {
	struct ksym *ksyms;
	size_t n_ksyms, cap_ksyms;
	struct elf_table **elves;
	size_t n_elves, cap_elves;
	struct elf_table *vdso;
	struct sym_maps **maps;
	size_t n_maps, cap_maps;
	struct sym_maps no_maps;  /* for processes without maps text */
};

/* How many of N items (SIZE bytes each, sorted by the address KEY_OFF bytes into each) start at
 * or below ADDR: the last of them is the one that may contain ADDR. */
static size_t count_starting_at_or_below(const void *items, size_t n, size_t size, size_t key_off,
					 uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t start;

		memcpy(&start, (const char *)items + mid * size + key_off, sizeof(start));
		if (start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- kernel ---- */

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void load_kallsyms(struct symbolizer *s, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[512], name[256], type;
	unsigned long long addr;

	if (!f) {
		errmsg("cannot read %s: kernel frames will be [unknown]", path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		if (type != 't' && type != 'T')
			continue;
		struct ksym *k = VEC_PUSH(s->ksyms, s->n_ksyms, s->cap_ksyms);
		k->addr = addr;
		k->name = xstrdup(name);
	}
	fclose(f);
	if (!s->n_ksyms)
		errmsg("%s lists no kernel text addresses (kptr_restrict?): kernel frames will be "
		       "[unknown]", path);
	vec_sort(s->ksyms, s->n_ksyms, sizeof(*s->ksyms), cmp_ksym);
}

/* A JIT-compiled BPF program: "bpf_prog_" then its 16-hex-digit tag (then "_" and its name);
 * kernel functions such as bpf_prog_load have no tag. */
static bool is_bpf_program(const char *name)
{
	static const char prefix[] = "bpf_prog_";
	size_t tag_len;

	if (strncmp(name, prefix, sizeof(prefix) - 1))
		return false;
	name += sizeof(prefix) - 1;
	tag_len = strspn(name, "0123456789abcdef");
	return tag_len == 16 && (name[16] == '_' || !name[16]);
}

/* Frames of the machinery that took the sample: the BPF program, the tracepoint glue that ran
 * it, and the stack-walking helper. They say nothing about the traced program. */
static bool is_tracer_frame(const char *name)
{
	static const char *const prefixes[] = { "bpf_trace_run", "__bpf_trace_", "__traceiter_" };

	for (size_t i = 0; i < ARRAY_LEN(prefixes); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return is_bpf_program(name) || strstr(name, "bpf_get_stack") != NULL;
}

/* Symbols that mark where a text area ends: what follows them is no function. */
static bool is_text_end(const char *name)
{
	return !strcmp(name, "_etext") || !strcmp(name, "_einittext");
}

const char *symbolize_kernel(struct symbolizer *s, uint64_t ip, char *buf, size_t len)
{
	/* kallsyms has no sizes: a function ends where the next symbol starts. */
	size_t lo = count_starting_at_or_below(s->ksyms, s->n_ksyms, sizeof(*s->ksyms),
					       offsetof(struct ksym, addr), ip);

	if (!lo || is_text_end(s->ksyms[lo - 1].name)) {
		snprintf(buf, len, "[unknown]");
		return buf;
	}
	if (is_tracer_frame(s->ksyms[lo - 1].name))
		return NULL;
	snprintf(buf, len, "%s", s->ksyms[lo - 1].name);
	return buf;
}

/* ---- ELF symbol tables ---- */

static int cmp_elf_sym(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;
	/* Among aliases, a global name beats a weak one, which beats a local one. */
	static const int rank[] = { [STB_LOCAL] = 2, [STB_GLOBAL] = 0, [STB_WEAK] = 1 };
	int rx = x->bind < ARRAY_LEN(rank) ? rank[x->bind] : 3;
	int ry = y->bind < ARRAY_LEN(rank) ? rank[y->bind] : 3;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (rx != ry)
		return rx - ry;
	return strcmp(x->name, y->name);
}

/* Sorts by address and keeps one name per address, so a lookup is one binary search. */
static void sort_symbols(struct elf_table *t)
{
	size_t kept = 0;

	vec_sort(t->syms, t->n_syms, sizeof(*t->syms), cmp_elf_sym);
	for (size_t i = 0; i < t->n_syms; i++)
		if (!kept || t->syms[kept - 1].addr != t->syms[i].addr)
			t->syms[kept++] = t->syms[i];
	t->n_syms = kept;
}

/* Reads the sized function symbols of symbol table SCN into T; returns how many. */
static size_t read_function_symbols(Elf *elf, Elf_Scn *scn, struct elf_table *t)
{
	size_t entsize = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
	Elf_Data *data = elf_getdata(scn, NULL), *strs;
	GElf_Shdr sh;

	if (!entsize || !data || !gelf_getshdr(scn, &sh))
		return 0;
	strs = elf_getdata(elf_getscn(elf, sh.sh_link), NULL);
	if (!strs || !strs->d_buf)
		return 0;
	t->names = xcalloc(strs->d_size + 1, 1);  /* the extra NUL ends a corrupt last string */
	memcpy(t->names, strs->d_buf, strs->d_size);
	for (size_t i = 0; i < data->d_size / entsize; i++) {
		GElf_Sym sym;
		int type;

		if (!gelf_getsym(data, (int)i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !sym.st_size ||
		    sym.st_shndx == SHN_UNDEF || sym.st_name >= strs->d_size)
			continue;
		*VEC_PUSH(t->syms, t->n_syms, t->cap_syms) = (struct elf_sym){
			.addr = sym.st_value, .size = sym.st_size,
			.name = t->names + sym.st_name, .bind = GELF_ST_BIND(sym.st_info),
		};
	}
	if (!t->n_syms) {
		free(t->names);
		t->names = NULL;
	}
	sort_symbols(t);
	return t->n_syms;
}

static Elf_Scn *find_section(Elf *elf, GElf_Word type, const char *name)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type)
			continue;
		if (!name || ((n = elf_strptr(elf, shstrndx, sh.sh_name)) && !strcmp(n, name)))
			return scn;
	}
	return NULL;
}

static bool read_segments(Elf *elf, struct elf_table *t)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			*VEC_PUSH(t->segs, t->n_segs, t->cap_segs) = (struct load_segment){
				.offset = ph.p_offset, .filesz = ph.p_filesz, .vaddr = ph.p_vaddr,
			};
	}
	return t->n_segs > 0;
}

/* An ELF handle on PATH, or NULL (quietly: a missing debug file is the normal case). */
static Elf *open_elf(const char *path, int *fd)
{
	Elf *elf;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF)
		return elf;
	elf_end(elf);
	close(*fd);
	return NULL;
}

static void close_elf(Elf *elf, int fd)
{
	elf_end(elf);
	close(fd);
}

/* ELF's GNU build id as a hex string into HEX (at least 129 bytes); false without one. */
static bool build_id_hex(Elf *elf, char *hex)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data = NULL;
		GElf_Nhdr note;
		size_t off = 0, name_off, desc_off;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_NOTE)
			data = elf_getdata(scn, NULL);
		while (data && (off = gelf_getnote(data, off, &note, &name_off, &desc_off)) > 0) {
			const unsigned char *id = (const unsigned char *)data->d_buf + desc_off;

			if (note.n_type != NT_GNU_BUILD_ID || note.n_namesz != 4 || note.n_descsz < 2 ||
			    note.n_descsz > 64 || memcmp((char *)data->d_buf + name_off, "GNU", 4))
				continue;
			for (size_t i = 0; i < note.n_descsz; i++)
				sprintf(hex + 2 * i, "%02x", id[i]);
			return true;
		}
	}
	return false;
}

/* The file name a .gnu_debuglink section points to, into NAME; false without one. */
static bool debuglink_name(Elf *elf, char *name, size_t len)
{
	Elf_Scn *scn = find_section(elf, SHT_PROGBITS, ".gnu_debuglink");
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;

	if (!data || !data->d_buf || !memchr(data->d_buf, 0, data->d_size))
		return false;
	if ((size_t)snprintf(name, len, "%s", (const char *)data->d_buf) >= len)
		return false;
	return name[0] && !strchr(name, '/');
}

/* The ELF file at the path FMT formats, or NULL. */
static __attribute__((format(printf, 2, 3))) Elf *open_elf_at(int *fd, const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < sizeof(path) ? open_elf(path, fd) : NULL;
}

/* The separate debug file of ELF (found at PATH), by build id, else by debuglink in the places
 * gdb looks: DIR/.debug/NAME and DEBUG_DIR/DIR/NAME. */
static Elf *open_debug_file(Elf *elf, const char *path, int *fd)
{
	char hex[129], dir[4096], name[256], *slash;
	Elf *debug;

	/* DEBUG_DIR/.build-id/xx/yyyy.debug: the first byte of the id names the directory. */
	if (build_id_hex(elf, hex) &&
	    (debug = open_elf_at(fd, DEBUG_DIR "/.build-id/%.2s/%s.debug", hex, hex + 2)))
		return debug;
	if (!debuglink_name(elf, name, sizeof(name)) ||
	    (size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir) || !(slash = strrchr(dir, '/')))
		return NULL;
	*slash = 0;
	if ((debug = open_elf_at(fd, "%s/.debug/%s", dir, name)))
		return debug;
	return open_elf_at(fd, DEBUG_DIR "%s/%s", dir, name);
}

/* Fills T from ELF (found at PATH): load segments from the file itself; symbols from its
 * .symtab, else from its separate debug file's .symtab, else from its .dynsym. */
static void load_elf_table(struct elf_table *t, Elf *elf, const char *path)
{
	Elf_Scn *symtab;
	Elf *debug;
	int debug_fd;

	if (!read_segments(elf, t)) {
		errmsg("%s: no loadable segments, its frames will be [unknown]", path);
		return;
	}
	symtab = find_section(elf, SHT_SYMTAB, NULL);
	if (!(symtab && read_function_symbols(elf, symtab, t)) &&
	    (debug = open_debug_file(elf, path, &debug_fd))) {
		if ((symtab = find_section(debug, SHT_SYMTAB, NULL)))
			read_function_symbols(debug, symtab, t);
		close_elf(debug, debug_fd);
	}
	if (!t->n_syms && (symtab = find_section(elf, SHT_DYNSYM, NULL)))
		read_function_symbols(elf, symtab, t);
}

/* The vDSO is one image for every (64-bit) process of this kernel: read our own copy of it. */
static struct elf_table *load_vdso_table(void)
{
	const ElfW(Ehdr) *image = (const void *)getauxval(AT_SYSINFO_EHDR);
	struct elf_table *t = xcalloc(1, sizeof(*t));
	size_t size;
	char *copy;
	Elf *elf;

	if (!image || memcmp(image->e_ident, ELFMAG, SELFMAG))
		return t;
	size = image->e_shoff + (size_t)image->e_shnum * image->e_shentsize;
	if (size > 1 << 20)
		return t;
	/* libelf may write into a memory image; give it a copy, not the live vDSO. */
	copy = xcalloc(size, 1);
	memcpy(copy, image, size);
	if ((elf = elf_memory(copy, size))) {
		load_elf_table(t, elf, "[vdso]");
		elf_end(elf);
	}
	free(copy);
	return t;
}

/* The cached table of the regular file at PATH (or of the vDSO), loaded on first use; NULL if
 * the file is gone. */
static struct elf_table *elf_table_for(struct symbolizer *s, const char *path)
{
	struct elf_table *t;
	struct stat st;
	Elf *elf;
	int fd;

	if (!strcmp(path, "[vdso]")) {
		if (!s->vdso)
			s->vdso = load_vdso_table();
		return s->vdso;
	}
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return NULL;
	for (size_t i = 0; i < s->n_elves; i++)
		if (s->elves[i]->dev == st.st_dev && s->elves[i]->ino == st.st_ino)
			return s->elves[i];
	t = xcalloc(1, sizeof(*t));
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	if ((elf = open_elf(path, &fd))) {
		load_elf_table(t, elf, path);
		close_elf(elf, fd);
	} else {
		errmsg("%s: not a readable ELF file, its frames will be [unknown]", path);
	}
	*VEC_PUSH(s->elves, s->n_elves, s->cap_elves) = t;
	return t;
}

static void elf_table_free(struct elf_table *t)
{
	free(t->segs);
	free(t->syms);
	free(t->names);
	free(t);
}

/* The function containing file offset FILE_OFF, found through the segment that loads it. */
static const struct elf_sym *find_symbol(const struct elf_table *t, uint64_t file_off)
{
	uint64_t vaddr;
	size_t i, lo;

	for (i = 0; i < t->n_segs; i++)
		if (file_off >= t->segs[i].offset && file_off - t->segs[i].offset < t->segs[i].filesz)
			break;
	if (i == t->n_segs)
		return NULL;
	vaddr = file_off - t->segs[i].offset + t->segs[i].vaddr;
	lo = count_starting_at_or_below(t->syms, t->n_syms, sizeof(*t->syms),
					offsetof(struct elf_sym, addr), vaddr);
	if (!lo || vaddr - t->syms[lo - 1].addr >= t->syms[lo - 1].size)
		return NULL;
	return &t->syms[lo - 1];
}

/* ---- process mappings ---- */

static int cmp_mapping(const void *a, const void *b)
{
	const struct mapping *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static uint64_t hash_text(const char *text)
{
	uint64_t h = 0xcbf29ce484222325ULL;  /* FNV-1a */

	for (; *text; text++)
		h = (h ^ (unsigned char)*text) * 0x100000001b3ULL;
	return h;
}

/* A mapped file deleted (or replaced) since it was mapped: what is at its path now is not it. */
static bool strip_deleted(char *path)
{
	static const char suffix[] = " (deleted)";
	size_t n = strlen(path);

	if (n < sizeof(suffix) - 1 || strcmp(path + n - (sizeof(suffix) - 1), suffix))
		return false;
	path[n - (sizeof(suffix) - 1)] = 0;
	return true;
}

static void parse_maps(struct sym_maps *sm)
{
	char *save = NULL;

	for (char *line = strtok_r(sm->lines, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long start, end, off;
		int path_at = 0;

		if (sscanf(line, "%llx-%llx %llx %n", &start, &end, &off, &path_at) != 3 || !path_at ||
		    end <= start)
			continue;
		struct mapping *m = VEC_PUSH(sm->maps, sm->n_maps, sm->cap_maps);
		m->start = start;
		m->end = end;
		m->offset = off;
		m->path = line + path_at;
		m->elf_loaded = strip_deleted(line + path_at);  /* never load a deleted file */
	}
	vec_sort(sm->maps, sm->n_maps, sizeof(*sm->maps), cmp_mapping);
}

struct sym_maps *symbolizer_maps(struct symbolizer *s, const char *maps_text)
{
	struct sym_maps *sm;
	uint64_t hash;

	if (!maps_text)
		return &s->no_maps;
	hash = hash_text(maps_text);
	for (size_t i = 0; i < s->n_maps; i++)
		if (s->maps[i]->hash == hash && !strcmp(s->maps[i]->text, maps_text))
			return s->maps[i];
	sm = xcalloc(1, sizeof(*sm));
	sm->hash = hash;
	sm->text = xstrdup(maps_text);
	sm->lines = xstrdup(maps_text);
	parse_maps(sm);
	*VEC_PUSH(s->maps, s->n_maps, s->cap_maps) = sm;
	return sm;
}

static struct mapping *find_mapping(struct sym_maps *sm, uint64_t ip)
{
	size_t lo = count_starting_at_or_below(sm->maps, sm->n_maps, sizeof(*sm->maps),
					       offsetof(struct mapping, start), ip);

	return lo && ip < sm->maps[lo - 1].end ? &sm->maps[lo - 1] : NULL;
}

const char *symbolize_user_maps(struct symbolizer *s, struct sym_maps *maps, uint64_t ip,
				char *buf, size_t len)
{
	struct mapping *m = find_mapping(maps, ip);
	const struct elf_sym *sym = NULL;
	const char *base;
	uint64_t file_off;

	if (!m || !m->path[0]) {
		snprintf(buf, len, "[unknown]");
		return buf;
	}
	if (!m->elf_loaded) {
		m->elf = elf_table_for(s, m->path);
		m->elf_loaded = true;
	}
	file_off = ip - m->start + m->offset;
	if (m->elf)
		sym = find_symbol(m->elf, file_off);
	if (sym) {
		snprintf(buf, len, "%s", sym->name);
	} else {
		base = strrchr(m->path, '/');
		snprintf(buf, len, "[unknown] (%s+0x%" PRIx64 ")", base ? base + 1 : m->path, file_off);
	}
	return buf;
}

const char *symbolize_user_file(struct sym_maps *maps, uint64_t ip)
{
	const struct mapping *m = find_mapping(maps, ip);

	return m && m->path[0] ? m->path : NULL;
}

const char *symbolize_user(struct symbolizer *s, const struct model_process *p, uint64_t ip,
			   char *buf, size_t len)
{
	return symbolize_user_maps(s, symbolizer_maps(s, p ? p->maps : NULL), ip, buf, len);
}

size_t symbolizer_files_loaded(const struct symbolizer *s)
{
	return s->n_elves;
}

/* ---- lifetime ---- */

struct symbolizer *symbolizer_new(const char *kallsyms_path)
{
	struct symbolizer *s = xcalloc(1, sizeof(*s));

	if (elf_version(EV_CURRENT) == EV_NONE)
		errmsg("libelf is too old: user frames will be [unknown]");
	if (kallsyms_path)
		load_kallsyms(s, kallsyms_path);
	return s;
}

static void sym_maps_free(struct sym_maps *sm)
{
	free(sm->text);
	free(sm->lines);
	free(sm->maps);
	free(sm);
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_ksyms; i++)
		free(s->ksyms[i].name);
	free(s->ksyms);
	for (size_t i = 0; i < s->n_elves; i++)
		elf_table_free(s->elves[i]);
	free(s->elves);
	if (s->vdso)
		elf_table_free(s->vdso);
	for (size_t i = 0; i < s->n_maps; i++)
		sym_maps_free(s->maps[i]);
	free(s->maps);
	free(s);
}
