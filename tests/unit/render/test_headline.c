/* One-line forms of findings: text fitted to a width at a word, headlines, the lead finding. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "render/headline.h"

Test(headline, fit_text_cuts_at_a_word_and_marks_the_cut)
{
	char buf[64];

	fit_text("short enough", 20, buf, sizeof(buf));
	cr_assert_str_eq(buf, "short enough");
	fit_text("the quick brown fox jumps over the lazy dog", 20, buf, sizeof(buf));
	cr_assert_str_eq(buf, "the quick brown...");
	cr_assert_leq(text_chars(buf), 20);
	fit_text("waited 12 µs — then ran, twice", 17, buf, sizeof(buf));
	cr_assert_str_eq(buf, "waited 12 µs —...");
	cr_assert_eq(text_chars("µs —"), 4, "characters, not bytes");
	fit_text("abcdefghijklmnopqrstuvwxyz", 10, buf, sizeof(buf));
	cr_assert_str_eq(buf, "abcdefg...", "no word boundary: cut between characters");
}

Test(headline, the_headline_else_the_first_sentence_of_the_text)
{
	struct finding f = { .name = "cpu-bound-single-thread" };
	char buf[200];

	snprintf(f.text, sizeof(f.text), "One thread is CPU-bound: 0.83 of 2 CPUs busy, e.g. thread 7. It ran.");
	finding_headline(&f, 160, buf, sizeof(buf));
	cr_assert_str_eq(buf, "One thread is CPU-bound: 0.83 of 2 CPUs busy, e.g. thread 7.",
			 "a decimal point and \"e.g.\" end no sentence");
	snprintf(f.headline, sizeof(f.headline), "Thread 7 was on a CPU 83%% of the time.");
	finding_headline(&f, 160, buf, sizeof(buf));
	cr_assert_str_eq(buf, "Thread 7 was on a CPU 83% of the time.");
	finding_headline(&f, 20, buf, sizeof(buf));
	cr_assert_str_eq(buf, "Thread 7 was on a...");
}

/* A summary line leads with the first finding that explains wall time; without one, the critical
 * path; without a path, the first finding (one that rules a cause out); else that there is none. */
Test(headline, the_line_of_an_explanation)
{
	struct explanation e = { .n_findings = 1 };
	char buf[200];

	e.findings[0] = (struct finding){ .name = "disk-not-bottleneck", .text = "The disk was idle." };
	cr_assert_null(lead_finding(&e));
	explanation_line(&e, 160, buf, sizeof(buf));
	cr_assert_str_eq(buf, "The disk was idle.");
	snprintf(e.path_summary, sizeof(e.path_summary), "On the critical path: 58%% net.");
	explanation_line(&e, 160, buf, sizeof(buf));
	cr_assert_str_eq(buf, "On the critical path: 58% net.");
	e.findings[0].explained_s = 0.5;
	cr_assert_eq(lead_finding(&e), &e.findings[0]);
	explanation_line(&e, 160, buf, sizeof(buf));
	cr_assert_str_eq(buf, "The disk was idle.");
	e.n_findings = 0;
	e.path_summary[0] = '\0';
	explanation_line(&e, 160, buf, sizeof(buf));
	cr_assert_str_eq(buf, "no finding crossed its threshold");
}
