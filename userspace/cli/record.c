/* conctrace record: run (or attach to) a process tree under the tracer and write its report. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "base/outdir.h"
#include "trace/caps.h"
#include "cli/record_opts.h"
#include "cli/usage.h"
#include "render/exports.h"
#include "render/push.h"
#include "trace/proc.h"
#include "cli/record.h"
#include "render/summary.h"
#include "trace/tracer.h"
#include "base/progress.h"
#include "base/util.h"

#define POLL_MS 50
#define EXIT_DRAIN_MS 1000  /* how long to wait for the last threads' final switches */

static volatile sig_atomic_t stop_requests;
static volatile sig_atomic_t forward_signal;
static pid_t child_pid;
static bool tree_killed;    /* by a third stop signal or --timeout */

/* A signal sent to conctrace alone (kill, a test harness) is passed on to the command; one from the
 * terminal already reached the whole foreground process group. */
static void on_stop_signal(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	stop_requests++;
	if (child_pid > 0 && (info->si_code == SI_USER || info->si_code == SI_QUEUE)) {
		forward_signal = sig;
		kill(child_pid, stop_requests > 2 ? SIGKILL : sig);
	}
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_sigaction = on_stop_signal, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int record_check_environment(void)
{
	char missing[64];

	caps_missing(caps_effective(), missing, sizeof(missing));
	if (missing[0]) {
		errmsg("tracing needs root or CAP_BPF and CAP_PERFMON (missing: %s); run with sudo", missing);
		return 2;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		errmsg("this kernel has no BTF (/sys/kernel/btf/vmlinux): CO-RE programs cannot load; "
		       "a kernel built with CONFIG_DEBUG_INFO_BTF=y is needed");
		return 2;
	}
	return 0;
}

/* A copy of a user's entry: getpwnam's own buffer is overwritten by the next lookup. */
struct user_entry {
	struct passwd pw;
	char strings[2048];
};

/* The user the command runs as: --user, else $SUDO_USER, else unchanged (NULL). */
static const struct passwd *target_user(const char *name, struct user_entry *u)
{
	struct passwd *found = NULL;

	if (!name)
		name = getenv("SUDO_USER");
	if (!name || !*name)
		return NULL;
	if (getpwnam_r(name, &u->pw, u->strings, sizeof(u->strings), &found) || !found)
		errmsg("--user: no such user: '%s'", name);
	return found;
}

static int drop_privileges(const struct passwd *pw)
{
	if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) || setuid(pw->pw_uid))
		return -1;
	setenv("HOME", pw->pw_dir, 1);
	setenv("USER", pw->pw_name, 1);
	setenv("LOGNAME", pw->pw_name, 1);
	return 0;
}

/* The child: waits for the tracer to attach (first, so that what it does after the fork is traced),
 * becomes the user, execs. Failures reach the parent as an errno over the close-on-exec ERR pipe.
 * When conctrace dies first, the GO pipe reads end-of-file and the command never starts; once it
 * has started, it outlives conctrace, as perf's workload does (docs/method.md). */
static void child_main(char **cmd, const struct passwd *pw, int go_fd, int err_fd)
{
	char go;
	int e;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (read(go_fd, &go, 1) != 1)
		_exit(126);
	if (pw && drop_privileges(pw)) {
		e = errno;
		goto fail;
	}
	execvp(cmd[0], cmd);
	e = errno;
fail:
	if (write(err_fd, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(e == ENOENT ? 127 : 126);
}

static int exit_status_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

static void add_rusage(struct model_rusage *r, const struct rusage *ru)
{
	r->valid = true;
	r->utime_ns += ru->ru_utime.tv_sec * NSEC_PER_SEC + ru->ru_utime.tv_usec * 1000ULL;
	r->stime_ns += ru->ru_stime.tv_sec * NSEC_PER_SEC + ru->ru_stime.tv_usec * 1000ULL;
	r->nvcsw += ru->ru_nvcsw;
	r->nivcsw += ru->ru_nivcsw;
	if ((uint64_t)ru->ru_maxrss > r->maxrss_kb)
		r->maxrss_kb = ru->ru_maxrss;
}

/* Reaps every finished child (the command and orphans reparented to us, the subreaper) and adds
 * their rusage. Returns false once no child is left. */
static bool reap_children(struct run_model *m)
{
	for (;;) {
		struct rusage ru;
		int status;
		pid_t pid = wait4(-1, &status, WNOHANG, &ru);

		if (pid == 0)
			return true;
		if (pid < 0)
			return errno != ECHILD;
		add_rusage(&m->rusage, &ru);
		if (pid == child_pid)
			m->meta.exit_status = exit_status_of(status);
	}
}

static void fill_meta(struct run_model *m, const struct record_opts *o, const struct passwd *pw)
{
	struct utsname u;
	char host[256] = "";
	char *cmd = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&cmd, &len);

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	m->meta.version = xstrdup(CONCTRACE_VERSION);
	m->meta.kernel = xstrdup(u.release);
	m->meta.hostname = xstrdup(host);
	m->meta.user = xstrdup(pw ? pw->pw_name : getpwuid(geteuid()) ? getpwuid(geteuid())->pw_name : "");
	m->meta.ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	m->meta.freq_hz = o->freq_hz;
	m->meta.offcpu_stacks = o->offcpu_stacks;
	m->meta.syscall_stats = o->syscall_stats;
	m->meta.wakeup_latency = true;
	m->meta.wait_causes = true;
	m->meta.syscall_offcpu = true;
	m->meta.offcpu_stack_period_ns = o->offcpu_stack_period_ns;
	m->meta.attach_mode = o->pid > 0;
	if (o->cmd)
		for (char **first = o->shown_cmd ? o->shown_cmd : o->cmd, **a = first; *a; a++)
			fprintf(f, "%s%s", a == first ? "" : " ", *a);
	else
		fprintf(f, "pid %d", o->pid);
	fclose(f);
	for (char *c = cmd; *c; c++)  /* one line, for summaries and titles */
		if ((unsigned char)*c < ' ')
			*c = ' ';
	m->meta.command = cmd;
}

/* Forks the command stopped, has the tracer follow it, then lets it exec. Returns 0, or the
 * shell-style status when the command could not be started. */
static int launch(char **cmd, const struct passwd *pw, struct tracer *tr)
{
	int go[2], err[2], e = 0, rc;
	ssize_t n;

	if (pipe2(go, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		errmsg("pipe: %s", strerror(errno));
		return 1;
	}
	child_pid = fork();
	if (child_pid < 0) {
		errmsg("fork: %s", strerror(errno));
		return 1;
	}
	if (child_pid == 0) {
		close(go[1]);
		close(err[0]);
		child_main(cmd, pw, go[0], err[1]);
	}
	close(go[0]);
	close(err[1]);
	rc = tracer_follow(tr, child_pid, true);
	if (rc)
		errmsg("cannot follow pid %d: %s", child_pid, strerror(-rc));
	if (rc || write(go[1], "g", 1) != 1)
		kill(child_pid, SIGKILL);
	close(go[1]);
	do
		n = read(err[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(err[0]);
	if (n != sizeof(e))
		return rc ? 1 : 0;
	waitpid(child_pid, NULL, 0);
	if (e == ENOENT) {
		errmsg("%s: command not found", cmd[0]);
		return 127;
	}
	errmsg("%s: %s", cmd[0], pw && e == EPERM ? "cannot switch to the user" : strerror(e));
	return 126;
}

/* Ends the command's tree: the command and every traced process not yet seen exiting. */
static void kill_tree(struct run_model *m)
{
	kill(child_pid, SIGKILL);
	for (size_t i = 0; i < m->n_procs; i++)
		if (m->procs[i].exit_status < 0)
			kill(m->procs[i].pid, SIGKILL);
}

static void wait_for_tree(struct tracer *tr, struct run_model *m, double timeout_s)
{
	uint64_t deadline = timeout_s ? monotonic_ns() + timeout_s * 1e9 : UINT64_MAX;
	bool killed = false;

	while (reap_children(m)) {
		tracer_poll(tr, POLL_MS);
		tracer_refresh_maps(tr);
		/* The command ignores Ctrl-C, or ran out of time: end it. */
		if (!killed && (stop_requests >= 3 || monotonic_ns() > deadline)) {
			kill_tree(m);
			killed = tree_killed = true;
		}
	}
	/* Threads' final context switches can trail their parents' wait4 by a moment. */
	deadline = monotonic_ns() + EXIT_DRAIN_MS * 1000000ULL;
	while (tracer_live_threads(tr) && monotonic_ns() < deadline)
		tracer_poll(tr, 10);
}

static bool process_exists(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

static int attach(const struct record_opts *o, struct tracer *tr)
{
	pid_t *pids;
	size_t n = proc_descendants(o->pid, &pids);
	uint64_t end = o->duration_s ? monotonic_ns() + o->duration_s * 1e9 : UINT64_MAX;

	for (size_t i = 0; i < n; i++)
		tracer_follow(tr, pids[i], false);
	free(pids);
	while (!stop_requests && monotonic_ns() < end && process_exists(o->pid)) {
		tracer_poll(tr, POLL_MS);
		tracer_refresh_maps(tr);
	}
	return 0;
}

/* Whether the recording was cut short: the tree killed, the command ended by the stop signal (as
 * its status says), or, attached, stopped by one. A command that ignored or handled the signal and
 * then ended on its own was recorded whole. */
static bool cut_short(const struct run_model *m)
{
	int status = m->meta.exit_status;

	if (tree_killed || !stop_requests)
		return tree_killed;
	return m->meta.attach_mode || status == 128 + SIGINT || status == 128 + SIGTERM ||
	       status == 128 + SIGHUP;
}

/* Writes every export into OUT and pushes the profiles when asked to; prints the summary. 0, or -1
 * when an output was not written (after a one-line error). */
static int finish(struct run_model *m, struct tracer *tr, const struct record_opts *o,
		  const struct outdir *out, struct disk_snapshot *before)
{
	struct disk_snapshot after;
	struct symbolizer *sym;
	char path[PATH_MAX + 16];
	struct stat st;
	int rc;

	progress_begin();
	m->meta.interrupted = cut_short(m);
	m->meta.end_ns = tracer_stop(tr);
	diskstats_read("/proc/diskstats", &after);
	diskstats_delta(before, &after, m);
	diskstats_free(&after);
	model_sort(m);
	/* The report and every export: flame graphs, speedscope, trace events, HTML. */
	sym = symbolizer_new("/proc/kallsyms");
	rc = export_all(out, m, sym, o->chrome_trace);
	if (o->push_url && push_run(o->push_url, m, sym))  /* the local report is written regardless */
		rc = -1;
	symbolizer_free(sym);
	progress_end();
	snprintf(path, sizeof(path), "%s/report.json", out->path);
	if (!o->quiet && !fstatat(out->fd, "report.json", &st, AT_SYMLINK_NOFOLLOW))
		summary_print(stdout, m, path, o->verbose);
	return rc;
}

/* The command's exit status; when it is 0 (or attached), 1 if an output was not written. */
static int session_status(const struct run_model *m, bool written)
{
	int command = m->meta.attach_mode ? 0 : m->meta.exit_status >= 0 ? m->meta.exit_status : 1;

	return command ? command : written ? 0 : 1;
}

bool record_interrupted(void)
{
	return stop_requests > 0;
}

int record_session(const struct record_opts *o, const struct outdir *into)
{
	const struct passwd *pw = NULL;
	struct outdir own = { .fd = -1 };
	const struct outdir *out = into ? into : &own;
	struct user_entry user;
	struct disk_snapshot before;
	struct tracer_opts topts;
	struct run_model m;
	struct tracer *tr;
	char err[512];
	int rc;

	if (o->pid && !process_exists(o->pid)) {
		errmsg("-p %d: no such process", o->pid);
		return 2;
	}
	if (o->cmd && (o->user || getenv("SUDO_USER")) && !(pw = target_user(o->user, &user)))
		return 2;
	tracer_default_opts(&topts);
	topts.freq_hz = o->freq_hz;
	topts.offcpu_stacks = o->offcpu_stacks;
	topts.offcpu_stack_period_ns = o->offcpu_stack_period_ns;
	topts.timeline = o->timeline;
	topts.syscall_stats = o->syscall_stats;
	model_init(&m);
	fill_meta(&m, o, pw);
	tr = tracer_start(&topts, &m, err, sizeof(err));
	if (!tr) {
		errmsg("%s", err);
		model_free(&m);
		return 2;
	}
	if (!into && outdir_open(&own, o->outdir, pw ? &(struct outdir_owner){ pw->pw_uid, pw->pw_gid } : NULL)) {
		tracer_free(tr);
		model_free(&m);
		return 2;
	}
	install_signals();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	diskstats_read("/proc/diskstats", &before);
	m.meta.start_ns = monotonic_ns();
	m.meta.start_epoch = realtime_s();
	tree_killed = false;
	if (o->pid) {
		m.meta.root_pid = o->pid;
		rc = attach(o, tr);
	} else {
		rc = launch(o->cmd, pw, tr);
		m.meta.root_pid = child_pid;
		if (rc == 0)
			wait_for_tree(tr, &m, o->timeout_s);
	}
	if (rc == 0)
		rc = session_status(&m, finish(&m, tr, o, out, &before) == 0);
	outdir_close(&own);
	diskstats_free(&before);
	tracer_free(tr);
	model_free(&m);
	return rc;
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o;
	char err[256];
	int rc;

	switch (record_parse(argc, argv, &o, err, sizeof(err))) {
	case PARSE_HELP:
		fputs(record_usage, stdout);
		return 0;
	case PARSE_ERROR:
		return usage_error("record", "%s", err);
	case PARSE_OK:
		break;
	}
	rc = record_check_environment();
	return rc ? rc : record_session(&o, NULL);
}
