/* libFuzzer harness: bytes as folded stacks, through what `conctrace flamegraph` does with them:
 * parsed into a frame tree, written back as folded lines and drawn as an SVG. Bytes after a NUL
 * are a second input, for a differential graph. Parsing either gives a tree or an error code. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render/flamegraph.h"
#include "render/folded.h"

/* Parses BUF[0..LEN) into SIDE of T; false when it held nothing to draw. */
static bool parse(struct frame_tree *t, enum folded_side side, const char *buf, size_t len)
{
	struct folded_stats st;
	int rc = folded_parse_buf(t, side, buf, len, &st);

	if (rc != 0 && rc != -EINVAL && rc != -ERANGE) {
		fprintf(stderr, "folded_parse_buf: unexpected %d\n", rc);
		abort();
	}
	return rc == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nul = memchr(text, 0, size);
	size_t len_a = nul ? (size_t)(nul - text) : size;
	struct frame_tree *t = frame_tree_new();
	struct flame_opts o;
	FILE *null_out;
	bool ok = parse(t, FOLDED_A, text, len_a);

	if (ok && nul)
		ok = parse(t, FOLDED_B, nul + 1, size - len_a - 1);
	if (ok) {
		flame_opts_default(&o, nul ? FLAME_DIFF : FLAME_ONCPU);
		null_out = fopen("/dev/null", "w");
		folded_write(t, FOLDED_A, null_out);
		flamegraph_write_svg(t, &o, null_out);
		fclose(null_out);
	}
	frame_tree_free(t);
	return 0;
}
