/* `conctrace record` option parsing and the privilege check. */
#include <criterion/criterion.h>
#include <string.h>
#include "trace/caps.h"
#include "cli/record_opts.h"


static enum parse_result parse(int argc, char **argv, struct record_opts *o, char *err)
{
	return record_parse(argc, argv, o, err, 256);
}

Test(record_cli, defaults_and_command)
{
	char *argv[] = { "record", "--", "python3", "-c", "x", NULL };
	struct record_opts o;
	char err[256];

	cr_assert_eq(parse(5, argv, &o, err), PARSE_OK);
	cr_assert_str_eq(o.outdir, "conctrace-out");
	cr_assert_eq(o.freq_hz, 99);
	cr_assert(o.offcpu_stacks);
	cr_assert_eq(o.offcpu_stack_period_ns, 1000000);
	cr_assert(o.syscall_stats);
	cr_assert_str_eq(o.cmd[0], "python3");
	cr_assert_str_eq(o.cmd[2], "x");
	cr_assert_null(o.cmd[3]);
	cr_assert_eq(o.pid, 0);
	cr_assert(!o.verbose);
}

Test(record_cli, options_before_the_command_only)
{
	char *argv[] = { "record", "-o", "out", "-F", "0", "-q", "-v", "ls", "-q", NULL };
	struct record_opts o;
	char err[256];

	cr_assert_eq(parse(9, argv, &o, err), PARSE_OK);
	cr_assert_str_eq(o.outdir, "out");
	cr_assert_eq(o.freq_hz, 0);
	cr_assert(o.quiet);
	cr_assert(o.verbose);
	cr_assert_str_eq(o.cmd[0], "ls");
	cr_assert_str_eq(o.cmd[1], "-q");
}

Test(record_cli, no_syscall_stats)
{
	char *argv[] = { "record", "--no-syscall-stats", "--", "ls", NULL };
	struct record_opts o;
	char err[256];

	cr_assert_eq(parse(4, argv, &o, err), PARSE_OK);
	cr_assert_not(o.syscall_stats);
	cr_assert(o.offcpu_stacks);
	cr_assert_str_eq(o.cmd[0], "ls");
}

/* The JSON trace is the timeline's: without --timeline there is none to write. */
Test(record_cli, chrome_trace_needs_a_timeline)
{
	char *with[] = { "record", "--timeline", "--chrome-trace", "--", "ls", NULL };
	char *without[] = { "record", "--chrome-trace", "--", "ls", NULL };
	struct record_opts o;
	char err[256];

	cr_assert_eq(parse(5, with, &o, err), PARSE_OK);
	cr_assert(o.timeline && o.chrome_trace);
	cr_assert_eq(parse(4, without, &o, err), PARSE_ERROR);
	cr_assert(strstr(err, "--chrome-trace needs --timeline"), "%s", err);
}

Test(record_cli, attach_mode)
{
	char *argv[] = { "record", "-p", "1234", "-d", "2.5", "--offcpu-stack-period", "0", NULL };
	struct record_opts o;
	char err[256];

	cr_assert_eq(parse(7, argv, &o, err), PARSE_OK);
	cr_assert_eq(o.pid, 1234);
	cr_assert_float_eq(o.duration_s, 2.5, 1e-9);
	cr_assert_eq(o.offcpu_stack_period_ns, 0);
	cr_assert_null(o.cmd);
}

Test(record_cli, errors_name_the_problem)
{
	static const struct {
		char *argv[6];
		const char *message;
	} cases[] = {
		{ { "record", "--bogus", "--", "ls" }, "--bogus: unknown option" },
		{ { "record", "-F", "abc", "--", "ls" }, "--freq" },
		{ { "record", "-F", "-5", "--", "ls" }, "--freq" },
		{ { "record", "-p", "0" }, "--pid" },
		{ { "record", "-p", "12", "--", "ls" }, "either -p PID or a command" },
		{ { "record" }, "no command" },
		{ { "record", "-d", "1", "--", "ls" }, "--duration goes with -p" },
		{ { "record", "-p", "12", "--timeout", "3" }, "--timeout goes with a command" },
		{ { "record", "-o" }, "needs an argument" },
		{ { "record", "-o", "", "--", "ls" }, "empty directory" },
		{ { "record", "--timeout", "0", "--", "ls" }, "--timeout" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct record_opts o;
		char err[256] = "";
		int argc = 0;

		while (cases[i].argv[argc])
			argc++;
		cr_assert_eq(parse(argc, (char **)cases[i].argv, &o, err), PARSE_ERROR, "case %zu passed", i);
		cr_assert(strstr(err, cases[i].message), "case %zu: '%s' lacks '%s'", i, err, cases[i].message);
		cr_assert_null(strchr(err, '\n'), "case %zu: not one line", i);
	}
}

Test(record_cli, help)
{
	char *argv[] = { "record", "--help", NULL };
	struct record_opts o;
	char err[256];

	cr_assert_eq(parse(2, argv, &o, err), PARSE_HELP);
}

Test(record_cli, missing_capabilities_are_named)
{
	char missing[64];
	const uint64_t sys_admin = 1ULL << 21, perfmon = 1ULL << 38, bpf = 1ULL << 39;

	caps_missing(0, missing, sizeof(missing));
	cr_assert_str_eq(missing, "CAP_BPF, CAP_PERFMON");
	caps_missing(bpf, missing, sizeof(missing));
	cr_assert_str_eq(missing, "CAP_PERFMON");
	caps_missing(perfmon, missing, sizeof(missing));
	cr_assert_str_eq(missing, "CAP_BPF");
	caps_missing(bpf | perfmon, missing, sizeof(missing));
	cr_assert_str_eq(missing, "");
	caps_missing(sys_admin, missing, sizeof(missing));
	cr_assert_str_eq(missing, "");
}
