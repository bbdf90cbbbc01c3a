/* Bad command lines: one line naming the problem and pointing to --help; "did you mean". */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>

#include "cli/serve.h"
#include "cli/usage.h"

static const char *const commands[] = { "run", "record", "report", "diff", "flamegraph", "serve", "help" };

Test(usage, closest_name_catches_typos_and_prefixes)
{
	cr_assert_str_eq(closest_name("rnu", commands, 7), "run");
	cr_assert_str_eq(closest_name("reprot", commands, 7), "report");
	cr_assert_str_eq(closest_name("recrod", commands, 7), "record");
	cr_assert_str_eq(closest_name("flame", commands, 7), "flamegraph");
	cr_assert_str_eq(closest_name("serv", commands, 7), "serve");
	cr_assert_null(closest_name("xyzzy", commands, 7));
	cr_assert_null(closest_name("", commands, 7));
}

Test(usage, an_error_is_one_line_that_points_to_help, .init = cr_redirect_stderr)
{
	cr_assert_eq(usage_error("run", "--size: expected quick, default or notes: '%s'", "huge"), 2);
	fflush(stderr);
	cr_assert_stderr_eq_str("conctrace: run: --size: expected quick, default or notes: 'huge' "
				"(see conctrace run --help)\n");
}

Test(usage, serve_has_help)
{
	char *argv[] = { "serve", "--help", NULL };
	struct latency_server_opts opts;

	cr_assert_eq(serve_parse_args(2, argv, &opts), PARSE_HELP);
}
