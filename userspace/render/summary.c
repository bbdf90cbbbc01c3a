#include "render/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/findings.h"
#include "base/util.h"
#include "model/account.h"
#include "model/classify.h"
#include "model/syscall_names.h"
#include "render/headline.h"

#define TOP_SYSCALLS 4
#define CHECK_TOLERANCE 0.05    /* the kernel's figures and ours agree within 5 % ... */
#define CHECK_FLOOR_S 0.001     /* ... or 1 ms ... */
#define CHECK_FLOOR_COUNT 2     /* ... or 2 switches */
#define IDENTITY_TOLERANCE 0.01 /* on-CPU + runnable + waits = lifetime within 1 % */

static void print_classes(FILE *out, const struct acct_totals *t)
{
	int shown = 0;

	for (int c = 0; c < WC_COUNT; c++) {
		double s = share(t->ns[c], t->life_ns);

		if (!t->ns[c] || (s < 0.001 && c != WC_ONCPU))
			continue;
		fprintf(out, "%s%s %.3fs %.1f%%", shown++ % 4 ? "  " : "\n    ", wait_classes[c].name,
			ns_to_s(t->ns[c]), 100 * s);
	}
	fputc('\n', out);
}

/* Whether syscall row A ranks above B: more time, or as much and more calls. */
static bool ranks_above(const struct model_syscall *a, const struct model_syscall *b)
{
	return a->s.total_ns != b->s.total_ns ? a->s.total_ns > b->s.total_ns : a->s.count > b->s.count;
}

/* The process's TOP_SYSCALLS syscalls by total time: off the CPU inside the calls, or in reports
 * written before, from entry to exit. */
static void print_top_syscalls(FILE *out, const struct run_model *m, uint32_t pid)
{
	const struct model_syscall *top[TOP_SYSCALLS] = { 0 };

	for (size_t i = 0; i < m->n_syscalls; i++) {
		const struct model_syscall *s = &m->syscalls[i];

		if (s->tgid != pid)
			continue;
		for (int k = 0; k < TOP_SYSCALLS; k++) {
			if (!top[k] || ranks_above(s, top[k])) {
				memmove(&top[k + 1], &top[k], (TOP_SYSCALLS - k - 1) * sizeof(top[0]));
				top[k] = s;
				break;
			}
		}
	}
	if (!m->meta.syscall_stats) {
		fprintf(out, "    top syscalls: not recorded (--no-syscall-stats)\n");
		return;
	}
	if (!top[0])
		return;
	fprintf(out, "    top syscalls%s:", m->meta.syscall_offcpu ? " (time off the CPU in them)" : "");
	for (int k = 0; k < TOP_SYSCALLS && top[k]; k++) {
		const char *name = syscall_name(top[k]->nr);

		fprintf(out, "%s %s %llux %.3fs", k ? "," : "", name ? name : "?",
			(unsigned long long)top[k]->s.count, ns_to_s(top[k]->s.total_ns));
	}
	fputc('\n', out);
}

static void print_process(FILE *out, const struct run_model *m, const struct model_process *p,
			  const struct acct_totals *t)
{
	fprintf(out, "  pid %u %s (parent %u): wall %.3fs, %d thread%s, thread time %.3fs, "
		"switches %llu voluntary %llu involuntary", p->pid, p->comm, p->ppid,
		ns_to_s(p->end_ns > p->start_ns ? p->end_ns - p->start_ns : 0), t->threads,
		t->threads == 1 ? "" : "s", ns_to_s(t->life_ns), (unsigned long long)t->nvcsw,
		(unsigned long long)t->nivcsw);
	if (p->exit_status >= 0)
		fprintf(out, ", exit %d", p->exit_status);
	if (p->gil_switches >= 0)
		fprintf(out, ", GIL changed hands %lld times", (long long)p->gil_switches);
	print_classes(out, t);
	print_top_syscalls(out, m, p->pid);
}

/* The processes folded into one line, by command name: how many, and their thread time. */
struct folded_comm {
	const char *comm;
	size_t count;
	uint64_t life_ns;
};

static int cmp_folded_comm(const void *a, const void *b)
{
	const struct folded_comm *x = a, *y = b;

	return x->life_ns < y->life_ns ? 1 : x->life_ns > y->life_ns ? -1 : strcmp(x->comm, y->comm);
}

static void fold_into(struct folded_comm **groups, size_t *n, size_t *cap, const char *comm, uint64_t ns)
{
	struct folded_comm *g;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*groups)[i].comm, comm)) {
			(*groups)[i].count++;
			(*groups)[i].life_ns += ns;
			return;
		}
	g = VEC_PUSH(*groups, *n, *cap);
	*g = (struct folded_comm){ .comm = comm, .count = 1, .life_ns = ns };
}

/* "  41 more processes, each under 1 % of thread time or past the first 12: 40 × bash 0.250s,
 * 1 × seq 0.006s", cut to one line. */
static void print_folded(FILE *out, struct folded_comm *groups, size_t n, size_t procs)
{
	char line[LINE_MAX_CHARS * 4] = "", fitted[sizeof(line)];
	int used = 0;

	if (!n)
		return;
	qsort(groups, n, sizeof(*groups), cmp_folded_comm);
	for (size_t i = 0; i < n && used < (int)sizeof(line); i++)
		used += snprintf(line + used, sizeof(line) - used, "%s%zu × %s %.3fs", i ? ", " : "",
				 groups[i].count, groups[i].comm, ns_to_s(groups[i].life_ns));
	fprintf(out, "  %zu more process%s (each under %.0f %% of thread time, or past the first %d): ",
		procs, procs == 1 ? "" : "es", 100 * SUMMARY_PROC_SHARE, SUMMARY_MAX_PROCS);
	fit_text(line, LINE_MAX_CHARS - 80, fitted, sizeof(fitted));
	fprintf(out, "%s\n", fitted);
}

/* Each process that took at least SUMMARY_PROC_SHARE of the tree's thread time (the first
 * SUMMARY_MAX_PROCS of them), then the rest on one line. */
static void print_processes(FILE *out, const struct run_model *m, const struct acct_totals *tree)
{
	struct folded_comm *groups = NULL;
	size_t n_groups = 0, cap = 0, shown = 0, folded = 0;

	fprintf(out, "processes:\n");
	for (size_t i = 0; i < m->n_procs; i++) {
		const struct model_process *p = &m->procs[i];
		struct acct_totals t;

		totals_of(m, p->pid, &t);
		if (shown < SUMMARY_MAX_PROCS && share(t.life_ns, tree->life_ns) >= SUMMARY_PROC_SHARE) {
			print_process(out, m, p, &t);
			shown++;
		} else {
			fold_into(&groups, &n_groups, &cap, p->comm, t.life_ns);
			folded++;
		}
	}
	print_folded(out, groups, n_groups, folded);
	free(groups);
}

/* One comparison of ours with the kernel's: they agree within CHECK_TOLERANCE of the kernel's
 * figure or FLOOR, whichever is larger. */
struct check {
	const char *what, *unit, *source;
	double ours, theirs, floor;
};

static bool check_agrees(const struct check *c)
{
	return fabs(c->ours - c->theirs) <= fmax(CHECK_TOLERANCE * fabs(c->theirs), c->floor);
}

static size_t crosschecks(const struct run_model *m, const struct acct_totals *tree, struct check *out)
{
	size_t n = 0;

	/* The kernel's run time leaves out what the host stole from the vCPU: so do these lines. */
	if (m->rusage.valid) {
		out[n++] = (struct check){ "tree on-CPU", "s", "wait4 rusage utime+stime",
			ns_to_s(tree->ns[WC_ONCPU] - tree->stolen_ns),
			ns_to_s(m->rusage.utime_ns + m->rusage.stime_ns), CHECK_FLOOR_S };
		out[n++] = (struct check){ "tree voluntary switches", "", "rusage ru_nvcsw; threads' final "
			"switches left out, as the kernel does", rusage_comparable_nvcsw(m), m->rusage.nvcsw,
			CHECK_FLOOR_COUNT };
		out[n++] = (struct check){ "tree involuntary switches", "", "rusage ru_nivcsw", tree->nivcsw,
			m->rusage.nivcsw, CHECK_FLOOR_COUNT };
	}
	if (tree->k_threads) {
		out[n++] = (struct check){ "on-CPU, per-thread sum", "s", "schedstat run time",
			ns_to_s(tree->k_oncpu_ns - tree->k_stolen_ns), ns_to_s(tree->k_runtime), CHECK_FLOOR_S };
		out[n++] = (struct check){ "runnable, per-thread sum", "s", "schedstat run delay",
			ns_to_s(tree->k_runqueue_ns), ns_to_s(tree->k_run_delay), CHECK_FLOOR_S };
		out[n++] = (struct check){ "switches, per-thread sum", "", "task nvcsw+nivcsw",
			tree->k_our_nvcsw + tree->k_our_nivcsw, tree->k_nvcsw + tree->k_nivcsw, CHECK_FLOOR_COUNT };
	}
	return n;
}

static void check_line(FILE *out, const struct check *c)
{
	fprintf(out, "  %-26s traced %10.3f%-1s kernel %10.3f%-1s diff %5.1f%% (%.3f%s)  [%s]%s\n", c->what,
		c->ours, c->unit, c->theirs, c->unit, 100 * rel_diff(c->ours, c->theirs),
		fabs(c->ours - c->theirs), c->unit, c->source, check_agrees(c) ? "" : "  DISAGREES");
}

/* One line when every figure agrees within its tolerance, else (or when VERBOSE) all of them. */
static void print_crosscheck(FILE *out, const struct run_model *m, const struct acct_totals *tree, bool verbose)
{
	struct check checks[6];
	size_t n = crosschecks(m, tree, checks), agree = 0, worst = 0;
	uint32_t worst_tid;
	double residual = max_residual(m, &worst_tid);

	for (size_t i = 0; i < n; i++) {
		agree += check_agrees(&checks[i]);
		if (rel_diff(checks[i].ours, checks[i].theirs) > rel_diff(checks[worst].ours, checks[worst].theirs))
			worst = i;
	}
	if (!verbose && agree == n && residual < IDENTITY_TOLERANCE) {
		fprintf(out, "kernel cross-check: all %zu figures agree with the kernel's within %.0f %% "
			"(largest difference %.1f %%, %s); on-CPU + runnable + waits = lifetime within %.4f %%\n",
			n, 100 * CHECK_TOLERANCE, n ? 100 * rel_diff(checks[worst].ours, checks[worst].theirs) : 0,
			n ? checks[worst].what : "none", 100 * residual);
		return;
	}
	fprintf(out, "kernel cross-check (on-CPU less %.3fs host steal; agreement: within %.0f %%, %.0f ms "
		"or %d switches): %zu of %zu agree\n", ns_to_s(tree->stolen_ns), 100 * CHECK_TOLERANCE,
		1000 * CHECK_FLOOR_S, CHECK_FLOOR_COUNT, agree, n);
	for (size_t i = 0; i < n; i++)
		check_line(out, &checks[i]);
	fprintf(out, "  identity on-CPU + runnable + waits = lifetime: largest residual %.4f%% (tid %u)%s\n",
		100 * residual, worst_tid, residual < IDENTITY_TOLERANCE ? "" : "  DISAGREES");
}

static void print_block_io(FILE *out, const struct run_model *m)
{
	double wall_ms = (m->meta.end_ns - m->meta.start_ns) / 1e6;

	for (size_t i = 0; i < m->n_disks; i++) {
		const struct model_disk *d = &m->disks[i];
		uint64_t mine = 0, mine_bytes = 0, other = 0;

		for (size_t j = 0; j < m->n_blks; j++) {
			if (m->blks[j].k.dev != d->dev)
				continue;
			*(m->blks[j].k.attributed ? &mine : &other) += m->blks[j].s.count;
			if (m->blks[j].k.attributed)
				mine_bytes += m->blks[j].s.bytes;
		}
		fprintf(out, "block I/O %s: %llu requests issued by the tree (%.1f KiB), %llu by others "
			"(writeback, other processes); device busy %.1f%% of the run (diskstats io_ticks)\n",
			d->name, (unsigned long long)mine, mine_bytes / 1024.0, (unsigned long long)other,
			wall_ms > 0 ? 100.0 * d->io_ticks_ms / wall_ms : 0);
	}
}

static void print_drop_list(FILE *out, const struct run_model *m, enum drop_loss loss)
{
	for (int i = CNT_EVENTS_END; i < CNT_COUNT; i++)
		if (m->counters[i] && counter_drop_loss(i) == loss)
			fprintf(out, " %s=%llu", counter_names[i], (unsigned long long)m->counters[i]);
	fputc('\n', out);
}

static void print_drops(FILE *out, const struct run_model *m)
{
	uint64_t lumped = model_drops_losing(m, LOSS_SYSCALL_OWNER);

	if (model_drops_losing(m, LOSS_TIME)) {
		fprintf(out, "DROPS, the accounting above is incomplete:");
		print_drop_list(out, m, LOSS_TIME);
	} else {
		fprintf(out, "drops: none in the accounting (%llu events)\n", (unsigned long long)model_events(m));
	}
	if (model_drops_losing(m, LOSS_STACK)) {
		fprintf(out, "stack drops (those intervals are counted, without a stack):");
		print_drop_list(out, m, LOSS_STACK);
	}
	if (lumped)
		fprintf(out, "syscalls of %llu process%s lumped together (more processes at once than syscall "
			"slots): they count for the tree, not for their process\n", (unsigned long long)lumped,
			lumped == 1 ? "" : "es");
}

/* The top findings (docs/explain.md), most wall time explained first, each with its advice. */
static void print_findings(FILE *out, const struct explanation *e, bool verbose)
{
	char line[LINE_MAX_CHARS * 4];

	if (!e->n_findings) {
		fprintf(out, "why: no finding crossed its threshold (docs/explain.md)\n");
		return;
	}
	fprintf(out, "why (wall time on the %s; docs/explain.md):\n", e->d.method);
	for (size_t i = 0; i < e->n_findings && i < SUMMARY_FINDINGS; i++) {
		const struct finding *f = &e->findings[i];

		finding_headline(f, LINE_MAX_CHARS - 4 - strlen(f->name), line, sizeof(line));
		fprintf(out, "  %s: %s\n", f->name, line);
		if (verbose)
			fprintf(out, "    %s\n", f->text);
		if (f->advice[0] && !f->part_of)   /* a part of an earlier finding shares its advice */
			fprintf(out, "    advice: %s\n", f->advice);
	}
	if (e->n_findings > SUMMARY_FINDINGS)
		fprintf(out, "  (%zu more in the report)\n", e->n_findings - SUMMARY_FINDINGS);
}

/* "conctrace: CMD — wall 0.744 s, exit 0; 83 processes, 83 threads" */
static void print_headline(FILE *out, const struct run_model *m, const struct acct_totals *tree)
{
	fprintf(out, "\nconctrace: %s%s — wall %.3f s", m->meta.attach_mode ? "attached to " : "",
		m->meta.command ? m->meta.command : "", ns_to_s(command_wall_ns(m)));
	if (m->meta.exit_status >= 0)
		fprintf(out, ", exit %d", m->meta.exit_status);
	fprintf(out, "; %zu process%s, %d thread%s%s\n", m->n_procs, m->n_procs == 1 ? "" : "es",
		tree->threads, tree->threads == 1 ? "" : "s", m->meta.interrupted ? " (INTERRUPTED)" : "");
}

void summary_print(FILE *out, const struct run_model *m, const char *report_path, bool verbose)
{
	struct explanation *e = xcalloc(1, sizeof(*e));
	struct acct_totals tree;

	totals_of(m, 0, &tree);
	explain_run(m, e);
	print_headline(out, m, &tree);
	print_findings(out, e, verbose);
	if (e->path_summary[0])
		fprintf(out, "critical path: %s\n", e->path_summary);
	fprintf(out, "where the time went: thread time %.3fs", ns_to_s(tree.life_ns));
	print_classes(out, &tree);
	print_processes(out, m, &tree);
	print_block_io(out, m);
	print_drops(out, m);
	print_crosscheck(out, m, &tree, verbose);
	if (report_path)
		fprintf(out, "report: %s\n", report_path);
	free(e);
}
