#include "render/diff.h"

#include <math.h>
#include <stdlib.h>
#include "model/account.h"
#include "model/classify.h"
#include "analyze/shares.h"
#include "model/syscall_names.h"
#include "base/util.h"

static void diff_line(FILE *out, const char *what, double a, double b, const char *unit)
{
	fprintf(out, "  %-22s %11.3f%-1s %11.3f%-1s %+11.3f%-1s", what, a, unit, b, unit, b - a, unit);
	if (a != 0)
		fprintf(out, " %+7.1f%%", 100 * (b - a) / a);
	fputc('\n', out);
}

static void class_lines(FILE *out, const struct acct_totals *a, const struct acct_totals *b)
{
	fprintf(out, "\nthread time per class %14s %12s %12s   share A -> B\n", "A", "B", "B - A");
	for (int c = 0; c < WC_COUNT; c++) {
		double sa = share(a->ns[c], a->life_ns), sb = share(b->ns[c], b->life_ns);

		if (!a->ns[c] && !b->ns[c])
			continue;
		fprintf(out, "  %-22s %11.3fs %11.3fs %+11.3fs   %5.1f%% -> %5.1f%% (%+.1f points)\n",
			wait_classes[c].name, ns_to_s(a->ns[c]), ns_to_s(b->ns[c]),
			ns_to_s(b->ns[c]) - ns_to_s(a->ns[c]), 100 * sa, 100 * sb, 100 * (sb - sa));
	}
}

struct syscall_delta {
	uint32_t nr;
	uint64_t count[2], ns[2];
};

static int cmp_abs_delta(const void *x, const void *y)
{
	const struct syscall_delta *a = x, *b = y;
	double da = fabs((double)a->ns[1] - a->ns[0]), db = fabs((double)b->ns[1] - b->ns[0]);

	return (da < db) - (da > db);
}

/* Adds each syscall of M not yet in LIST. */
static void collect_syscalls(const struct run_model *m, struct syscall_delta **list, size_t *n, size_t *cap)
{
	for (size_t i = 0; i < m->n_syscalls; i++) {
		size_t j = 0;

		while (j < *n && (*list)[j].nr != m->syscalls[i].nr)
			j++;
		if (j == *n)
			VEC_PUSH(*list, *n, *cap)->nr = m->syscalls[i].nr;
	}
}

static void syscall_lines(FILE *out, const struct run_model *a, const struct run_model *b)
{
	struct syscall_delta *list = NULL;
	size_t n = 0, cap = 0;

	collect_syscalls(a, &list, &n, &cap);
	collect_syscalls(b, &list, &n, &cap);
	for (size_t i = 0; i < n; i++) {
		syscall_totals(a, 0, list[i].nr, &list[i].count[0], &list[i].ns[0]);
		syscall_totals(b, 0, list[i].nr, &list[i].count[1], &list[i].ns[1]);
	}
	vec_sort(list, n, sizeof(*list), cmp_abs_delta);
	if (n)
		fprintf(out, "\nsyscalls, largest change in total time first\n");
	for (size_t i = 0; i < n && i < DIFF_TOP_SYSCALLS; i++) {
		const char *name = syscall_name(list[i].nr);

		fprintf(out, "  %-16s %8llux %9.3fs -> %8llux %9.3fs  (%+.3fs)\n", name ? name : "?",
			(unsigned long long)list[i].count[0], ns_to_s(list[i].ns[0]),
			(unsigned long long)list[i].count[1], ns_to_s(list[i].ns[1]),
			ns_to_s(list[i].ns[1]) - ns_to_s(list[i].ns[0]));
	}
	free(list);
}

void diff_print(FILE *out, const struct run_model *a, const struct run_model *b, const char *name_a,
		const char *name_b)
{
	struct cell_stats sa, sb;
	struct acct_totals ta, tb;

	cell_stats_of(a, &sa);
	cell_stats_of(b, &sb);
	totals_of(a, 0, &ta);
	totals_of(b, 0, &tb);
	fprintf(out, "A: %s\n   %s\nB: %s\n   %s\n", name_a, a->meta.command ? a->meta.command : "",
		name_b, b->meta.command ? b->meta.command : "");
	fprintf(out, "\n%-24s %12s %12s %12s\n", "", "A", "B", "B - A");
	diff_line(out, "wall", sa.wall_s, sb.wall_s, "s");
	diff_line(out, "thread time", sa.thread_s, sb.thread_s, "s");
	diff_line(out, "CPUs used", sa.cpus_used, sb.cpus_used, "");
	diff_line(out, "threads", ta.threads, tb.threads, "");
	diff_line(out, "context switches", sa.switches, sb.switches, "");
	class_lines(out, &ta, &tb);
	syscall_lines(out, a, b);
}
