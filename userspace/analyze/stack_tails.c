/* Stack tails of folded stacks, and the tails that differ most between two runs (stack_tails.h). */
#include "analyze/stack_tails.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "model/classify.h"
#include "model/model.h"

struct frame {
	const char *s;
	size_t len;
};

static bool ends_with(const struct frame *f, const char *suffix)
{
	size_t n = strlen(suffix);

	return f->len >= n && !memcmp(f->s + f->len - n, suffix, n);
}

/* "name (file.py:12)" or "<module> (<frozen x>:3)": a frame the Python walker named. */
static bool is_python_frame(const struct frame *f)
{
	const char *open = memmem(f->s, f->len, " (", 2);
	size_t i = f->len - 1;

	if (!open || f->s[0] == '[' || f->s[i] != ')')
		return false;
	while (i > 0 && isdigit((unsigned char)f->s[i - 1]))
		i--;
	return i > 0 && i < f->len - 1 && f->s[i - 1] == ':';
}

/* A user-space function of native code: not the kernel's, not an unnamed "[unknown] (lib+0x..)". */
static bool is_native_frame(const struct frame *f)
{
	return f->len && f->s[0] != '[' && !ends_with(f, "_[k]");
}

/* The wait class a stack's last frame names ("[disk]"), or -1 when it ran on a CPU. */
static int wait_class_of(const struct frame *f)
{
	for (int w = 0; w < WC_COUNT; w++) {
		size_t n = strlen(wait_classes[w].name);

		if (f->len == n + 2 && f->s[0] == '[' && !memcmp(f->s + 1, wait_classes[w].name, n) &&
		    f->s[n + 1] == ']')
			return w;
	}
	return -1;
}

/* Appends F to OUT, a Python frame without its line number: every line of a function is one tail. */
static void append_frame(char *out, size_t outlen, const struct frame *f)
{
	size_t used = strlen(out), len = f->len;
	bool python = is_python_frame(f);

	if (python) {   /* "f (x.py:12)" -> "f (x.py" + ")" */
		len--;
		while (isdigit((unsigned char)f->s[len - 1]))
			len--;
		len--;
	}
	if (used + 1 < outlen)
		snprintf(out + used, outlen - used, "%.*s%s", (int)len, f->s, python ? ")" : "");
}

/* The innermost two frames of the kind IS_KIND among INNER[0..N) (innermost first). */
static size_t innermost(const struct frame *inner, size_t n, bool (*is_kind)(const struct frame *),
			const struct frame *found[2])
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < 2; i++)
		if (is_kind(&inner[i]))
			found[k++] = &inner[i];
	return k;
}

/* Drops a UTF-8 character a length limit cut short at the end of S: a key must be UTF-8. */
static void cut_partial_char(char *s)
{
	size_t len = strlen(s), start = len, need;

	while (start > 0 && len - start < 4 && ((unsigned char)s[start - 1] & 0xc0) == 0x80)
		start--;
	if (start == 0 || (unsigned char)s[start - 1] < 0xc0)
		return;
	start--;   /* the lead byte: how long its character is */
	need = (unsigned char)s[start] >= 0xf0 ? 4 : (unsigned char)s[start] >= 0xe0 ? 3 : 2;
	if (len - start < need)
		s[start] = '\0';
}

#define TAIL_FRAMES_MAX 512   /* deeper stacks are cut at the root end: the tail is what counts */

/* The frames after the root (the first frame, a comm), innermost first; returns how many. */
static size_t inner_frames(const char *stack, size_t len, const char *after_root, struct frame *inner)
{
	const char *end = stack + len;
	size_t n = 0;

	while (after_root && end >= after_root && n < TAIL_FRAMES_MAX) {
		const char *p = end;

		while (p > after_root && p[-1] != ';')
			p--;
		inner[n++] = (struct frame){ p, (size_t)(end - p) };
		end = p - 1;
	}
	return n;
}

void stack_tail(const char *stack, size_t len, char *out, size_t outlen)
{
	const char *semi = memchr(stack, ';', len);
	struct frame inner[TAIL_FRAMES_MAX], root = { stack, semi ? (size_t)(semi - stack) : len };
	const struct frame *found[2] = { &root };
	size_t n = inner_frames(stack, len, semi ? semi + 1 : NULL, inner), k;
	int wait = n ? wait_class_of(&inner[0]) : -1;

	out[0] = '\0';
	k = innermost(inner, n, is_python_frame, found);
	if (!k)
		k = innermost(inner, n, is_native_frame, found);
	for (size_t i = 0; i < (k ? k : 1); i++) {
		if (i)
			snprintf(out + strlen(out), outlen - strlen(out), " <- ");
		append_frame(out, outlen, found[i]);
	}
	cut_partial_char(out);
	if (wait < 0)
		snprintf(out + strlen(out), outlen - strlen(out), " (on CPU)");
	else
		snprintf(out + strlen(out), outlen - strlen(out), " [%s]", wait_classes[wait].name);
}

json_t *stack_tails_read(FILE *in)
{
	json_t *tails = json_object();
	char *line = NULL, tail[STACK_TAIL_LEN], *end;
	size_t cap = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, in)) > 0) {
		char *space;
		unsigned long long ns;

		line[strcspn(line, "\n")] = '\0';
		space = strrchr(line, ' ');
		if (!space || space == line || !isdigit((unsigned char)space[1]))
			continue;
		ns = strtoull(space + 1, &end, 10);
		if (*end)
			continue;
		stack_tail(line, (size_t)(space - line), tail, sizeof(tail));
		/* a name that is not UTF-8 cannot be a key: that stack's time is left out */
		json_object_set_new(tails, tail, json_real(json_real_value(json_object_get(tails, tail)) +
							   ns / 1e9));
	}
	free(line);
	if (ferror(in)) {
		json_decref(tails);
		return NULL;
	}
	return tails;
}

static double seconds_of(const json_t *tails, const char *tail)
{
	return json_real_value(json_object_get(tails, tail));
}

/* Inserts D into OUT (N of at most K, largest |delta| first; ties by name), keeping K. */
static size_t insert_delta(struct stack_tail_delta *out, size_t n, size_t k, const struct stack_tail_delta *d)
{
	size_t at = n;

	while (at > 0 && (fabs(d->delta_s) > fabs(out[at - 1].delta_s) ||
			  (fabs(d->delta_s) == fabs(out[at - 1].delta_s) && strcmp(d->tail, out[at - 1].tail) < 0)))
		at--;
	if (at >= k)
		return n;
	if (n == k)
		n--;
	memmove(&out[at + 1], &out[at], (n - at) * sizeof(*out));
	out[at] = *d;
	return n + 1;
}

#define ONCPU_SUFFIX " (on CPU)"

int stack_tail_class(const char *tail)
{
	size_t len = strlen(tail);
	const char *open = strrchr(tail, '[');

	if (len >= strlen(ONCPU_SUFFIX) && !strcmp(tail + len - strlen(ONCPU_SUFFIX), ONCPU_SUFFIX))
		return WC_ONCPU;
	if (!open || tail[len - 1] != ']')
		return -1;
	return wait_class_of(&(struct frame){ open, (size_t)(tail + len - open) });
}

struct diff_walk {
	int class;                        /* -1: every tail */
	size_t k, n;
	struct stack_tail_delta *out;
};

static void diff_side(struct diff_walk *w, const json_t *from, const json_t *other, double sign,
		      bool skip_shared)
{
	const char *tail;
	json_t *v;

	json_object_foreach((json_t *)from, tail, v) {
		struct stack_tail_delta d;

		if ((skip_shared && json_object_get(other, tail)) ||
		    (w->class >= 0 && stack_tail_class(tail) != w->class))
			continue;
		d.delta_s = sign * (json_real_value(v) - seconds_of(other, tail));
		if (d.delta_s == 0)
			continue;
		snprintf(d.tail, sizeof(d.tail), "%s", tail);
		w->n = insert_delta(w->out, w->n, w->k, &d);
	}
}

size_t stack_tails_diff(const json_t *a, const json_t *b, int class, size_t k, struct stack_tail_delta *out)
{
	struct diff_walk w = { .class = class, .k = k, .out = out };

	if (!k)
		return 0;
	if (a)
		diff_side(&w, a, b, 1, false);
	if (b)   /* tails only B has; shared ones were counted from A's side */
		diff_side(&w, b, a, -1, a != NULL);
	return w.n;
}
