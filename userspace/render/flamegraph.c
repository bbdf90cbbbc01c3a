#include "render/flamegraph.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/util.h"

#define FONT_SIZE 12.0
#define FONT_WIDTH 0.59 /* average glyph width, as a fraction of the font size */
#define XPAD 10.0
#define TEXT_PAD 3.0

struct rgb {
	unsigned r, g, b;
};

/* Drawing state shared by the two walks: the first only measures (OUT is NULL), the second draws. */
struct svg_render {
	const struct frame_tree *t;
	const struct flame_opts *o;
	FILE *out;
	enum folded_side side;     /* whose counts give the widths */
	double scale;              /* pixels per count */
	uint64_t *cursor;          /* cursor[d]: where the next frame at depth d starts, in counts */
	uint32_t max_depth;        /* of the frames drawn */
	double max_delta;          /* differential: the largest |change| among frames drawn */
	double top;                /* y of the deepest row */
};

static const struct {
	const char *name;
	struct rgb colour;
} wait_classes[] = {
	{ "[disk]", { 140, 109, 49 } },      { "[gil]", { 148, 103, 189 } },
	{ "[runqueue]", { 127, 127, 127 } }, { "[wakeup]", { 176, 176, 176 } }, { "[lock]", { 227, 119, 194 } },
	{ "[loop-idle]", { 199, 199, 199 } }, { "[net]", { 31, 119, 180 } },
	{ "[timer]", { 23, 190, 207 } },     { "[pipe]", { 188, 189, 34 } },
	{ "[child]", { 174, 199, 232 } },    { "[kernel-lock]", { 132, 60, 57 } },
	{ "[other-sleep]", { 219, 219, 141 } }, { "[other-d]", { 99, 99, 99 } },
	{ "[oncpu]", { 255, 152, 150 } },
};

static struct rgb kind_colour(const char *name, size_t len);

void flame_frame_fill(const char *name, char *buf, size_t len)
{
	struct rgb c = kind_colour(name, strlen(name));

	snprintf(buf, len, "rgb(%u,%u,%u)", (unsigned)c.r, (unsigned)c.g, (unsigned)c.b);
}

void flame_class_fill(const char *wait_class, char *buf, size_t len)
{
	char name[64];

	snprintf(name, sizeof(name), "[%s]", wait_class);
	flame_frame_fill(name, buf, len);
}

void flame_opts_default(struct flame_opts *o, enum flame_kind kind)
{
	*o = (struct flame_opts){
		.kind = kind,
		.count_name = kind == FLAME_OFFCPU || kind == FLAME_WALL ? "ns" : "samples",
		.width = 1200,
		.frame_height = 16,
		.min_width = 0.1,
		.differential = kind == FLAME_DIFF,
	};
}

static const char *const kind_names[] = { "oncpu", "offcpu", "wall", "diff" };
static const char *const kind_titles[] = { "On-CPU Flame Graph", "Off-CPU Time Flame Graph",
					   "Wall-Clock Flame Graph", "Differential Flame Graph" };

bool flame_kind_parse(const char *s, enum flame_kind *kind)
{
	for (size_t i = 0; i < ARRAY_LEN(kind_names); i++)
		if (!strcmp(s, kind_names[i])) {
			*kind = i;
			return true;
		}
	return false;
}

/* FNV-1a: small and stable, so colours never change between versions or runs. */
static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

static struct rgb kind_colour(const char *name, size_t len)
{
	uint32_t h = name_hash(name, len);
	double v1 = (h & 0xff) / 255.0, v2 = ((h >> 8) & 0xff) / 255.0, v3 = ((h >> 16) & 0xff) / 255.0;

	for (size_t i = 0; i < ARRAY_LEN(wait_classes); i++)
		if (strlen(wait_classes[i].name) == len && !memcmp(wait_classes[i].name, name, len))
			return wait_classes[i].colour;
	if (ends_with(name, len, "_[k]")) /* kernel: orange */
		return (struct rgb){ 230 + 25 * v1, 140 + 60 * v2, 40 * v3 };
	if (memmem(name, len, ".py:", 4)) /* Python: green */
		return (struct rgb){ 70 + 70 * v1, 170 + 60 * v2, 70 + 60 * v3 };
	return (struct rgb){ 200 + 55 * v1, 60 + 90 * v2, 20 + 50 * v3 }; /* native: red */
}

static double share(uint64_t v, uint64_t total)
{
	return total ? (double)v / total : 0;
}

/* How a frame changed from side A to side B: in shares of each total, or in raw counts. */
static double frame_delta(const struct svg_render *r, const struct frame_node *n)
{
	const uint64_t *totals = r->t->nodes[0].value;

	if (r->o->raw_diff)
		return (double)n->value[FOLDED_B] - (double)n->value[FOLDED_A];
	return share(n->value[FOLDED_B], totals[FOLDED_B]) - share(n->value[FOLDED_A], totals[FOLDED_A]);
}

/* Red for growth, blue for shrinkage, pale grey for no change. */
static struct rgb diff_colour(double delta, double max_delta)
{
	unsigned fade = 230 - (unsigned)lround(200 * (max_delta > 0 ? fabs(delta) / max_delta : 0));

	if (delta > 0)
		return (struct rgb){ 255, fade, fade };
	if (delta < 0)
		return (struct rgb){ fade, fade, 255 };
	return (struct rgb){ 230, 230, 230 };
}

/* The length of the valid UTF-8 character at S that XML may hold and that is not a control
 * character, or 0 when the byte at S must be dropped. */
static size_t xml_char_len(const unsigned char *s, size_t len)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f;
	n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (!n || n > len || s[0] > 0xf4)
		return 0;
	cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

static size_t xml_char_count(const char *s, size_t len)
{
	size_t count = 0;

	for (size_t i = 0; i < len;) {
		size_t n = xml_char_len((const unsigned char *)s + i, len - i);

		count += n > 0;
		i += n ? n : 1;
	}
	return count;
}

/* Writes at most MAX_CHARS characters of S as XML text. */
static void write_xml_text(FILE *out, const char *s, size_t len, size_t max_chars)
{
	for (size_t i = 0; i < len && max_chars;) {
		size_t n = xml_char_len((const unsigned char *)s + i, len - i);

		switch (n ? s[i] : 0) {
		case 0: break;
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default: fwrite(s + i, 1, n, out);
		}
		max_chars -= n > 0;
		i += n ? n : 1;
	}
}

static void write_xml_string(FILE *out, const char *s)
{
	write_xml_text(out, s, strlen(s), SIZE_MAX);
}

/* "1234 samples", or for ns "12.345 ms" / "1.23 s". */
static void format_count(char *buf, size_t size, double v, const char *unit)
{
	double mag = fabs(v);

	if (strcmp(unit, "ns"))
		snprintf(buf, size, "%.0f %s", v, unit);
	else if (mag >= 1e9)
		snprintf(buf, size, "%.2f s", v / 1e9);
	else
		snprintf(buf, size, "%.3f ms", v / 1e6);
}

static void write_tooltip(const struct svg_render *r, const struct frame_node *n, const char *name, size_t len)
{
	const uint64_t *totals = r->t->nodes[0].value;
	const char *unit = r->o->count_name;
	char a[64], b[64], d[64];

	fputs("<g><title>", r->out);
	write_xml_text(r->out, name, len, SIZE_MAX);
	if (!r->o->differential) {
		format_count(a, sizeof(a), n->value[r->side], unit);
		fprintf(r->out, " (%s, %.2f%%)</title>", a, 100 * share(n->value[r->side], totals[r->side]));
		return;
	}
	format_count(a, sizeof(a), n->value[FOLDED_A], unit);
	format_count(b, sizeof(b), n->value[FOLDED_B], unit);
	if (r->o->raw_diff)
		format_count(d, sizeof(d), frame_delta(r, n), unit);
	else
		snprintf(d, sizeof(d), "%.2f%%", 100 * frame_delta(r, n));
	fprintf(r->out, " (A: %s, %.2f%%; B: %s, %.2f%%; delta: %s%s)</title>", a,
		100 * share(n->value[FOLDED_A], totals[FOLDED_A]), b,
		100 * share(n->value[FOLDED_B], totals[FOLDED_B]), frame_delta(r, n) > 0 ? "+" : "", d);
}

static void draw_frame(const struct svg_render *r, uint32_t node, uint32_t depth, uint64_t start, double width)
{
	const struct frame_node *n = &r->t->nodes[node];
	const char *name = node ? frame_node_name(r->t, n) : "all";
	size_t len = node ? frame_node_name_len(r->t, n) : 3;
	size_t fits = (size_t)fmax(0, (width - TEXT_PAD) / (FONT_SIZE * FONT_WIDTH)), chars;
	double x = XPAD + start * r->scale, y = r->top + (r->max_depth - depth) * r->o->frame_height;
	struct rgb c = r->o->differential ? diff_colour(frame_delta(r, n), r->max_delta) : kind_colour(name, len);

	write_tooltip(r, n, name, len);
	fprintf(r->out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"rgb(%u,%u,%u)\"/>",
		x, y, width, r->o->frame_height - 1, c.r, c.g, c.b);
	fprintf(r->out, "<text x=\"%.2f\" y=\"%.1f\">", x + TEXT_PAD, y + r->o->frame_height - 5);
	if (fits >= 3) {
		chars = xml_char_count(name, len);
		write_xml_text(r->out, name, len, chars <= fits ? chars : fits - 2);
		if (chars > fits)
			fputs("..", r->out);
	}
	fputs("</text></g>\n", r->out);
}

static bool render_node(const struct frame_tree *t, uint32_t node, uint32_t depth, void *ctx)
{
	struct svg_render *r = ctx;
	const struct frame_node *n = &t->nodes[node];
	uint64_t start = r->cursor[depth];
	double width = n->value[r->side] * r->scale;

	r->cursor[depth] += n->value[r->side];
	if (!n->value[r->side] || width < r->o->min_width || (r->o->max_depth && depth > r->o->max_depth))
		return false;
	r->cursor[depth + 1] = start;
	if (r->out)
		draw_frame(r, node, depth, start, width);
	else {
		if (depth > r->max_depth)
			r->max_depth = depth;
		if (r->o->differential && fabs(frame_delta(r, n)) > r->max_delta)
			r->max_delta = fabs(frame_delta(r, n));
	}
	return true;
}

/* Zoom, search and details, in the SVG itself so the file works alone in a browser. */
static const char svg_script[] =
	"var frames, details, unzoomButton, searchButton, matched, fullWidth, searching = false;\n"
	"function init(evt) {\n"
	"  var svg = document.documentElement;\n"
	"  frames = document.getElementById('frames');\n"
	"  details = document.getElementById('details');\n"
	"  unzoomButton = document.getElementById('unzoom');\n"
	"  searchButton = document.getElementById('search');\n"
	"  matched = document.getElementById('matched');\n"
	"  fullWidth = +svg.getAttribute('width') - 2 * XPAD;\n"
	"  eachFrame(function (g) {\n"
	"    var r = g.querySelector('rect'), t = g.querySelector('title').textContent;\n"
	"    g.x0 = +r.getAttribute('x'); g.w0 = +r.getAttribute('width');\n"
	"    g.y0 = +r.getAttribute('y'); g.fill0 = r.getAttribute('fill');\n"
	"    g.frameName = t.substring(0, t.lastIndexOf(' ('));\n"
	"  });\n"
	"  frames.addEventListener('click', function (e) { var g = frameOf(e.target); if (g) zoom(g); });\n"
	"  frames.addEventListener('mouseover', function (e) {\n"
	"    var g = frameOf(e.target); if (g) details.textContent = g.querySelector('title').textContent;\n"
	"  });\n"
	"  frames.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
	"  unzoomButton.addEventListener('click', unzoom);\n"
	"  searchButton.addEventListener('click', search);\n"
	"}\n"
	"function eachFrame(f) { var gs = frames.children; for (var i = 0; i < gs.length; i++) f(gs[i]); }\n"
	"function frameOf(el) { while (el && el.parentNode !== frames) el = el.parentNode; return el; }\n"
	"function place(g, x, w) {\n"
	"  var r = g.querySelector('rect'), t = g.querySelector('text');\n"
	"  var fits = Math.floor((w - TEXT_PAD) / CHAR_WIDTH), name = g.frameName;\n"
	"  r.setAttribute('x', x.toFixed(2)); r.setAttribute('width', w.toFixed(2));\n"
	"  t.setAttribute('x', (x + TEXT_PAD).toFixed(2));\n"
	"  t.textContent = fits < 3 ? '' : name.length <= fits ? name : name.substring(0, fits - 2) + '..';\n"
	"}\n"
	"function zoom(target) {\n"
	"  var left = target.x0, right = target.x0 + target.w0, scale = fullWidth / target.w0, eps = 1e-3;\n"
	"  eachFrame(function (g) {\n"
	"    var end = g.x0 + g.w0, below = g.y0 > target.y0;\n"
	"    var visible = below ? g.x0 <= left + eps && end >= right - eps\n"
	"                        : g.x0 >= left - eps && end <= right + eps;\n"
	"    g.classList.toggle('hide', !visible);\n"
	"    g.classList.toggle('parent', visible && below);\n"
	"    if (visible && below) place(g, XPAD, fullWidth);\n"
	"    else if (visible) place(g, XPAD + (g.x0 - left) * scale, g.w0 * scale);\n"
	"  });\n"
	"  unzoomButton.classList.remove('hide');\n"
	"}\n"
	"function unzoom() {\n"
	"  eachFrame(function (g) {\n"
	"    g.classList.remove('hide'); g.classList.remove('parent'); place(g, g.x0, g.w0);\n"
	"  });\n"
	"  unzoomButton.classList.add('hide');\n"
	"}\n"
	"function clearSearch() {\n"
	"  eachFrame(function (g) { g.querySelector('rect').setAttribute('fill', g.fill0); });\n"
	"  matched.textContent = ' '; searchButton.textContent = 'Search'; searching = false;\n"
	"}\n"
	"function search() {\n"
	"  if (searching) { clearSearch(); return; }\n"
	"  var term = prompt('Search frames (regular expression):', ''), re, spans = [], covered = 0, end = -1;\n"
	"  if (!term) return;\n"
	"  try { re = new RegExp(term); } catch (err) { alert(err.message); return; }\n"
	"  eachFrame(function (g) {\n"
	"    if (!re.test(g.frameName)) return;\n"
	"    g.querySelector('rect').setAttribute('fill', 'rgb(230,0,230)');\n"
	"    spans.push([g.x0, g.x0 + g.w0]);\n"
	"  });\n"
	"  spans.sort(function (a, b) { return a[0] - b[0]; });\n"
	"  spans.forEach(function (s) {\n"
	"    if (s[1] > end) { covered += s[1] - Math.max(s[0], end); end = s[1]; }\n"
	"  });\n"
	"  matched.textContent = 'Matched: ' + (100 * covered / fullWidth).toFixed(1) + '%';\n"
	"  searchButton.textContent = 'Reset Search'; searching = true;\n"
	"}\n";

static void write_header(const struct svg_render *r, double height)
{
	const struct flame_opts *o = r->o;
	FILE *out = r->out;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		"xmlns=\"http://www.w3.org/2000/svg\" onload=\"init(evt)\">\n", o->width, height, o->width, height);
	fprintf(out, "<style>text{font-family:Verdana,sans-serif;font-size:%.0fpx;fill:#000}"
		"#title{font-size:17px;text-anchor:middle}#subtitle{text-anchor:middle;fill:#555}"
		"#frames rect{rx:2px;ry:2px}#frames g:hover rect{stroke:#000;stroke-width:0.5}"
		"#frames g{cursor:pointer}#frames text{pointer-events:none}#unzoom,#search{cursor:pointer}"
		".hide{display:none}.parent{opacity:0.5}</style>\n", FONT_SIZE);
	fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\nvar XPAD = %.0f, TEXT_PAD = %.0f, "
		"CHAR_WIDTH = %.2f;\n%s]]></script>\n", XPAD, TEXT_PAD, FONT_SIZE * FONT_WIDTH, svg_script);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#f6f6ee\"/>\n", o->width, height);
	fprintf(out, "<text id=\"title\" x=\"%.1f\" y=\"24\">", o->width / 2);
	write_xml_string(out, o->title ? o->title : kind_titles[o->kind]);
	fputs("</text>\n", out);
	if (o->subtitle) {
		fprintf(out, "<text id=\"subtitle\" x=\"%.1f\" y=\"%.0f\">", o->width / 2, 24 + FONT_SIZE * 1.5);
		write_xml_string(out, o->subtitle);
		fputs("</text>\n", out);
	}
	fprintf(out, "<text id=\"unzoom\" class=\"hide\" x=\"%.0f\" y=\"24\">Reset Zoom</text>\n", XPAD);
	fprintf(out, "<text id=\"search\" x=\"%.0f\" y=\"24\">Search</text>\n", o->width - XPAD - 100);
	fprintf(out, "<text id=\"details\" x=\"%.0f\" y=\"%.0f\"> </text>\n", XPAD, height - 8);
	fprintf(out, "<text id=\"matched\" x=\"%.0f\" y=\"%.0f\"> </text>\n", o->width - XPAD - 100, height - 8);
}

int flamegraph_write_svg(const struct frame_tree *t, const struct flame_opts *o, FILE *out)
{
	struct svg_render r = {
		.t = t, .o = o, .side = o->differential && !o->negate ? FOLDED_B : FOLDED_A,
		.cursor = xcalloc(t->max_depth + 2, sizeof(uint64_t)),
		.top = FONT_SIZE * (o->subtitle ? 4.5 : 3),
	};
	uint64_t total = t->nodes[0].value[r.side];

	r.scale = total ? (o->width - 2 * XPAD) / total : 0;
	frame_tree_walk(t, render_node, &r); /* measures depth and max change */
	r.out = out;
	write_header(&r, r.top + (r.max_depth + 1) * o->frame_height + FONT_SIZE * 2 + 10);
	fputs("<g id=\"frames\">\n", out);
	memset(r.cursor, 0, (t->max_depth + 2) * sizeof(uint64_t));
	frame_tree_walk(t, render_node, &r);
	fputs("</g>\n</svg>\n", out);
	free(r.cursor);
	return fflush(out) || ferror(out) ? -EIO : 0;
}
