/* CPython support without a traced process: the 3.11 location-table decoder against what
 * CPython itself says, and recognising Debian's interpreter binary. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/python.h"
#include "model/report_json.h"
#include "base/util.h"

/* A location table, and the line co_positions() gives for each code unit (-1: None). Made with
 * /usr/bin/python3.11: compile(SRC, "m.py", "exec").co_consts[0].co_linetable. */
struct linetable_case {
	const char *hex;
	int firstlineno;
	int lines[64];
	int n;
};

static const struct linetable_case cases[] = {
	{ /* def f(x): / a = 1 / if x: / b = (x + / 2) / for i in range(3): / a += i / return a */
		"8000d808098041d80708f000020510d80d0ed80d0ef103010e0f8801e50d12903189588c58f00001050ff000"
		"01050f8801d808098851890688018801d80b0c8048",
		1,
		{ 1, 2, 2, 3, 3, 4, 5, 4, 4, 4, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7,
		  7, 7, 7, 7, 8, 8 },
		35,
	},
	{ /* try: return 1 / x / except ZeroDivisionError: return None / (blank lines) / finally: x = 0 */
		"8000f00208050ed80f1090318975f00e000d0e88018801f8f50d000c1df000010514f000010514f0000105"
		"14d80f13f00a000d0e880188018801f00d010514f8f8f8f8f00c000d0e88018805880588058805",
		1,
		{ 1, 2, 3, 3, 3, 3, 10, 10, 10, -1, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 10, 10, 10, 10, 4, -1,
		  -1, -1, -1, 10, 10, 10, 10, 10, 10 },
		35,
	},
};

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; hex[0] && hex[1] && n < cap; hex += 2)
		sscanf(hex, "%2hhx", &out[n++]);
	return n;
}

Test(python, line_table_matches_co_positions)
{
	for (size_t c = 0; c < ARRAY_LEN(cases); c++) {
		uint8_t table[256];
		size_t len = unhex(cases[c].hex, table, sizeof(table));

		for (int i = 0; i < cases[c].n; i++)
			cr_expect_eq(py_line_of(table, len, cases[c].firstlineno, i), cases[c].lines[i],
				     "case %zu, code unit %d: line %d, CPython says %d", c, i,
				     py_line_of(table, len, cases[c].firstlineno, i), cases[c].lines[i]);
		cr_expect_eq(py_line_of(table, len, cases[c].firstlineno, cases[c].n), -1,
			     "past the end: no line");
	}
}

Test(python, empty_line_table_has_no_line)
{
	cr_assert_eq(py_line_of(NULL, 0, 7, 0), -1);
}

/* _PyRuntime as the dynamic symbol table lists it, read independently of python.c. */
static bool dynsym_runtime(const char *path, uint64_t *addr, uint64_t *size)
{
	char cmd[256], line[512];
	FILE *p;
	bool found = false;

	snprintf(cmd, sizeof(cmd), "readelf -W --dyn-syms %s", path);
	p = popen(cmd, "r");
	cr_assert(p, "readelf");
	while (fgets(line, sizeof(line), p)) {
		char name[128];

		if (sscanf(line, "%*s %lx %li %*s %*s %*s %*s %127s", addr, size, name) == 3 &&
		    !strcmp(name, "_PyRuntime"))
			found = true;
		if (found)
			break;
	}
	pclose(p);
	return found;
}

Test(python, debian_python311_is_recognised)
{
	const char *path = "/usr/bin/python3.11";
	struct py_binary b;
	uint64_t addr, size;

	cr_assert(dynsym_runtime(path, &addr, &size), "%s exports no _PyRuntime", path);
	cr_assert_eq(py_binary_read(path, &b), 0);
	cr_assert_str_eq(b.version, "3.11");
	cr_assert_eq(b.runtime, addr);
	cr_assert_eq(b.runtime_size, size);
	cr_assert_not(b.pie, "Debian builds python3.11 as a non-PIE executable");
	cr_assert_not_null(py_layout_find(b.version, b.runtime_size));
}

Test(python, other_builds_and_files_are_not)
{
	struct py_binary b;

	cr_assert_null(py_layout_find("3.11", 0x1000), "a 3.11 of another size needs its own row");
	cr_assert_null(py_layout_find("3.12", 0x28b20));
	cr_assert_neq(py_binary_read("/bin/sh", &b), 0);
	cr_assert_neq(py_binary_read("/nonexistent/python3.11", &b), 0);
}

/* report.json keeps what a Python run adds: the interpreter, the GIL's switches, the named
 * stacks and which aggregate used which. */
Test(python, report_round_trip)
{
	struct run_model m, back;
	struct model_process *p;
	struct model_pystack *s;
	char err[256];
	json_t *j;

	model_init(&m);
	p = model_add_process(&m, 42);
	p->python = xstrdup("3.11");
	p->gil_switches = 17;
	s = VEC_PUSH(m.pystacks, m.n_pystacks, m.cap_pystacks);
	s->id = 0x8000000000000001ULL;
	s->tgid = 42;
	s->depth = 2;
	s->frames = xcalloc(2, sizeof(*s->frames));
	s->frames[0] = xstrdup("leaf (script.py:6)");
	s->frames[1] = xstrdup("<module> (script.py:21)");
	VEC_PUSH(m.stack_aggs, m.n_stack_aggs, m.cap_stack_aggs)->k =
		(struct stack_key){ .tid = 42, .tgid = 42, .pystack = s->id, .wait_class = WC_GIL };
	j = model_to_json(&m);
	cr_assert_eq(model_from_json(j, &back, err, sizeof(err)), 0, "%s", err);
	json_decref(j);
	cr_assert_str_eq(model_process(&back, 42)->python, "3.11");
	cr_assert_eq(model_process(&back, 42)->gil_switches, 17);
	cr_assert_eq(back.n_pystacks, 1);
	cr_assert_eq(back.pystacks[0].id, s->id);
	cr_assert_eq(back.pystacks[0].tgid, 42);
	cr_assert_eq(back.pystacks[0].depth, 2);
	cr_assert_str_eq(back.pystacks[0].frames[1], "<module> (script.py:21)");
	cr_assert_eq(back.stack_aggs[0].k.pystack, s->id);
	cr_assert_eq(back.stack_aggs[0].k.wait_class, WC_GIL);
	model_free(&m);
	model_free(&back);
}

Test(python, names_read_from_memory_must_be_text)
{
	cr_assert(py_plausible_name("Thread.run", 10, true));
	cr_assert(py_plausible_name("caf\xc3\xa9", 5, false));       /* é, two bytes */
	cr_assert(py_plausible_name("\xe2\x82\xac" "1", 4, false));      /* €, three bytes */
	cr_assert_not(py_plausible_name("caf\xc3\xa9", 5, true));     /* not ASCII */
	cr_assert_not(py_plausible_name("\xff", 1, false));
	cr_assert_not(py_plausible_name("\xc3", 1, false));            /* cut short */
	cr_assert_not(py_plausible_name("a\xc3(", 3, false));          /* not a continuation */
	cr_assert_not(py_plausible_name("a\nb", 3, true));
	cr_assert_not(py_plausible_name("", 0, true));
}
