/* Folded-stack parsing and writing, and the SVG flame graphs drawn from them. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/flamegraph.h"
#include "render/flamegraph.h"
#include "render/folded.h"
#include "base/util.h"

#define PLOT_WIDTH 1180.0 /* the default 1200 pixels less the side margins */

struct svg_frame {
	char title[256];
	double x, y, width;
	unsigned r, g, b;
};

static struct frame_tree *parse_ok(enum folded_side side, const char *text, struct frame_tree *t)
{
	struct folded_stats st;

	if (!t)
		t = frame_tree_new();
	cr_assert_eq(folded_parse_buf(t, side, text, strlen(text), &st), 0);
	cr_assert_eq(st.bad_lines, 0);
	return t;
}

/* TEXT in a regular file, read from its start. */
static FILE *file_of(const char *text)
{
	FILE *f = tmpfile();

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	rewind(f);
	return f;
}

static uint64_t lookup(const struct frame_tree *t, enum folded_side side, const char *path)
{
	char buf[256], *frames[32], *save = NULL;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *f = strtok_r(buf, ";", &save); f && n < 32; f = strtok_r(NULL, ";", &save))
		frames[n++] = f;
	return frame_tree_lookup(t, side, (const char *const *)frames, n);
}

static char *render(const struct frame_tree *t, const struct flame_opts *o)
{
	char *svg = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&svg, &len);

	cr_assert_not_null(out);
	cr_assert_eq(flamegraph_write_svg(t, o, out), 0);
	fclose(out);
	return svg;
}

static char *render_folded(const char *text, double min_width)
{
	struct frame_tree *t = parse_ok(FOLDED_A, text, NULL);
	struct flame_opts o;
	char *svg;

	flame_opts_default(&o, FLAME_ONCPU);
	o.min_width = min_width;
	svg = render(t, &o);
	frame_tree_free(t);
	return svg;
}

static size_t count_of(const char *s, const char *needle)
{
	size_t n = 0;

	for (s = strstr(s, needle); s; s = strstr(s + 1, needle))
		n++;
	return n;
}

/* The frames of SVG, in document order. */
static size_t svg_frames(const char *svg, struct svg_frame *frames, size_t max)
{
	size_t n = 0;

	for (const char *p = strstr(svg, "<g><title>"); p && n < max; p = strstr(p + 1, "<g><title>")) {
		struct svg_frame *f = &frames[n++];
		const char *end = strstr(p, "</title>");
		size_t len = end - (p + 10);

		cr_assert_not_null(end);
		snprintf(f->title, sizeof(f->title), "%.*s", (int)len, p + 10);
		cr_assert_eq(sscanf(end, "</title><rect x=\"%lf\" y=\"%lf\" width=\"%lf\" height=\"%*f\" "
				    "fill=\"rgb(%u,%u,%u)\"", &f->x, &f->y, &f->width, &f->r, &f->g, &f->b), 6,
			     "bad frame: %.80s", end);
	}
	return n;
}

static const struct svg_frame *frame_named(const struct svg_frame *frames, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(frames[i].title, prefix, strlen(prefix)))
			return &frames[i];
	cr_assert_fail("no frame titled '%s...'", prefix);
	return NULL;
}

Test(folded, parses_stacks_into_inclusive_counts)
{
	struct frame_tree *t = parse_ok(FOLDED_A, "a;b;c 3\na;b 2\na;d 5\ne 1", NULL);

	cr_assert_eq(frame_tree_total(t, FOLDED_A), 11);
	cr_assert_eq(lookup(t, FOLDED_A, "a"), 10);
	cr_assert_eq(lookup(t, FOLDED_A, "a;b"), 5);
	cr_assert_eq(lookup(t, FOLDED_A, "a;b;c"), 3);
	cr_assert_eq(lookup(t, FOLDED_A, "a;d"), 5);
	cr_assert_eq(lookup(t, FOLDED_A, "e"), 1);
	cr_assert_eq(lookup(t, FOLDED_A, "a;c"), 0);
	cr_assert_eq(t->max_depth, 3);
	frame_tree_free(t);
}

/* Consecutive lines that share bytes but not whole frames must not share nodes. */
Test(folded, shared_prefixes_split_at_frame_boundaries)
{
	struct frame_tree *t = parse_ok(FOLDED_A, "a;bc 1\na;b 2\na;b;c 4\nab;c 8\na;;b 16\n", NULL);

	cr_assert_eq(lookup(t, FOLDED_A, "a;bc"), 1);
	cr_assert_eq(lookup(t, FOLDED_A, "a;b"), 22);
	cr_assert_eq(lookup(t, FOLDED_A, "a;b;c"), 4);
	cr_assert_eq(lookup(t, FOLDED_A, "ab;c"), 8);
	cr_assert_eq(lookup(t, FOLDED_A, "a"), 23);
	frame_tree_free(t);
}

Test(folded, counts_bad_lines_exactly)
{
	const char text[] = "a;b 1\n"
			    "no-count\n"            /* 2: bad */
			    "a;b x\n"               /* bad */
			    "a;b 1.5\n"             /* bad */
			    " 4\n"                  /* bad: empty stack */
			    ";;; 2\n"               /* bad: no frame name */
			    "a;b -3\n"              /* bad */
			    "\n   \r\n"             /* blank: ignored */
			    "c 1\r\n"
			    "d;e  7";
	struct frame_tree *t = frame_tree_new();
	struct folded_stats st;

	cr_assert_eq(folded_parse_buf(t, FOLDED_A, text, strlen(text), &st), 0);
	cr_assert_eq(st.good_lines, 3);
	cr_assert_eq(st.bad_lines, 6);
	cr_assert_eq(st.first_bad_line, 2);
	cr_assert_eq(frame_tree_total(t, FOLDED_A), 9);
	cr_assert_eq(lookup(t, FOLDED_A, "d;e"), 7);
	frame_tree_free(t);
}

/* A count beyond 64 bits, alone or added to the side's counts before it, would wrap the totals
 * round to a wrong graph: the parse stops with -ERANGE and the line. */
Test(folded, counts_that_overflow_64_bits_are_an_error)
{
	static const struct {
		const char *text;
		uint64_t line;
	} cases[] = {
		{ "a;b 1\na 18446744073709551616\nc 1\n", 2 },  /* 2^64 */
		{ "a;b 1\na 99999999999999999999999\n", 2 },
		{ "a;b 18446744073709551615\na;c 1\n", 2 },      /* the total overflows */
		{ "x 9223372036854775808\n\njunk\ny 9223372036854775808\n", 4 },
	};
	struct frame_tree *t;
	struct folded_stats st;
	FILE *in;

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		t = frame_tree_new();
		cr_assert_eq(folded_parse_buf(t, FOLDED_A, cases[i].text, strlen(cases[i].text), &st), -ERANGE,
			     "case %zu", i);
		cr_assert_eq(st.overflow_line, cases[i].line, "case %zu", i);
		frame_tree_free(t);
		t = frame_tree_new();
		in = fmemopen((void *)cases[i].text, strlen(cases[i].text), "r");
		cr_assert_eq(folded_parse_file(t, FOLDED_A, in, &st), -ERANGE, "case %zu", i);
		cr_assert_eq(st.overflow_line, cases[i].line, "case %zu", i);
		fclose(in);
		frame_tree_free(t);
	}
	/* the largest total that fits is fine; each side has its own; a later input adds to its side */
	t = parse_ok(FOLDED_A, "a;b 18446744073709551614\na;c 1\n", NULL);
	cr_assert_eq(frame_tree_total(t, FOLDED_A), UINT64_MAX);
	parse_ok(FOLDED_B, "a;b 18446744073709551615\n", t);
	cr_assert_eq(folded_parse_buf(t, FOLDED_A, "z 1\n", 4, &st), -ERANGE);
	cr_assert_eq(st.overflow_line, 1);
	frame_tree_free(t);
}

/* Input parsed in two parts at once whose counts overflow only together is an error too; the line
 * given is then the input's last (folded.h). */
Test(folded, large_input_in_two_parts_that_overflow_only_together_is_an_error)
{
	size_t n = 30000, len = 0, huge_line = n * 3 / 4;
	char *text = malloc(n * 32);
	struct frame_tree *t;
	struct folded_stats st;
	FILE *in;

	for (size_t i = 0; i < n; i++) /* descending: out of order, so parsed in two parts */
		len += sprintf(text + len, "frame_%06zu;leaf %s\n", n - i,
			       i == 0 || i + 1 == huge_line ? "9223372036854775808" : "1");
	cr_assert_geq(len, 512 * 1024);
	t = frame_tree_new();
	cr_assert_eq(folded_parse_buf(t, FOLDED_A, text, len, &st), -ERANGE);
	cr_assert_geq(st.overflow_line, huge_line);
	cr_assert_leq(st.overflow_line, n);
	frame_tree_free(t);
	t = frame_tree_new();
	in = file_of(text);
	cr_assert_eq(folded_parse_file(t, FOLDED_A, in, &st), -ERANGE);
	cr_assert_geq(st.overflow_line, huge_line);
	cr_assert_leq(st.overflow_line, n);
	fclose(in);
	frame_tree_free(t);
	free(text);
}

Test(folded, input_without_a_good_line_is_an_error)
{
	struct frame_tree *t = frame_tree_new();
	struct folded_stats st;

	cr_assert_eq(folded_parse_buf(t, FOLDED_A, "", 0, &st), -EINVAL);
	cr_assert_eq(st.bad_lines, 0);
	cr_assert_eq(folded_parse_buf(t, FOLDED_A, "junk\nmore junk\n", 15, &st), -EINVAL);
	cr_assert_eq(st.bad_lines, 2);
	frame_tree_free(t);
}

Test(folded, parses_a_file_with_lines_longer_than_the_read_buffer)
{
	size_t frames = 400000, len = frames * 3;
	char *text = malloc(len + 16);
	FILE *in;
	struct frame_tree *t = frame_tree_new();
	struct folded_stats st;

	for (size_t i = 0; i < frames; i++)
		memcpy(text + i * 3, i + 1 < frames ? "ab;" : "ab ", 3);
	strcpy(text + len, "5\nab 1\n");
	in = fmemopen(text, strlen(text), "r");
	cr_assert_eq(folded_parse_file(t, FOLDED_A, in, &st), 0);
	cr_assert_eq(st.good_lines, 2);
	cr_assert_eq(t->max_depth, frames);
	cr_assert_eq(lookup(t, FOLDED_A, "ab"), 6);
	fclose(in);
	free(text);
	frame_tree_free(t);
}

Test(folded, programmatic_stacks_match_parsed_ones)
{
	const char *s1[] = { "main", "", "work" }, *s2[] = { "main", "work", "[disk]" };
	struct frame_tree *t = frame_tree_new();

	frame_tree_add(t, FOLDED_A, s1, 3, 4);
	frame_tree_add(t, FOLDED_A, s2, 3, 6);
	cr_assert_eq(lookup(t, FOLDED_A, "main;work"), 10);
	cr_assert_eq(lookup(t, FOLDED_A, "main;work;[disk]"), 6);
	cr_assert_eq(frame_tree_total(t, FOLDED_A), 10);
	frame_tree_free(t);
}

Test(folded, writes_sorted_self_counts)
{
	struct frame_tree *t = parse_ok(FOLDED_A, "b;z 1\na;c 2\na 3\nb;y;x 4\na;c 5\nb 0\n", NULL);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	cr_assert_eq(folded_write(t, FOLDED_A, out), 0);
	fclose(out);
	cr_assert_str_eq(text, "a 3\na;c 7\nb;y;x 4\nb;z 1\n");
	free(text);
	frame_tree_free(t);
}

Test(flamegraph, draws_every_frame_above_min_width)
{
	/* 1000 samples over 1180 px: 1.18 px each; with min width 2 px the 1-sample frames go. */
	char *svg = render_folded("main;big 899\nmain;small 1\nmain;small;deeper 1\nmain;mid 98\nother 1\n", 2);
	struct svg_frame frames[16];
	size_t n = svg_frames(svg, frames, 16);

	cr_assert_eq(n, 5, "frames: %zu", n); /* all, main, big, mid, small (2 samples) */
	cr_assert_eq(count_of(svg, "<g><title>"), n);
	cr_assert_eq(count_of(svg, "deeper"), 0);
	cr_assert_eq(count_of(svg, "other"), 0);
	cr_assert_not_null(strstr(svg, "<title>big (899 samples, 89.90%)</title>"));
	cr_assert_not_null(strstr(svg, "<title>all (1000 samples, 100.00%)</title>"));
	cr_assert_eq(count_of(svg, "Reset Zoom"), 1);
	cr_assert_eq(count_of(svg, ">Search<"), 1);
	cr_assert_not_null(strstr(svg, "Matched: "));
	free(svg);
}

/* A rare deep stack under a depth limit: its deeper frames go (their time stays in their parents),
 * and the image is only as tall as what is drawn. */
Test(flamegraph, max_depth_keeps_a_deep_rare_stack_from_stretching_the_graph)
{
	char deep[4096] = "main;big 900\nmain;rare";
	struct frame_tree *t;
	struct flame_opts o;
	char *full, *capped;
	double full_h, capped_h;

	for (int i = 0; i < 120; i++)
		strcat(deep, i % 2 ? ";[unknown]" : ";x");
	strcat(deep, " 100\n");
	t = parse_ok(FOLDED_A, deep, NULL);
	flame_opts_default(&o, FLAME_ONCPU);
	full = render(t, &o);
	o.max_depth = 3;
	capped = render(t, &o);
	cr_assert_eq(sscanf(strstr(full, "height=\""), "height=\"%lf\"", &full_h), 1);
	cr_assert_eq(sscanf(strstr(capped, "height=\""), "height=\"%lf\"", &capped_h), 1);
	cr_assert_eq(count_of(capped, "<g><title>"), 5, "all, main, big, rare, one x");
	cr_assert_gt(full_h - capped_h, 100 * o.frame_height, "%.0f vs %.0f px", full_h, capped_h);
	cr_assert_not_null(strstr(capped, "<title>rare (100 samples, 10.00%)</title>"));
	free(full);
	free(capped);
	frame_tree_free(t);
}

/* Widths follow counts, and children never spill out of their parent. */
Test(flamegraph, widths_are_proportional_and_nested)
{
	char *svg = render_folded("a;b;c 30\na;b;d 20\na;e 50\nf 100\n", 0.1);
	struct svg_frame frames[16];
	size_t n = svg_frames(svg, frames, 16);

	cr_assert_eq(n, 7);
	for (size_t i = 0; i < n; i++) {
		double children = 0;
		unsigned long long count;

		cr_assert_eq(sscanf(strrchr(frames[i].title, '(') + 1, "%llu", &count), 1);
		cr_assert_float_eq(frames[i].width, PLOT_WIDTH * count / 200, 0.01, "%s", frames[i].title);
		for (size_t j = 0; j < n; j++)
			if (frames[j].y == frames[i].y - 16 && frames[j].x >= frames[i].x - 0.01 &&
			    frames[j].x < frames[i].x + frames[i].width)
				children += frames[j].width;
		cr_assert_leq(children, frames[i].width + 0.02, "%s", frames[i].title);
	}
	cr_assert_float_eq(frame_named(frames, n, "c ")->x, frame_named(frames, n, "b ")->x, 0.01);
	free(svg);
}

/* Outside markup, every '&' starts an entity and no '<', '>' or control character appears. */
static void assert_clean_xml_text(const char *svg)
{
	const char *body = strstr(svg, "]]></script>");
	bool in_tag = false;

	cr_assert_not_null(body);
	for (const char *p = body + 12; *p; p++) {
		if (*p == '<' || *p == '>') {
			cr_assert(in_tag == (*p == '>'), "stray '%c' near %.40s", *p, p);
			in_tag = *p == '<';
		} else if (*p == '&') {
			cr_assert(!strncmp(p, "&amp;", 5) || !strncmp(p, "&lt;", 4) || !strncmp(p, "&gt;", 4) ||
				  !strncmp(p, "&quot;", 6) || !strncmp(p, "&apos;", 6), "raw '&' near %.40s", p);
		} else {
			cr_assert((unsigned char)*p >= 0x20 || *p == '\n', "control character near %.40s", p);
		}
	}
}

Test(flamegraph, escapes_any_symbol)
{
	const char *nasty[] = { "a<b>&c\"d'e", "bell\a\x01tab\t", "bad\xff\xc3(utf8", "caf\xc3\xa9 <>",
				"]]>&amp;", "x\xed\xa0\x80y" };
	struct frame_tree *t = frame_tree_new();
	struct flame_opts o;
	char *svg, cmd[] = "xmllint --noout /tmp/conctrace-test-flame.svg";
	FILE *f;

	flame_opts_default(&o, FLAME_ONCPU);
	o.title = "<title> & \"quotes\"";
	o.subtitle = "sub\x02title";
	for (size_t i = 0; i < 6; i++)
		frame_tree_add(t, FOLDED_A, &nasty[i], 1, 10);
	svg = render(t, &o);
	assert_clean_xml_text(svg);
	cr_assert_not_null(strstr(svg, "<title>a&lt;b&gt;&amp;c&quot;d&apos;e (10 samples"));
	cr_assert_not_null(strstr(svg, "<title>belltab (10"));
	cr_assert_not_null(strstr(svg, "<title>bad(utf8 (10"));
	cr_assert_not_null(strstr(svg, "<title>caf\xc3\xa9 &lt;&gt; (10"));
	cr_assert_not_null(strstr(svg, "<title>xy (10"));
	if (system("command -v xmllint >/dev/null 2>&1") == 0) {
		f = fopen("/tmp/conctrace-test-flame.svg", "w");
		fputs(svg, f);
		fclose(f);
		cr_assert_eq(system(cmd), 0, "xmllint rejects the SVG");
		unlink("/tmp/conctrace-test-flame.svg");
	}
	free(svg);
	frame_tree_free(t);
}

Test(flamegraph, truncates_labels_to_fit)
{
	char *svg = render_folded("main;a_rather_long_function_name_indeed 10\nmain;wide 990\n", 0.1);

	/* 11.8 px: one character and ".." would not help, so (11.8 - 3) / 7.08 = 1: no label */
	cr_assert_null(strstr(svg, "\">a_rather"));
	free(svg);
	svg = render_folded("main;a_rather_long_function_name_indeed 100\nmain;wide 900\n", 0.1);
	/* 118 px: (118 - 3) / 7.08 = 16 characters, the last two of them ".." */
	cr_assert_not_null(strstr(svg, "\">a_rather_long_..</text>"));
	free(svg);
}

Test(flamegraph, colours_frames_by_kind)
{
	char *svg = render_folded("do_sys_open_[k] 1\nleaf (gen.py:12) 1\nmemcpy 1\n[disk] 1\n[gil] 1\n", 0.1);
	struct svg_frame frames[8];
	size_t n = svg_frames(svg, frames, 8);
	const struct svg_frame *kernel = frame_named(frames, n, "do_sys_open_[k] ");
	const struct svg_frame *python = frame_named(frames, n, "leaf (gen.py:12) ");
	const struct svg_frame *native = frame_named(frames, n, "memcpy ");
	const struct svg_frame *disk = frame_named(frames, n, "[disk] "), *gil = frame_named(frames, n, "[gil] ");

	cr_assert_gt(python->g, python->r);          /* green */
	cr_assert_gt(native->r, native->g + 40);     /* red */
	cr_assert_gt(kernel->g, native->g);          /* orange, yellower than native */
	cr_assert(disk->r != gil->r || disk->g != gil->g || disk->b != gil->b);
	free(svg);
}

Test(flamegraph, shows_ns_as_milliseconds_and_seconds)
{
	struct frame_tree *t = parse_ok(FOLDED_A, "io;[disk] 1500000000\nio;[net] 2500000\n", NULL);
	struct flame_opts o;
	char *svg;

	flame_opts_default(&o, FLAME_OFFCPU);
	svg = render(t, &o);
	cr_assert_not_null(strstr(svg, "<title>[disk] (1.50 s, 99.83%)</title>"));
	cr_assert_not_null(strstr(svg, "<title>[net] (2.500 ms, 0.17%)</title>"));
	cr_assert_not_null(strstr(svg, "Off-CPU Time Flame Graph"));
	free(svg);
	frame_tree_free(t);
}

Test(flamegraph, differential_colours_growth_red_and_shrinkage_blue)
{
	struct frame_tree *t = parse_ok(FOLDED_A, "main;grow 10\nmain;shrink 90\nmain;same 100\n", NULL);
	struct flame_opts o;
	struct svg_frame frames[8];
	const struct svg_frame *grow, *shrink, *same;
	char *svg;
	size_t n;

	/* B has twice the samples: normalised, "same" keeps its share and stays neutral. */
	parse_ok(FOLDED_B, "main;grow 180\nmain;shrink 20\nmain;same 200\n", t);
	flame_opts_default(&o, FLAME_DIFF);
	svg = render(t, &o);
	n = svg_frames(svg, frames, 8);
	grow = frame_named(frames, n, "grow ");
	shrink = frame_named(frames, n, "shrink ");
	same = frame_named(frames, n, "same ");
	cr_assert_gt(grow->r, grow->b);
	cr_assert_gt(shrink->b, shrink->r);
	cr_assert_eq(same->r, same->b);
	cr_assert_float_eq(grow->width, PLOT_WIDTH * 180 / 400, 0.01);
	cr_assert_not_null(strstr(grow->title, "A: 10 samples, 5.00%; B: 180 samples, 45.00%; delta: +40.00%"),
			   "%s", grow->title);
	free(svg);
	o.negate = true; /* A's widths; still red where B grew */
	svg = render(t, &o);
	n = svg_frames(svg, frames, 8);
	grow = frame_named(frames, n, "grow ");
	cr_assert_float_eq(grow->width, PLOT_WIDTH * 10 / 200, 0.01);
	cr_assert_gt(grow->r, grow->b);
	free(svg);
	frame_tree_free(t);
}

/* The same stacks in another order give the same bytes. */
Test(flamegraph, renders_deterministically)
{
	const char *lines = "x;y;z 5\nx;w 7\n[gil] 3\nk_[k];m 2\n";
	const char *reordered = "k_[k];m 2\n[gil] 3\nx;w 7\nx;y;z 5\n";
	char *a = render_folded(lines, 0.1), *b = render_folded(lines, 0.1), *c = render_folded(reordered, 0.1);

	cr_assert_str_eq(a, b);
	cr_assert_str_eq(a, c);
	free(a);
	free(b);
	free(c);
}

/* N folded lines from a few names, so that many share prefixes and some repeat; a few hold an
 * empty frame (after the first). *TOTAL gets the sum of their counts. */
static char **random_lines(size_t n, uint64_t *total)
{
	static const char *const names[] = { "main", "run", "a", "ab", "b", "read_[k]", "f (x.py:1)", "[disk]" };
	char **lines = calloc(n, sizeof(*lines));
	uint64_t seed = 42;

	*total = 0;
	for (size_t i = 0; i < n; i++) {
		char *line = NULL;
		size_t len = 0, depth;
		uint64_t count;
		FILE *out = open_memstream(&line, &len);

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		depth = 1 + (seed >> 33) % 10;
		for (size_t d = 0; d < depth; d++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			fprintf(out, "%s%s", d ? ";" : "", d && !((seed >> 40) % 50) ? "" : names[(seed >> 33) % 8]);
		}
		count = (seed >> 50) + (i % 500 == 7 ? 1ULL << 40 : 0); /* some beyond 32 bits */
		fprintf(out, " %llu", (unsigned long long)count);
		*total += count;
		fclose(out);
		lines[i] = line;
	}
	return lines;
}

static int compare_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* LINES[0..N) joined by newlines, from the last to the first when BACKWARDS. */
static char *join_lines(char **lines, size_t n, bool backwards)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s\n", lines[backwards ? n - 1 - i : i]);
	fclose(out);
	return text;
}

static char *write_folded(const struct frame_tree *t, enum folded_side side)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	cr_assert_eq(folded_write(t, side, out), 0);
	fclose(out);
	return text;
}

/* Sorted input goes straight into the tree; unsorted input is sorted as name ids and merged after:
 * both must build the same tree, whatever the order, and draw the same bytes. */
Test(flamegraph, any_line_order_renders_the_same_bytes)
{
	size_t n = 3000;
	uint64_t total;
	char **lines = random_lines(n, &total), *orders[3], *svgs[3], *folded[3];
	struct flame_opts o;

	flame_opts_default(&o, FLAME_ONCPU);
	o.min_width = 0;
	orders[0] = join_lines(lines, n, false);
	qsort(lines, n, sizeof(*lines), compare_lines);
	orders[1] = join_lines(lines, n, false);
	orders[2] = join_lines(lines, n, true);
	cr_assert_str_neq(orders[0], orders[1]);
	for (int i = 0; i < 3; i++) {
		struct frame_tree *t = parse_ok(FOLDED_A, orders[i], NULL);

		cr_assert_eq(frame_tree_total(t, FOLDED_A), total);
		svgs[i] = render(t, &o);
		folded[i] = write_folded(t, FOLDED_A);
		frame_tree_free(t);
	}
	for (int i = 1; i < 3; i++) {
		cr_assert_str_eq(folded[i], folded[0], "order %d", i);
		cr_assert(!strcmp(svgs[i], svgs[0]), "the SVG of order %d differs", i);
	}
	cr_assert_gt(count_of(svgs[0], "<rect"), 100);
	for (int i = 0; i < 3; i++) {
		free(orders[i]);
		free(svgs[i]);
		free(folded[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* A large unsorted input is parsed in two parts at once, the second's names mapped to the tree's:
 * from a buffer or a file, it must build the tree its sorted lines build, and number its lines as
 * one input. */
Test(folded, large_unsorted_input_parses_in_parts_to_the_tree_of_its_sorted_lines)
{
	size_t n = 20000, bad = n * 3 / 4;
	uint64_t total;
	char **lines = random_lines(n, &total), *shuffled, *sorted, *expected;
	struct frame_tree *reference = frame_tree_new(), *trees[2] = { frame_tree_new(), frame_tree_new() };
	struct folded_stats st;
	FILE *in;

	total -= strtoull(strrchr(lines[bad], ' ') + 1, NULL, 10);
	free(lines[bad]);
	lines[bad] = strdup("no-count");
	shuffled = join_lines(lines, n, false);
	cr_assert_geq(strlen(shuffled), 256 * 1024, "too small to be split");
	qsort(lines, n, sizeof(*lines), compare_lines);
	sorted = join_lines(lines, n, false);
	cr_assert_eq(folded_parse_buf(reference, FOLDED_A, sorted, strlen(sorted), &st), 0);
	expected = write_folded(reference, FOLDED_A);
	cr_assert_eq(folded_parse_buf(trees[0], FOLDED_A, shuffled, strlen(shuffled), &st), 0);
	in = file_of(shuffled);
	for (int i = 0; i < 2; i++) {
		char *folded;

		if (i)
			cr_assert_eq(folded_parse_file(trees[1], FOLDED_A, in, &st), 0);
		cr_assert_eq(st.good_lines, n - 1);
		cr_assert_eq(st.bad_lines, 1);
		cr_assert_eq(st.first_bad_line, bad + 1);
		cr_assert_eq(frame_tree_total(trees[i], FOLDED_A), total);
		folded = write_folded(trees[i], FOLDED_A);
		cr_assert_str_eq(folded, expected, "input %d", i);
		free(folded);
		frame_tree_free(trees[i]);
	}
	fclose(in);
	frame_tree_free(reference);
	free(shuffled);
	free(sorted);
	free(expected);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* A differential graph reads a second input into the tree the first built. */
Test(flamegraph, differential_graphs_do_not_depend_on_line_order)
{
	size_t n = 2000;
	uint64_t total;
	char **lines = random_lines(n, &total), *shuffled = join_lines(lines, n, false), *sorted, *svgs[2];
	const char *other = "main;run;a 500\nmain;b 70\n";
	struct flame_opts o;

	qsort(lines, n, sizeof(*lines), compare_lines);
	sorted = join_lines(lines, n, true);
	flame_opts_default(&o, FLAME_DIFF);
	o.min_width = 0;
	for (int i = 0; i < 2; i++) {
		struct frame_tree *t = parse_ok(FOLDED_A, other, NULL);

		parse_ok(FOLDED_B, i ? sorted : shuffled, t);
		cr_assert_eq(frame_tree_total(t, FOLDED_B), total);
		svgs[i] = render(t, &o);
		frame_tree_free(t);
	}
	cr_assert(!strcmp(svgs[0], svgs[1]), "the differential SVGs differ");
	free(svgs[0]);
	free(svgs[1]);
	free(shuffled);
	free(sorted);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

static int run_command(const char *a1, const char *a2, const char *a3)
{
	char *argv[] = { "flamegraph", (char *)a1, (char *)a2, (char *)a3, NULL };
	int argc = 1 + !!a1 + !!a2 + !!a3;

	return cmd_flamegraph(argc, argv);
}

static char *read_all(FILE *in)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int c;

	while ((c = fgetc(in)) != EOF)
		fputc(c, out);
	fclose(out);
	return text;
}

Test(flamegraph_command, rejects_bad_usage_and_input, .init = cr_redirect_stderr)
{
	char *errors;
	FILE *f = fopen("/tmp/conctrace-test-junk.folded", "w");

	fputs("junk\nmore junk\n", f);
	fclose(f);
	cr_assert_eq(run_command("--no-such-option", "x", NULL), 2);
	cr_assert_eq(run_command("--width", "wide", "x"), 2);
	cr_assert_eq(run_command("--kind", "diff", "x"), 2);
	cr_assert_eq(run_command(NULL, NULL, NULL), 2);
	cr_assert_eq(run_command("/nonexistent/folded", NULL, NULL), 2);
	cr_assert_eq(run_command("/tmp/conctrace-test-junk.folded", NULL, NULL), 2);
	unlink("/tmp/conctrace-test-junk.folded");
	fflush(stderr);
	errors = read_all(cr_get_redirected_stderr());
	cr_assert_not_null(strstr(errors, "conctrace: flamegraph: unknown option or missing argument: "
				  "'--no-such-option' (see conctrace flamegraph --help)\n"));
	cr_assert_null(strstr(errors, "usage:"), "a usage error prints one line, not the usage");
	cr_assert_not_null(strstr(errors, "conctrace: flamegraph: --width: expected 10 to 1000000 pixels: 'wide' "
				  "(see conctrace flamegraph --help)\n"));
	cr_assert_not_null(strstr(errors, "conctrace: flamegraph: --kind diff needs two inputs (see"));
	cr_assert_not_null(strstr(errors, "conctrace: flamegraph: expected one input, or two for a differential "
				  "graph (see"));
	cr_assert_not_null(strstr(errors, "conctrace flamegraph: /nonexistent/folded: No such file or directory\n"));
	cr_assert_not_null(strstr(errors, "conctrace flamegraph: /tmp/conctrace-test-junk.folded: "
				  "no valid folded lines (2 bad)\n"));
	free(errors);
}

static void redirect_both(void)
{
	cr_redirect_stdout();
	cr_redirect_stderr();
}

/* Counts past 64 bits: one line naming the file and line, exit 2, and no SVG. */
Test(flamegraph_command, counts_that_overflow_64_bits_exit_2, .init = redirect_both)
{
	const char *good = "/tmp/conctrace-test-fits.folded", *bad = "/tmp/conctrace-test-overflow.folded";
	FILE *f = fopen(good, "w");
	char *errors, *svg;

	fputs("a;b 18446744073709551615\n", f);
	fclose(f);
	f = fopen(bad, "w");
	fputs("a;b 18446744073709551615\na;c 1\n", f);
	fclose(f);
	cr_assert_eq(run_command(bad, NULL, NULL), 2);
	cr_assert_eq(run_command(good, bad, NULL), 2, "as the second input of a differential graph");
	unlink(good);
	unlink(bad);
	fflush(stdout);
	fflush(stderr);
	errors = read_all(cr_get_redirected_stderr());
	svg = read_all(cr_get_redirected_stdout());
	cr_assert_str_eq(errors, "conctrace flamegraph: /tmp/conctrace-test-overflow.folded: line 2: counts overflow "
				 "64 bits (alone or added to the lines before)\n"
				 "conctrace flamegraph: /tmp/conctrace-test-overflow.folded: line 2: counts overflow "
				 "64 bits (alone or added to the lines before)\n");
	cr_assert_str_eq(svg, "");
	free(errors);
	free(svg);
}
