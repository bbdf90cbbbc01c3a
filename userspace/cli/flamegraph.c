/* `conctrace flamegraph`: folded stacks in, an interactive SVG out. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cli/flamegraph.h"
#include "render/exports.h"
#include "cli/usage.h"
#include "render/flamegraph.h"
#include "base/util.h"

static const char flamegraph_usage[] =
	"usage: conctrace flamegraph [options] IN [IN2] [-o OUT.svg]\n"
	"  IN is a file of folded stacks ('root;caller;leaf COUNT' per line), '-' for stdin;\n"
	"  with IN2, a differential graph: red where IN2 grew over IN, blue where it shrank.\n"
	"  -o, --output FILE      write the SVG to FILE, whole or not at all (default: stdout)\n"
	"  -k, --kind K           oncpu, offcpu, wall or diff: names the graph and its unit\n"
	"  -t, --title T          title (default: from the kind)\n"
	"  -s, --subtitle S       subtitle\n"
	"  -w, --width PX         image width (default 1200)\n"
	"  -m, --minwidth PX      leave out frames narrower than PX (default 0.1)\n"
	"  -c, --count-name N     unit of the counts: samples, ns (shown as ms/s) or any word\n"
	"  -n, --negate           differential: draw IN's widths instead of IN2's\n"
	"      --raw-diff         differential: compare raw counts, not shares of each total\n"
	"  -h, --help             this help\n"
	"Exit status: 0, 1 when the SVG could not be written, 2 for bad usage or input.\n";

enum { OPT_RAW_DIFF = 256 };

static const struct option flamegraph_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "kind", required_argument, NULL, 'k' },
	{ "title", required_argument, NULL, 't' },
	{ "subtitle", required_argument, NULL, 's' },
	{ "width", required_argument, NULL, 'w' },
	{ "minwidth", required_argument, NULL, 'm' },
	{ "count-name", required_argument, NULL, 'c' },
	{ "negate", no_argument, NULL, 'n' },
	{ "raw-diff", no_argument, NULL, OPT_RAW_DIFF },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* "conctrace flamegraph: MSG" on one line of stderr. */
static void flame_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void flame_error(const char *fmt, ...)
{
	va_list ap;

	fputs("conctrace flamegraph: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Parses the options into O and the output path into OUTPUT; returns -1 to go on, or the exit
 * status. */
static int parse_options(int argc, char **argv, struct flame_opts *o, bool *kind_given, const char **output)
{
	struct flame_opts given = { .width = 1200, .frame_height = 16, .min_width = 0.1 };
	bool negate = false, raw_diff = false;
	enum flame_kind kind = FLAME_ONCPU;
	int c;

	*kind_given = false;
	optind = 0; /* a full reset, so the command can run more than once in a process */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:k:t:s:w:m:c:nh", flamegraph_options, NULL)) != -1) {
		switch (c) {
		case 'o': *output = optarg; break;
		case 'k':
			if (!flame_kind_parse(optarg, &kind))
				return usage_error("flamegraph", "--kind: expected oncpu, offcpu, wall or diff: '%s'", optarg);
			*kind_given = true;
			break;
		case 't': given.title = optarg; break;
		case 's': given.subtitle = optarg; break;
		case 'c': given.count_name = optarg; break;
		case 'n': negate = true; break;
		case OPT_RAW_DIFF: raw_diff = true; break;
		case 'w':
			if (!parse_double(optarg, 10, 1e6, &given.width))
				return usage_error("flamegraph", "--width: expected 10 to 1000000 pixels: '%s'", optarg);
			break;
		case 'm':
			if (!parse_double(optarg, 0, 1e6, &given.min_width))
				return usage_error("flamegraph", "--minwidth: expected a number of pixels: '%s'", optarg);
			break;
		case 'h':
			fputs(flamegraph_usage, stdout);
			return 0;
		default:
			return usage_error("flamegraph", "unknown option or missing argument: '%s'", argv[optind - 1]);
		}
	}
	flame_opts_default(o, kind);
	o->title = given.title;
	o->subtitle = given.subtitle;
	o->count_name = given.count_name ? given.count_name : o->count_name;
	o->width = given.width;
	o->min_width = given.min_width;
	o->negate = negate;
	o->raw_diff = raw_diff;
	return -1;
}

/* Reads PATH ('-': stdin) into SIDE of T; returns 0 or the exit status. */
static int load_input(struct frame_tree *t, enum folded_side side, const char *path)
{
	bool is_stdin = !strcmp(path, "-");
	FILE *in = is_stdin ? stdin : fopen(path, "r");
	struct folded_stats st;
	int err;

	if (!in) {
		flame_error("%s: %s", path, strerror(errno));
		return 2;
	}
	err = folded_parse_file(t, side, in, &st);
	if (!is_stdin)
		fclose(in);
	if (err == -ERANGE) {
		flame_error("%s: line %llu: counts overflow 64 bits (alone or added to the lines before)", path,
			    (unsigned long long)st.overflow_line);
		return 2;
	}
	if (err == -EINVAL) {
		flame_error("%s: no valid folded lines (%llu bad)", path, (unsigned long long)st.bad_lines);
		return 2;
	}
	if (err) {
		flame_error("%s: %s", path, strerror(-err));
		return 2;
	}
	if (st.bad_lines)
		flame_error("%s: warning: skipped %llu bad line%s (first: line %llu)", path,
			    (unsigned long long)st.bad_lines, st.bad_lines == 1 ? "" : "s",
			    (unsigned long long)st.first_bad_line);
	return 0;
}

struct svg_render {
	struct frame_tree *t;
	const struct flame_opts *o;
};

static int render_svg(FILE *out, const void *ctx)
{
	const struct svg_render *r = ctx;

	if (!flamegraph_write_svg(r->t, r->o, out))
		return 0;
	flame_error("rendering the SVG: %s", strerror(errno ? errno : EIO));
	return -1;
}

int cmd_flamegraph(int argc, char **argv)
{
	struct flame_opts o;
	struct frame_tree *t;
	const char *output = "-";
	bool kind_given;
	int status = parse_options(argc, argv, &o, &kind_given, &output), n_inputs = argc - optind;

	if (status >= 0)
		return status;
	if (n_inputs < 1 || n_inputs > 2)
		return usage_error("flamegraph", "expected one input, or two for a differential graph");
	if (n_inputs == 2 && !strcmp(argv[optind], "-") && !strcmp(argv[optind + 1], "-"))
		return usage_error("flamegraph", "only one input can be stdin");
	if (o.kind == FLAME_DIFF && n_inputs == 1)
		return usage_error("flamegraph", "--kind diff needs two inputs");
	if (n_inputs == 2 && !kind_given)
		o.kind = FLAME_DIFF; /* names the graph; the unit stays that of the default kind */
	o.differential = n_inputs == 2;
	t = frame_tree_new();
	status = load_input(t, FOLDED_A, argv[optind]);
	if (!status && n_inputs == 2)
		status = load_input(t, FOLDED_B, argv[optind + 1]);
	/* Rendered whole in memory, then written: to stdout, or through a temporary file and a rename. */
	if (!status && export_render(output, render_svg, &(struct svg_render){ t, &o }))
		status = 1;
	frame_tree_free(t);
	return status;
}
