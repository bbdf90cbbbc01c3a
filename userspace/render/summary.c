#include "render/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "model/account.h"
#include "model/classify.h"
#include "analyze/findings.h"
#include "model/syscall_names.h"
#include "base/util.h"

#define TOP_SYSCALLS 4

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

/* The process's TOP_SYSCALLS syscalls by total time. */
static void print_top_syscalls(FILE *out, const struct run_model *m, uint32_t pid)
{
	const struct model_syscall *top[TOP_SYSCALLS] = { 0 };

	for (size_t i = 0; i < m->n_syscalls; i++) {
		const struct model_syscall *s = &m->syscalls[i];

		if (s->tgid != pid)
			continue;
		for (int k = 0; k < TOP_SYSCALLS; k++) {
			if (!top[k] || s->s.total_ns > top[k]->s.total_ns) {
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
	fprintf(out, "    top syscalls:");
	for (int k = 0; k < TOP_SYSCALLS && top[k]; k++) {
		const char *name = syscall_name(top[k]->nr);

		fprintf(out, "%s %s %llux %.3fs", k ? "," : "", name ? name : "?",
			(unsigned long long)top[k]->s.count, ns_to_s(top[k]->s.total_ns));
	}
	fputc('\n', out);
}

static void print_process(FILE *out, const struct run_model *m, const struct model_process *p)
{
	struct acct_totals t;

	totals_of(m, p->pid, &t);
	fprintf(out, "  pid %u %s (parent %u): wall %.3fs, %d thread%s, thread time %.3fs, "
		"switches %llu voluntary %llu involuntary", p->pid, p->comm, p->ppid,
		ns_to_s(p->end_ns > p->start_ns ? p->end_ns - p->start_ns : 0), t.threads,
		t.threads == 1 ? "" : "s", ns_to_s(t.life_ns), (unsigned long long)t.nvcsw,
		(unsigned long long)t.nivcsw);
	if (p->exit_status >= 0)
		fprintf(out, ", exit %d", p->exit_status);
	if (p->gil_switches >= 0)
		fprintf(out, ", GIL changed hands %lld times", (long long)p->gil_switches);
	print_classes(out, &t);
	print_top_syscalls(out, m, p->pid);
}

/* Prints one comparison line: ours vs the kernel's, with the relative difference. */
static void check_line(FILE *out, const char *what, double ours, double theirs, const char *unit,
		       const char *source)
{
	fprintf(out, "  %-26s traced %10.3f%-1s kernel %10.3f%-1s diff %5.1f%% (%.3f%s)  [%s]\n", what, ours,
		unit, theirs, unit, 100 * rel_diff(ours, theirs), fabs(ours - theirs), unit, source);
}

static void print_crosscheck(FILE *out, const struct run_model *m, const struct acct_totals *tree)
{
	uint32_t worst_tid;
	double worst = max_residual(m, &worst_tid);

	/* The kernel's run time leaves out what the host stole from the vCPU: so do these lines. */
	fprintf(out, "cross-check with the kernel's own accounting (on-CPU less %.3fs host steal):\n",
		ns_to_s(tree->stolen_ns));
	if (m->rusage.valid) {
		check_line(out, "tree on-CPU", ns_to_s(tree->ns[WC_ONCPU] - tree->stolen_ns),
			   ns_to_s(m->rusage.utime_ns + m->rusage.stime_ns), "s", "wait4 rusage utime+stime");
		check_line(out, "tree voluntary switches", rusage_comparable_nvcsw(m), m->rusage.nvcsw, "",
			   "rusage ru_nvcsw; threads' final switches left out, as the kernel does");
		check_line(out, "tree involuntary switches", tree->nivcsw, m->rusage.nivcsw, "",
			   "rusage ru_nivcsw");
	}
	if (tree->k_threads) {
		check_line(out, "on-CPU, per-thread sum", ns_to_s(tree->k_oncpu_ns - tree->k_stolen_ns),
			   ns_to_s(tree->k_runtime), "s", "schedstat run time");
		check_line(out, "runnable, per-thread sum", ns_to_s(tree->k_runqueue_ns),
			   ns_to_s(tree->k_run_delay), "s", "schedstat run delay");
		check_line(out, "switches, per-thread sum", tree->k_our_nvcsw + tree->k_our_nivcsw,
			   tree->k_nvcsw + tree->k_nivcsw, "", "task nvcsw+nivcsw");
	}
	fprintf(out, "  identity on-CPU + runnable + waits = lifetime: largest residual %.4f%% (tid %u)\n",
		100 * worst, worst_tid);
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

static void print_drop_list(FILE *out, const struct run_model *m, bool stacks)
{
	for (int i = CNT_EVENTS_END; i < CNT_COUNT; i++)
		if (m->counters[i] && counter_is_stack_drop(i) == stacks)
			fprintf(out, " %s=%llu", counter_names[i], (unsigned long long)m->counters[i]);
	fputc('\n', out);
}

static void print_drops(FILE *out, const struct run_model *m)
{
	uint64_t stack_drops = model_stack_drops(m), all = model_drops(m);

	if (all > stack_drops) {
		fprintf(out, "DROPS, the accounting above is incomplete:");
		print_drop_list(out, m, false);
	} else {
		fprintf(out, "drops: none in the accounting (%llu events)\n", (unsigned long long)model_events(m));
	}
	if (stack_drops) {
		fprintf(out, "stack drops (those intervals are counted, without a stack):");
		print_drop_list(out, m, true);
	}
}

#define SUMMARY_FINDINGS 3

/* The top findings of the explanation engine (docs/explain.md), most wall time explained first. */
static void print_findings(FILE *out, const struct run_model *m)
{
	struct explanation *e = xcalloc(1, sizeof(*e));

	explain_run(m, e);
	if (e->path_summary[0])
		fprintf(out, "critical path: %s\n", e->path_summary);
	if (e->n_findings)
		fprintf(out, "why (wall time on the %s, docs/explain.md):\n", e->d.method);
	for (size_t i = 0; i < e->n_findings && i < SUMMARY_FINDINGS; i++) {
		fprintf(out, "  %s: %s\n", e->findings[i].name, e->findings[i].text);
		if (e->findings[i].advice[0] && !e->findings[i].part_of)
			fprintf(out, "    advice: %s\n", e->findings[i].advice);
	}
	free(e);
}

void summary_print(FILE *out, const struct run_model *m, const char *report_path)
{
	struct acct_totals tree;
	size_t shown = 0;

	totals_of(m, 0, &tree);
	fprintf(out, "\nconctrace: %s%s — %.3fs, %zu process%s, %d thread%s%s\n",
		m->meta.attach_mode ? "attached to " : "", m->meta.command ? m->meta.command : "",
		ns_to_s(m->meta.end_ns - m->meta.start_ns), m->n_procs, m->n_procs == 1 ? "" : "es",
		tree.threads, tree.threads == 1 ? "" : "s", m->meta.interrupted ? " (INTERRUPTED)" : "");
	for (size_t i = 0; i < m->n_procs && shown < SUMMARY_MAX_PROCS; i++, shown++)
		print_process(out, m, &m->procs[i]);
	if (m->n_procs > shown)
		fprintf(out, "  ... and %zu more processes (all in the report)\n", m->n_procs - shown);
	fprintf(out, "  tree: thread time %.3fs", ns_to_s(tree.life_ns));
	print_classes(out, &tree);
	print_crosscheck(out, m, &tree);
	print_block_io(out, m);
	print_drops(out, m);
	print_findings(out, m);
	if (report_path)
		fprintf(out, "report: %s\n", report_path);
}
