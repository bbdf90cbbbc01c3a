/* One-line forms of findings (headline.h). Pure: unit-tested. */
#include "render/headline.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define ELLIPSIS "..."

static bool is_continuation(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

size_t text_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += !is_continuation(*s);
	return n;
}

/* Bytes of the first MAX characters of S. */
static size_t bytes_of_chars(const char *s, size_t max)
{
	size_t i = 0, chars = 0;

	while (s[i] && (chars < max || is_continuation(s[i])))
		chars += !is_continuation(s[i++]);
	return i;
}

void fit_text(const char *s, size_t max, char *buf, size_t len)
{
	size_t keep, cut;

	if (text_chars(s) <= max) {
		snprintf(buf, len, "%s", s);
		return;
	}
	keep = bytes_of_chars(s, max > strlen(ELLIPSIS) ? max - strlen(ELLIPSIS) : 0);
	/* back to the last word boundary, when there is one in the second half */
	for (cut = keep; cut > keep / 2 && s[cut] != ' '; cut--)
		;
	if (cut > keep / 2)
		keep = cut;
	while (keep && (s[keep - 1] == ' ' || s[keep - 1] == ',' || s[keep - 1] == ';' || s[keep - 1] == ':'))
		keep--;
	snprintf(buf, len, "%.*s" ELLIPSIS, (int)keep, s);
}

/* Bytes of the first sentence of S: up to a full stop followed by a space and a capital letter
 * (so "0.83" and "e.g. x" do not end one), or all of it. */
static size_t first_sentence(const char *s)
{
	for (const char *p = s; *p; p++)
		if (p[0] == '.' && p[1] == ' ' && isupper((unsigned char)p[2]))
			return p + 1 - s;
	return strlen(s);
}

void finding_headline(const struct finding *f, size_t max, char *buf, size_t len)
{
	char sentence[sizeof(f->text)];

	if (f->headline[0]) {
		fit_text(f->headline, max, buf, len);
		return;
	}
	snprintf(sentence, sizeof(sentence), "%.*s", (int)first_sentence(f->text), f->text);
	fit_text(sentence, max, buf, len);
}

const struct finding *lead_finding(const struct explanation *e)
{
	return e->n_findings && e->findings[0].explained_s > 0 ? &e->findings[0] : NULL;
}

void explanation_line(const struct explanation *e, size_t max, char *buf, size_t len)
{
	const struct finding *f = lead_finding(e);

	if (f)
		finding_headline(f, max, buf, len);
	else if (e->path_summary[0])
		fit_text(e->path_summary, max, buf, len);
	else if (e->n_findings)
		finding_headline(&e->findings[0], max, buf, len);
	else
		fit_text("no finding crossed its threshold", max, buf, len);
}
