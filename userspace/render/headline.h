/* One-line forms of what analyze/ found, for the terminal summaries, the tables' model lines and
 * the HTML cards: a finding's headline, the finding a one-line summary leads with, text fitted to
 * a width. */
#ifndef CONCTRACE_HEADLINE_H
#define CONCTRACE_HEADLINE_H

#include <stddef.h>
#include "analyze/findings.h"

#define LINE_MAX_CHARS 160   /* the widest line a terminal summary prints */

/* S cut at a word boundary to at most MAX characters (UTF-8 code points), "..." marking a cut,
 * into BUF (LEN bytes). */
void fit_text(const char *s, size_t max, char *buf, size_t len);

/* Characters (UTF-8 code points) of S. */
size_t text_chars(const char *s);

/* F's headline; when the finding has none, the first sentence of its text. Fitted to MAX
 * characters. */
void finding_headline(const struct finding *f, size_t max, char *buf, size_t len);

/* The finding a one-line summary of E leads with: its first that explains some wall time (the
 * findings are ranked by it); NULL when none does (a finding that only rules a cause out, like
 * disk-not-bottleneck, says nothing of why). */
const struct finding *lead_finding(const struct explanation *e);

/* What a one-line summary of E says: the lead finding's headline, else the critical path's
 * summary, else the first finding's headline, else that no finding crossed its threshold. */
void explanation_line(const struct explanation *e, size_t max, char *buf, size_t len);

#endif
