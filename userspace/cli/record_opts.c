#include "cli/record_opts.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "base/util.h"

const char record_usage[] =
	"usage: conctrace record [options] -- CMD [ARGS...]\n"
	"       conctrace record [options] -p PID [-d SECONDS]\n"
	"  -o, --output DIR           write DIR/report.json (default: conctrace-out); an earlier\n"
	"                             output there is kept as DIR.old\n"
	"  -F, --freq HZ              CPU samples per second per CPU, 0 = none (default 99)\n"
	"  -u, --user NAME            run CMD as NAME (default under sudo: $SUDO_USER)\n"
	"  -p, --pid PID              trace a running process and its descendants\n"
	"  -d, --duration SECONDS     with -p: stop after SECONDS (default: Ctrl-C or exit)\n"
	"  -t, --timeout SECONDS      kill the command's tree after SECONDS (report marked interrupted)\n"
	"  -q, --quiet                print no summary\n"
	"  -v, --verbose              the summary's whole finding texts and kernel cross-check table\n"
	"      --push URL             also send the profiles to a Pyroscope-compatible server\n"
	"      --no-offcpu-stacks     do not capture stacks when threads block\n"
	"      --offcpu-stack-period MS  capture off-CPU stacks at most once per MS per thread\n"
	"                             (default 1; 0 captures every block)\n"
	"      --timeline             record every state transition: the critical path and a Perfetto\n"
	"                             trace of real intervals, trace.perfetto (off by default)\n"
	"      --chrome-trace         with --timeline, also trace.json for chrome://tracing (20x larger)\n"
	"      --no-syscall-stats     no per-syscall counts, bytes and times: cheaper tracing of\n"
	"                             syscall-heavy programs (wait classes are unchanged)\n"
	"  -h, --help                 this help\n"
	"Exit status: the command's; when that is 0, 1 if an output was not written or --push failed;\n"
	"2 for bad usage or when tracing cannot start.\n";

enum { OPT_NO_OFFCPU = 256, OPT_OFFCPU_PERIOD, OPT_PUSH, OPT_TIMELINE, OPT_CHROME_TRACE, OPT_NO_SYSCALL_STATS };

static const struct option record_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "freq", required_argument, NULL, 'F' },
	{ "user", required_argument, NULL, 'u' },
	{ "pid", required_argument, NULL, 'p' },
	{ "duration", required_argument, NULL, 'd' },
	{ "timeout", required_argument, NULL, 't' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "no-offcpu-stacks", no_argument, NULL, OPT_NO_OFFCPU },
	{ "push", required_argument, NULL, OPT_PUSH },
	{ "offcpu-stack-period", required_argument, NULL, OPT_OFFCPU_PERIOD },
	{ "timeline", no_argument, NULL, OPT_TIMELINE },
	{ "chrome-trace", no_argument, NULL, OPT_CHROME_TRACE },
	{ "no-syscall-stats", no_argument, NULL, OPT_NO_SYSCALL_STATS },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static enum parse_result bad(char *err, size_t errlen, const char *opt, const char *what, const char *arg)
{
	snprintf(err, errlen, "%s: %s: '%s'", opt, what, arg ? arg : "");
	return PARSE_ERROR;
}

static enum parse_result parse_one(int c, const char *arg, struct record_opts *o, char *err, size_t errlen)
{
	uint64_t v;
	double d;

	switch (c) {
	case 'o': o->outdir = arg; break;
	case 'u': o->user = arg; break;
	case 'q': o->quiet = true; break;
	case 'v': o->verbose = true; break;
	case OPT_NO_OFFCPU: o->offcpu_stacks = false; break;
	case OPT_PUSH: o->push_url = arg; break;
	case OPT_TIMELINE: o->timeline = true; break;
	case OPT_CHROME_TRACE: o->chrome_trace = true; break;
	case OPT_NO_SYSCALL_STATS: o->syscall_stats = false; break;
	case 'F':
		if (!parse_u64(arg, 0, 10000, &v))
			return bad(err, errlen, "--freq", "expected 0 to 10000 samples per second", arg);
		o->freq_hz = v;
		break;
	case 'p':
		if (!parse_u64(arg, 1, 4194304, &v))
			return bad(err, errlen, "--pid", "not a process id", arg);
		o->pid = v;
		break;
	case 'd':
		if (!parse_double(arg, 0.001, 1e7, &d))
			return bad(err, errlen, "--duration", "expected a positive number of seconds", arg);
		o->duration_s = d;
		break;
	case 't':
		if (!parse_double(arg, 0.001, 1e7, &d))
			return bad(err, errlen, "--timeout", "expected a positive number of seconds", arg);
		o->timeout_s = d;
		break;
	case OPT_OFFCPU_PERIOD:
		if (!parse_double(arg, 0, 60000, &d))
			return bad(err, errlen, "--offcpu-stack-period", "expected milliseconds", arg);
		o->offcpu_stack_period_ns = d * 1e6;
		break;
	case 'h': return PARSE_HELP;
	default:
		snprintf(err, errlen, "unknown or incomplete option");
		return PARSE_ERROR;
	}
	return PARSE_OK;
}

enum parse_result record_parse(int argc, char **argv, struct record_opts *o, char *err, size_t errlen)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->outdir = "conctrace-out";
	o->freq_hz = 99;
	o->offcpu_stacks = true;
	o->syscall_stats = true;
	o->offcpu_stack_period_ns = 1000000;  /* sampled: a stack walk at every switch costs ~2 us */
	optind = 0;    /* glibc: restart scanning, so parsing can run more than once */
	opterr = 0;    /* errors are reported by the caller, on one line */
	while ((c = getopt_long(argc, argv, "+o:F:u:p:d:t:qvh", record_options, NULL)) != -1) {
		enum parse_result r;

		if (c == '?' || c == ':') {
			const char *opt = argv[optind - 1];

			snprintf(err, errlen, "%s: %s", opt, optopt && strchr("oFupdt", optopt) ?
				 "needs an argument" : "unknown option");
			return PARSE_ERROR;
		}
		r = parse_one(c, optarg, o, err, errlen);
		if (r != PARSE_OK)
			return r;
	}
	if (optind < argc)
		o->cmd = &argv[optind];
	if (o->pid && o->cmd) {
		snprintf(err, errlen, "give either -p PID or a command, not both");
		return PARSE_ERROR;
	}
	if (!o->pid && !o->cmd) {
		snprintf(err, errlen, "no command to run (give -- CMD [ARGS...] or -p PID)");
		return PARSE_ERROR;
	}
	if (o->timeout_s && o->pid) {
		snprintf(err, errlen, "--timeout goes with a command; use --duration with -p");
		return PARSE_ERROR;
	}
	if (o->duration_s && !o->pid) {
		snprintf(err, errlen, "--duration goes with -p PID");
		return PARSE_ERROR;
	}
	if (o->chrome_trace && !o->timeline) {
		snprintf(err, errlen, "--chrome-trace needs --timeline: without it there is no trace");
		return PARSE_ERROR;
	}
	if (!o->outdir[0]) {
		snprintf(err, errlen, "--output: empty directory name");
		return PARSE_ERROR;
	}
	return PARSE_OK;
}
