/* Interactive SVG flame graphs of a frame_tree (see folded.h), in the manner of flamegraph.pl:
 * click a frame to zoom, "Reset Zoom", a regular-expression Search that reports "Matched: N%",
 * and a tooltip per frame, "<title>name (N unit, P%)</title>".
 *
 *   struct flame_opts o;
 *   flame_opts_default(&o, FLAME_OFFCPU);      // counts are ns, shown as ms / s
 *   o.title = "Off-CPU time of run 3";
 *   flamegraph_write_svg(tree, &o, out);
 *
 * Frames are coloured by kind: kernel ("name_[k]"), Python ("func (file.py:12)"), native (the
 * rest), and each wait-class pseudo-frame ("[disk]", "[gil]", "[runqueue]", ...) has its own fixed
 * colour. Colours derive from a hash of the name, so the same tree gives the same SVG, byte for byte.
 *
 * Differential graphs (o.differential) compare side A with side B of the tree: widths are B's (A's
 * with o.negate); a frame is red where its inclusive count grew from A to B and blue where it
 * shrank, deeper for larger changes. Counts are compared as shares of each side's total unless
 * o.raw_diff. Children are laid out in name order, so the two sides line up.
 */
#ifndef CONCTRACE_FLAMEGRAPH_H
#define CONCTRACE_FLAMEGRAPH_H

#include <stdbool.h>
#include <stdio.h>
#include "render/folded.h"

enum flame_kind { FLAME_ONCPU, FLAME_OFFCPU, FLAME_WALL, FLAME_DIFF };

struct flame_opts {
	enum flame_kind kind;
	const char *title;       /* NULL: named after the kind */
	const char *subtitle;    /* NULL: none */
	const char *count_name;  /* "samples", "ns" (shown as ms or s), or any other unit name */
	double width;            /* of the image, in pixels */
	double frame_height;     /* in pixels */
	double min_width;        /* frames narrower than this many pixels are left out (their time
				    still counts in their parents) */
	unsigned max_depth;      /* frames deeper than this are left out likewise; 0: no limit */
	bool differential;
	bool negate;             /* differential: draw side A's widths instead of side B's */
	bool raw_diff;           /* differential: compare raw counts, not shares of each total */
};

/* Defaults for KIND: width 1200, frame height 16, min width 0.1; counts are samples for on-CPU
 * and differential graphs, ns otherwise; FLAME_DIFF also sets differential. */
void flame_opts_default(struct flame_opts *o, enum flame_kind kind);

/* "oncpu", "offcpu", "wall" or "diff"; false for anything else. */
bool flame_kind_parse(const char *s, enum flame_kind *kind);

/* The fill flame graphs give wait class WAIT_CLASS ("disk", "oncpu", ...), as "rgb(R,G,B)" in BUF,
 * so other charts colour the classes alike. */
void flame_class_fill(const char *wait_class, char *buf, size_t len);
/* The fill of a frame called NAME ("read_[k]", "main (app.py:3)", "[disk]", ...), likewise. */
void flame_frame_fill(const char *name, char *buf, size_t len);

/* Writes the whole SVG document to OUT; returns 0 or -EIO when writing failed. */
int flamegraph_write_svg(const struct frame_tree *t, const struct flame_opts *o, FILE *out);

#endif
