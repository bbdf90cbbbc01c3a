#include "model/report_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/account.h"
#include "model/classify.h"
#include "model/syscall_names.h"
#include "model/timeline_file.h"
#include "base/util.h"

#define JU(v) json_integer((json_int_t)(v))

static json_t *class_object(const __u64 v[WC_COUNT])
{
	json_t *o = json_object();

	for (int c = 0; c < WC_COUNT; c++)
		json_object_set_new(o, wait_classes[c].name, JU(v[c]));
	return o;
}

static json_t *pair(uint64_t a, uint64_t b)
{
	return json_pack("[II]", (json_int_t)a, (json_int_t)b);
}

const char *const fd_kind_names[FK_COUNT] = { "file", "pipe", "net", "other" };

/* {"file": [read calls, read bytes, write calls, write bytes], "pipe": [...], ...} */
static json_t *io_json(const struct io_stat io[FK_COUNT][2])
{
	json_t *o = json_object();

	for (int k = 0; k < FK_COUNT; k++)
		json_object_set_new(o, fd_kind_names[k], json_pack("[IIII]", (json_int_t)io[k][0].calls,
			(json_int_t)io[k][0].bytes, (json_int_t)io[k][1].calls, (json_int_t)io[k][1].bytes));
	return o;
}

static json_t *thread_json(const struct model_thread *t)
{
	const struct thread_acct *a = &t->acct;

	return json_pack("{sI sI sI ss sI sI sI si sb so so so sI sI sI sI sI s{so so so so} sf}",
		"tid", (json_int_t)a->tid, "tgid", (json_int_t)a->tgid,
		"creator_tid", (json_int_t)a->creator_tid, "comm", a->comm,
		"start_ns", (json_int_t)a->start_ns, "end_ns", (json_int_t)a->end_ns,
		"flags", (json_int_t)a->flags, "exit_code", (int)a->exit_code,
		"alive_at_end", t->alive_at_end,
		"ns", class_object(a->ns), "blocks", class_object(a->blocks), "io", io_json(a->io),
		"nvcsw", (json_int_t)a->nvcsw, "nivcsw", (json_int_t)a->nivcsw,
		"samples", (json_int_t)a->samples, "stolen_ns", (json_int_t)a->stolen_ns,
		"queued_behind_others_ns", (json_int_t)a->queued_behind_others_ns,
		"kernel",
		"runtime_ns", pair(a->k_runtime[0], a->k_runtime[1]),
		"run_delay_ns", pair(a->k_run_delay[0], a->k_run_delay[1]),
		"nvcsw", pair(a->k_nvcsw[0], a->k_nvcsw[1]),
		"nivcsw", pair(a->k_nivcsw[0], a->k_nivcsw[1]),
		"identity_residual", thread_residual(a));
}

static json_t *totals_json(const struct acct_totals *t)
{
	return json_pack("{si sI so sI sI sI sI}", "threads", t->threads, "life_ns", (json_int_t)t->life_ns,
			 "ns", class_object(t->ns), "nvcsw", (json_int_t)t->nvcsw,
			 "nivcsw", (json_int_t)t->nivcsw, "samples", (json_int_t)t->samples,
			 "stolen_ns", (json_int_t)t->stolen_ns);
}

static json_t *process_json(const struct run_model *m, const struct model_process *p)
{
	struct acct_totals t;

	totals_of(m, p->pid, &t);
	return json_pack("{sI sI ss ss ss ss sI sI si ss sI so}", "pid", (json_int_t)p->pid,
			 "ppid", (json_int_t)p->ppid, "comm", p->comm, "exe", p->exe ? p->exe : "",
			 "cmdline", p->cmdline ? p->cmdline : "", "maps", p->maps ? p->maps : "",
			 "start_ns", (json_int_t)p->start_ns, "end_ns", (json_int_t)p->end_ns,
			 "exit_status", p->exit_status, "python", p->python ? p->python : "",
			 "gil_switches", (json_int_t)p->gil_switches, "totals", totals_json(&t));
}

static json_t *syscall_json(const struct model_syscall *s)
{
	const char *name = syscall_name(s->nr);

	return json_pack("{sI sI ss sI sI sI sI sI}", "tgid", (json_int_t)s->tgid, "nr", (json_int_t)s->nr,
			 "name", name ? name : "unknown", "count", (json_int_t)s->s.count,
			 "errors", (json_int_t)s->s.errors, "total_ns", (json_int_t)s->s.total_ns,
			 "max_ns", (json_int_t)s->s.max_ns, "bytes", (json_int_t)s->s.bytes);
}

const char *const irq_kind_names[IRQK_COUNT] = { "none", "hardirq", "timer", "net", "block", "softirq" };

enum irq_kind irq_kind_of(const struct wakeup_key *k)
{
	uint32_t kind = k->flags >> WK_IRQ_KIND_SHIFT & 0xf;

	return k->flags & WK_IRQ && kind < IRQK_COUNT ? (enum irq_kind)kind : IRQK_NONE;
}

static json_t *wakeup_json(const struct model_wakeup *w)
{
	const char *call = w->k.waker_nr == SYSCALL_NONE ? NULL : syscall_name(w->k.waker_nr);

	return json_pack("{sI sI ss sI ss sI sI sI so so sb sb}", "waker_tid", (json_int_t)w->k.waker_tid,
			 "waker_tgid", (json_int_t)w->s.waker_tgid, "waker_comm", w->s.waker_comm,
			 "wakee_tid", (json_int_t)w->k.wakee_tid,
			 "wakee_class", wait_classes[w->k.wakee_class % WC_COUNT].name,
			 "count", (json_int_t)w->s.count, "waited_ns", (json_int_t)w->s.waited_ns,
			 "latency_ns", (json_int_t)w->s.latency_ns,
			 "waker_syscall", call ? json_string(call) : json_null(),
			 "irq", w->k.flags & WK_IRQ ? json_string(irq_kind_names[irq_kind_of(&w->k)]) : json_null(),
			 "same_address", !!(w->k.flags & WK_SAME_ADDR),
			 "waker_exiting", !!(w->k.flags & WK_WAKER_EXITING));
}

static const char *const blk_op_names[BLK_OP_COUNT] = { "read", "write", "flush", "discard", "other" };

static json_t *blk_json(const struct model_blk *b)
{
	json_t *hist = json_array();

	for (int i = 0; i < LAT_BUCKETS; i++)
		json_array_append_new(hist, JU(b->s.hist[i]));
	return json_pack("{sI ss sb sI sI sI sI so}", "dev", (json_int_t)b->k.dev,
			 "op", blk_op_names[b->k.op % BLK_OP_COUNT], "attributed", (int)b->k.attributed,
			 "count", (json_int_t)b->s.count, "bytes", (json_int_t)b->s.bytes,
			 "total_ns", (json_int_t)b->s.total_ns, "max_ns", (json_int_t)b->s.max_ns,
			 "latency_log2_ns", hist);
}

static json_t *disk_json(const struct model_disk *d)
{
	return json_pack("{sI ss sI sI sI sI sI}", "dev", (json_int_t)d->dev, "name", d->name,
			 "reads", (json_int_t)d->reads, "writes", (json_int_t)d->writes,
			 "sectors_read", (json_int_t)d->sectors_read,
			 "sectors_written", (json_int_t)d->sectors_written,
			 "io_ticks_ms", (json_int_t)d->io_ticks_ms);
}

static json_t *stack_agg_json(const struct model_stack_agg *s)
{
	char k[24], u[24], py[24];

	snprintf(k, sizeof(k), "0x%" PRIx64, (uint64_t)s->k.kstack);
	snprintf(u, sizeof(u), "0x%" PRIx64, (uint64_t)s->k.ustack);
	snprintf(py, sizeof(py), "0x%" PRIx64, (uint64_t)s->k.pystack);
	return json_pack("{sI sI ss ss ss ss sI sI}", "tid", (json_int_t)s->k.tid, "tgid", (json_int_t)s->k.tgid,
			 "kstack", k, "ustack", u, "pystack", py,
			 "class", wait_classes[s->k.wait_class % WC_COUNT].name,
			 "count", (json_int_t)s->s.count, "ns", (json_int_t)s->s.ns);
}

/* Addresses are hex strings: kernel addresses do not fit a JSON integer. */
static json_t *stack_json(const struct model_stack *s)
{
	json_t *ips = json_array();
	char buf[24], id[24];

	for (uint32_t i = 0; i < s->depth; i++) {
		snprintf(buf, sizeof(buf), "0x%" PRIx64, s->ips[i]);
		json_array_append_new(ips, json_string(buf));
	}
	snprintf(id, sizeof(id), "0x%" PRIx64, s->id);
	return json_pack("{ss so}", "id", id, "ips", ips);
}

static json_t *pystack_json(const struct model_pystack *s)
{
	json_t *frames = json_array();
	char id[24];

	for (uint32_t i = 0; i < s->depth; i++)
		json_array_append_new(frames, json_string(s->frames[i]));
	snprintf(id, sizeof(id), "0x%" PRIx64, s->id);
	return json_pack("{ss sI so}", "id", id, "tgid", (json_int_t)s->tgid, "frames", frames);
}

#define ARRAY_JSON(m, name, fn) ({ \
	json_t *a_ = json_array(); \
	for (size_t i_ = 0; i_ < (m)->n_##name; i_++) \
		json_array_append_new(a_, fn(&(m)->name[i_])); \
	a_; })

static json_t *counters_json(const struct run_model *m, int from, int to)
{
	json_t *o = json_object();

	for (int i = from; i < to; i++)
		json_object_set_new(o, counter_names[i], JU(m->counters[i]));
	return o;
}

static json_t *meta_json(const struct model_meta *mm)
{
	return json_pack("{ss ss ss ss ss si sI sb sb sI sI sf sf si sI sb sI sb sb sb ss}",
		"conctrace_version", mm->version ? mm->version : CONCTRACE_VERSION,
		"kernel", mm->kernel ? mm->kernel : "", "hostname", mm->hostname ? mm->hostname : "",
		"user", mm->user ? mm->user : "", "command", mm->command ? mm->command : "",
		"ncpus", mm->ncpus, "root_pid", (json_int_t)mm->root_pid,
		"attach_mode", mm->attach_mode, "interrupted", mm->interrupted,
		"start_ns", (json_int_t)mm->start_ns, "end_ns", (json_int_t)mm->end_ns,
		"start_epoch", mm->start_epoch, "duration_s", ns_to_s(mm->end_ns - mm->start_ns),
		"exit_status", mm->exit_status, "freq_hz", (json_int_t)mm->freq_hz,
		"offcpu_stacks", mm->offcpu_stacks,
		"offcpu_stack_period_ns", (json_int_t)mm->offcpu_stack_period_ns,
		"syscall_stats", mm->syscall_stats, "wakeup_latency", mm->wakeup_latency,
		"wait_causes", mm->wait_causes, "syscall_time", mm->syscall_offcpu ? "off-cpu" : "call");
}

static json_t *rusage_json(const struct model_rusage *r)
{
	return json_pack("{sb sI sI sI sI sI}", "valid", r->valid, "utime_ns", (json_int_t)r->utime_ns,
			 "stime_ns", (json_int_t)r->stime_ns, "nvcsw", (json_int_t)r->nvcsw,
			 "nivcsw", (json_int_t)r->nivcsw, "maxrss_kb", (json_int_t)r->maxrss_kb);
}

/* The timeline itself is in its own file beside the report (timeline_file.h): report.json names
 * it and says how many intervals and wakeups it holds. */
static json_t *timeline_json(const struct model_timeline *tl)
{
	return json_pack("{ss sI sI}", "file", TIMELINE_FILE_NAME, "intervals", (json_int_t)tl->n_intervals,
			 "wakes", (json_int_t)tl->n_wakes);
}

json_t *model_to_json(const struct run_model *m)
{
	struct acct_totals tree;
	json_t *root, *classes = json_array();
	uint32_t worst_tid;
	double worst = max_residual(m, &worst_tid);

	totals_of(m, 0, &tree);
	for (int c = 0; c < WC_COUNT; c++)
		json_array_append_new(classes, json_string(wait_classes[c].name));
	root = json_pack("{ss si so so so so so so s{so so} s{so so so} so so so}",
		"schema", "conctrace-report", "schema_version", REPORT_SCHEMA_VERSION,
		"meta", meta_json(&m->meta), "wait_classes", classes,
		"processes", json_array(),
		"threads", ARRAY_JSON(m, threads, thread_json),
		"syscalls", ARRAY_JSON(m, syscalls, syscall_json),
		"wakeups", ARRAY_JSON(m, wakeups, wakeup_json),
		"block_io",
		"requests", ARRAY_JSON(m, blks, blk_json),
		"disks", ARRAY_JSON(m, disks, disk_json),
		"stacks",
		"aggregates", ARRAY_JSON(m, stack_aggs, stack_agg_json),
		"frames", ARRAY_JSON(m, stacks, stack_json),
		"python", ARRAY_JSON(m, pystacks, pystack_json),
		"rusage", rusage_json(&m->rusage),
		"events", counters_json(m, 0, CNT_EVENTS_END),
		"drops", counters_json(m, CNT_EVENTS_END, CNT_COUNT));
	for (size_t i = 0; i < m->n_procs; i++)
		json_array_append_new(json_object_get(root, "processes"), process_json(m, &m->procs[i]));
	json_object_set_new(root, "totals", json_pack("{sI sI so sf sI}",
		"events", (json_int_t)model_events(m), "drops", (json_int_t)model_drops(m),
		"tree", totals_json(&tree), "max_identity_residual", worst,
		"max_identity_residual_tid", (json_int_t)worst_tid));
	if (m->timeline.recorded)
		json_object_set_new(root, "timeline", timeline_json(&m->timeline));
	return root;
}

/* Reading enforces every rule of docs/report-format.md: every getter records the first problem,
 * naming the section and field ("threads.kernel.nvcsw: not a pair of non-negative integers"). */
#define REPORT_CLASSES_MAX 32

struct jreader {
	char *err;
	size_t errlen;
	const char *section;
	bool failed;
	/* The report's "wait_classes" (index in the report -> ours): the timeline refers to classes
	 * by index, and reports written before a class was added number the others differently. */
	size_t n_classes;
	uint32_t class_of_index[REPORT_CLASSES_MAX];
};

/* KEY NULL: the problem is the section's own (an item of an array of arrays). */
static void jfail(struct jreader *r, const char *key, const char *problem)
{
	if (r->failed)
		return;
	r->failed = true;
	if (key)
		snprintf(r->err, r->errlen, "%s.%s: %s", r->section, key, problem);
	else
		snprintf(r->err, r->errlen, "%s: %s", r->section, problem);
}

static const json_t *jget(struct jreader *r, const json_t *o, const char *key, json_type type)
{
	const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

	if (!v)
		jfail(r, key, "missing");
	else if (json_typeof(v) != type && !(type == JSON_REAL && json_is_integer(v)) &&
		 !(type == JSON_TRUE && json_is_boolean(v)))
		jfail(r, key, "wrong type");
	else
		return v;
	return NULL;
}

/* An integer in [MIN, MAX]; 0 after a problem. */
static int64_t jrange(struct jreader *r, const json_t *o, const char *key, int64_t min, int64_t max)
{
	const json_t *v = jget(r, o, key, JSON_INTEGER);
	int64_t x = v ? json_integer_value(v) : 0;
	char why[80];

	if (v && x < 0 && min == 0) {
		jfail(r, key, "negative");
		return 0;
	}
	if (v && (x < min || x > max)) {
		snprintf(why, sizeof(why), "out of range (%" PRId64 " to %" PRId64 ")", min, max);
		jfail(r, key, why);
		return 0;
	}
	return x;
}

/* A count: a non-negative integer. */
static uint64_t ju(struct jreader *r, const json_t *o, const char *key)
{
	return jrange(r, o, key, 0, INT64_MAX);
}

/* A pid, tid or other non-negative integer the model keeps in 32 bits. */
static uint32_t ju32(struct jreader *r, const json_t *o, const char *key)
{
	return jrange(r, o, key, 0, UINT32_MAX);
}

/* A shell-style exit status: the code, or 128 + signal; -1 when unknown. */
static int jexit_status(struct jreader *r, const json_t *o, const char *key)
{
	return jrange(r, o, key, -1, 255);
}

static bool jb(struct jreader *r, const json_t *o, const char *key)
{
	const json_t *v = jget(r, o, key, JSON_TRUE);

	return v && json_is_true(v);
}

static double jf(struct jreader *r, const json_t *o, const char *key)
{
	const json_t *v = jget(r, o, key, JSON_REAL);

	return v ? json_number_value(v) : 0;
}

static const char *js(struct jreader *r, const json_t *o, const char *key)
{
	const json_t *v = jget(r, o, key, JSON_STRING);

	return v ? json_string_value(v) : "";
}

/* A string of at most LEN - 1 bytes into DST (comm: the kernel's 15). */
static void jcopy(struct jreader *r, const json_t *o, const char *key, char *dst, size_t len)
{
	const char *s = js(r, o, key);
	char why[48];

	if (strlen(s) >= len) {
		snprintf(why, sizeof(why), "longer than %zu bytes", len - 1);
		jfail(r, key, why);
	}
	snprintf(dst, len, "%s", s);
}

/* "0x" and 1 to 16 lower-case hex digits (leading zeros aside): a 64-bit address or stack id. */
static bool parse_hex64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || strncmp(s, "0x", 2) || !s[2])
		return false;
	for (s += 2; *s; s++) {
		int digit = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;

		if (digit < 0 || v >> 60)
			return false;
		v = v << 4 | digit;
	}
	*out = v;
	return true;
}

static uint64_t jhex(struct jreader *r, const json_t *o, const char *key)
{
	const char *s = js(r, o, key);
	uint64_t v = 0;

	if (!r->failed && !parse_hex64(s, &v))
		jfail(r, key, "not a 64-bit lower-case hex number (\"0x...\")");
	return v;
}

static uint32_t jclass(struct jreader *r, const json_t *o, const char *key)
{
	int c = wait_class_by_name(js(r, o, key));

	if (c < 0 && !r->failed)
		jfail(r, key, "unknown wait class");
	return c < 0 ? 0 : c;
}

/* Reads the fields of the object KEY in O with FN, their messages naming SECTION.KEY.FIELD. */
static void read_nested(struct jreader *r, const json_t *o, const char *key,
			void (*fn)(struct jreader *, const json_t *, void *), void *out)
{
	const json_t *obj = jget(r, o, key, JSON_OBJECT);
	const char *outer = r->section;
	char section[64];

	if (!obj)
		return;
	snprintf(section, sizeof(section), "%s.%s", outer, key);
	r->section = section;
	fn(r, obj, out);
	r->section = outer;
}

/* A class object: one count per wait class, and nothing else. */
static void read_class_fields(struct jreader *r, const json_t *obj, void *out)
{
	__u64 *v = out;
	const char *name;
	const json_t *x;

	for (int c = 0; c < WC_COUNT; c++)  /* reports before the wakeup class have none */
		v[c] = c == WC_WAKEUP && !json_object_get(obj, wait_classes[c].name) ? 0 :
		       ju(r, obj, wait_classes[c].name);
	json_object_foreach((json_t *)obj, name, x)
		if (wait_class_by_name(name) < 0)
			jfail(r, name, "unknown wait class");
}

static void read_classes(struct jreader *r, const json_t *o, const char *key, __u64 out[WC_COUNT])
{
	read_nested(r, o, key, read_class_fields, out);
}

/* The array KEY of exactly N counts into OUT; else the problem is WHAT it should be. */
static void read_counts(struct jreader *r, const json_t *o, const char *key, size_t n, __u64 *out,
			const char *what)
{
	const json_t *a = jget(r, o, key, JSON_ARRAY);

	for (size_t i = 0; a && i < n; i++) {
		const json_t *x = json_array_get(a, i);

		if (json_array_size(a) != n || !json_is_integer(x) || json_integer_value(x) < 0) {
			jfail(r, key, what);
			return;
		}
		out[i] = json_integer_value(x);
	}
}

static void read_pair(struct jreader *r, const json_t *o, const char *key, __u64 out[2])
{
	read_counts(r, o, key, 2, out, "not a pair of non-negative integers");
}

/* A thread's I/O by descriptor kind: [read calls, read bytes, write calls, write bytes] each. */
static void read_io_fields(struct jreader *r, const json_t *obj, void *out)
{
	struct io_stat (*io)[2] = out;

	for (int k = 0; k < FK_COUNT; k++) {
		__u64 v[4] = { 0 };

		read_counts(r, obj, fd_kind_names[k], 4, v, "not 4 non-negative integers");
		io[k][0] = (struct io_stat){ v[0], v[1] };
		io[k][1] = (struct io_stat){ v[2], v[3] };
	}
}

static void read_kernel_fields(struct jreader *r, const json_t *k, void *out)
{
	struct thread_acct *a = out;

	read_pair(r, k, "runtime_ns", a->k_runtime);
	read_pair(r, k, "run_delay_ns", a->k_run_delay);
	read_pair(r, k, "nvcsw", a->k_nvcsw);
	read_pair(r, k, "nivcsw", a->k_nivcsw);
}

static void read_meta(struct jreader *r, const json_t *o, struct model_meta *mm)
{
	r->section = "meta";
	mm->version = xstrdup(js(r, o, "conctrace_version"));
	mm->kernel = xstrdup(js(r, o, "kernel"));
	mm->hostname = xstrdup(js(r, o, "hostname"));
	mm->user = xstrdup(js(r, o, "user"));
	mm->command = xstrdup(js(r, o, "command"));
	mm->ncpus = jrange(r, o, "ncpus", 0, INT32_MAX);
	mm->root_pid = ju32(r, o, "root_pid");
	mm->attach_mode = jb(r, o, "attach_mode");
	mm->interrupted = jb(r, o, "interrupted");
	mm->start_ns = ju(r, o, "start_ns");
	mm->end_ns = ju(r, o, "end_ns");
	mm->start_epoch = jf(r, o, "start_epoch");
	mm->exit_status = jexit_status(r, o, "exit_status");
	mm->freq_hz = ju32(r, o, "freq_hz");
	mm->offcpu_stacks = jb(r, o, "offcpu_stacks");
	mm->offcpu_stack_period_ns = ju(r, o, "offcpu_stack_period_ns");
	/* Reports written before the option existed always recorded them. */
	mm->syscall_stats = !json_object_get(o, "syscall_stats") || jb(r, o, "syscall_stats");
	mm->wakeup_latency = json_object_get(o, "wakeup_latency") && jb(r, o, "wakeup_latency");
	mm->wait_causes = json_object_get(o, "wait_causes") && jb(r, o, "wait_causes");
	if (mm->start_epoch < 0)
		jfail(r, "start_epoch", "negative");
	if (json_object_get(o, "syscall_time")) {  /* absent in older reports: "call" */
		const char *t = js(r, o, "syscall_time");

		if (strcmp(t, "off-cpu") && strcmp(t, "call"))
			jfail(r, "syscall_time", "neither \"off-cpu\" nor \"call\"");
		mm->syscall_offcpu = !strcmp(t, "off-cpu");
	}
	if (mm->end_ns < mm->start_ns)
		jfail(r, "end_ns", "before start_ns");
}

static void read_process(struct jreader *r, const json_t *o, struct run_model *m)
{
	uint32_t pid = ju32(r, o, "pid");
	struct model_process *p;

	if (model_process(m, pid)) {
		jfail(r, "pid", "duplicate");
		return;
	}
	p = model_add_process(m, pid);
	p->ppid = ju32(r, o, "ppid");
	jcopy(r, o, "comm", p->comm, sizeof(p->comm));
	p->exe = xstrdup(js(r, o, "exe"));
	p->cmdline = xstrdup(js(r, o, "cmdline"));
	p->maps = xstrdup(js(r, o, "maps"));
	p->start_ns = ju(r, o, "start_ns");
	p->end_ns = ju(r, o, "end_ns");
	p->exit_status = jexit_status(r, o, "exit_status");
	p->python = *js(r, o, "python") ? xstrdup(js(r, o, "python")) : NULL;
	p->gil_switches = jrange(r, o, "gil_switches", -1, INT64_MAX);
	/* 0: none of its threads was accounted, so it was never seen to end */
	if (p->end_ns && p->end_ns < p->start_ns)
		jfail(r, "end_ns", "before start_ns");
}

#define TF_KNOWN (TF_DEAD | TF_ADOPTED | TF_K_END | TF_K_START | TF_FORKED)

static void read_thread(struct jreader *r, const json_t *o, struct run_model *m)
{
	struct model_thread *t = VEC_PUSH(m->threads, m->n_threads, m->cap_threads);
	struct thread_acct *a = &t->acct;

	a->tid = ju32(r, o, "tid");
	a->tgid = ju32(r, o, "tgid");
	jcopy(r, o, "comm", a->comm, sizeof(a->comm));
	a->start_ns = ju(r, o, "start_ns");
	a->end_ns = ju(r, o, "end_ns");
	a->flags = ju32(r, o, "flags");
	if (a->flags & ~TF_KNOWN)
		jfail(r, "flags", "unknown bits");
	a->exit_code = jrange(r, o, "exit_code", INT32_MIN, INT32_MAX);
	t->alive_at_end = jb(r, o, "alive_at_end");
	read_classes(r, o, "ns", a->ns);
	read_classes(r, o, "blocks", a->blocks);
	if (json_object_get(o, "io"))  /* reports before it was measured have none */
		read_nested(r, o, "io", read_io_fields, a->io);
	a->nvcsw = ju(r, o, "nvcsw");
	a->nivcsw = ju(r, o, "nivcsw");
	a->samples = ju(r, o, "samples");
	/* reports written before steal (the creator) was measured have none */
	a->stolen_ns = json_object_get(o, "stolen_ns") ? ju(r, o, "stolen_ns") : 0;
	a->creator_tid = json_object_get(o, "creator_tid") ? ju32(r, o, "creator_tid") : 0;
	/* older reports did not tell whose running a wait in the run queue was behind: all others' */
	a->queued_behind_others_ns = json_object_get(o, "queued_behind_others_ns") ?
				     ju(r, o, "queued_behind_others_ns") : a->ns[WC_RUNQUEUE];
	if (a->queued_behind_others_ns > a->ns[WC_RUNQUEUE])
		jfail(r, "queued_behind_others_ns", "more than the runqueue time");
	read_nested(r, o, "kernel", read_kernel_fields, a);
	if (a->end_ns < a->start_ns)
		jfail(r, "end_ns", "before start_ns");
}

static void read_syscall(struct jreader *r, const json_t *o, struct run_model *m)
{
	struct model_syscall *s = VEC_PUSH(m->syscalls, m->n_syscalls, m->cap_syscalls);

	s->tgid = ju32(r, o, "tgid");
	s->nr = ju32(r, o, "nr");
	s->s.count = ju(r, o, "count");
	s->s.errors = ju(r, o, "errors");
	s->s.total_ns = ju(r, o, "total_ns");
	s->s.max_ns = ju(r, o, "max_ns");
	s->s.bytes = ju(r, o, "bytes");
}

/* WK_IRQ and the kind of handler, from "irq" (null or absent: not an interrupt). */
static uint32_t read_irq_kind(struct jreader *r, const json_t *o)
{
	const json_t *irq = json_object_get(o, "irq");

	if (!irq || json_is_null(irq))
		return 0;
	for (uint32_t k = IRQK_HARDIRQ; k < IRQK_COUNT; k++)
		if (json_is_string(irq) && !strcmp(json_string_value(irq), irq_kind_names[k]))
			return WK_IRQ | k << WK_IRQ_KIND_SHIFT;
	jfail(r, "irq", "unknown interrupt kind");
	return 0;
}

/* How the waker woke: its syscall and the WK_* flags (meta.wait_causes; older reports have none). */
static void read_waker_call(struct jreader *r, const json_t *o, struct wakeup_key *k)
{
	const json_t *call = json_object_get(o, "waker_syscall");
	long nr;

	k->waker_nr = SYSCALL_NONE;
	if (call && !json_is_null(call)) {
		nr = syscall_nr(js(r, o, "waker_syscall"));
		if (nr < 0 || nr >= SYSCALL_NONE)
			jfail(r, "waker_syscall", "unknown syscall");
		else
			k->waker_nr = nr;
	}
	k->flags = read_irq_kind(r, o) |
		   (json_object_get(o, "same_address") && jb(r, o, "same_address") ? WK_SAME_ADDR : 0) |
		   (json_object_get(o, "waker_exiting") && jb(r, o, "waker_exiting") ? WK_WAKER_EXITING : 0);
}

static void read_wakeup(struct jreader *r, const json_t *o, struct run_model *m)
{
	struct model_wakeup *w = VEC_PUSH(m->wakeups, m->n_wakeups, m->cap_wakeups);

	w->k.waker_tid = ju32(r, o, "waker_tid");
	w->k.wakee_tid = ju32(r, o, "wakee_tid");
	w->k.wakee_class = jclass(r, o, "wakee_class");
	w->s.waker_tgid = ju32(r, o, "waker_tgid");
	jcopy(r, o, "waker_comm", w->s.waker_comm, sizeof(w->s.waker_comm));
	w->s.count = ju(r, o, "count");
	w->s.waited_ns = ju(r, o, "waited_ns");
	/* reports written before wakeup latencies were measured have none (meta.wakeup_latency false) */
	w->s.latency_ns = json_object_get(o, "latency_ns") ? ju(r, o, "latency_ns") : 0;
	read_waker_call(r, o, &w->k);
}

static int blk_op_by_name(const char *name)
{
	for (int i = 0; i < BLK_OP_COUNT; i++)
		if (strcmp(blk_op_names[i], name) == 0)
			return i;
	return -1;
}

_Static_assert(LAT_BUCKETS == 32, "docs/report-format.md and the schema say latency_log2_ns has 32 counts");

static void read_blk(struct jreader *r, const json_t *o, struct run_model *m)
{
	struct model_blk *b = VEC_PUSH(m->blks, m->n_blks, m->cap_blks);
	int op = blk_op_by_name(js(r, o, "op"));

	if (op < 0)
		jfail(r, "op", "unknown operation");
	b->k.dev = ju32(r, o, "dev");
	b->k.op = op < 0 ? BLK_OTHER : op;
	b->k.attributed = jb(r, o, "attributed");
	b->s.count = ju(r, o, "count");
	b->s.bytes = ju(r, o, "bytes");
	b->s.total_ns = ju(r, o, "total_ns");
	b->s.max_ns = ju(r, o, "max_ns");
	read_counts(r, o, "latency_log2_ns", LAT_BUCKETS, b->s.hist, "not 32 non-negative integers");
}

static void read_disk(struct jreader *r, const json_t *o, struct run_model *m)
{
	struct model_disk *d = VEC_PUSH(m->disks, m->n_disks, m->cap_disks);

	d->dev = ju32(r, o, "dev");
	jcopy(r, o, "name", d->name, sizeof(d->name));
	d->reads = ju(r, o, "reads");
	d->writes = ju(r, o, "writes");
	d->sectors_read = ju(r, o, "sectors_read");
	d->sectors_written = ju(r, o, "sectors_written");
	d->io_ticks_ms = ju(r, o, "io_ticks_ms");
}

static void read_stack_agg(struct jreader *r, const json_t *o, struct run_model *m)
{
	struct model_stack_agg *s = VEC_PUSH(m->stack_aggs, m->n_stack_aggs, m->cap_stack_aggs);

	s->k.tid = ju32(r, o, "tid");
	s->k.tgid = ju32(r, o, "tgid");
	s->k.kstack = jhex(r, o, "kstack");
	s->k.ustack = jhex(r, o, "ustack");
	s->k.pystack = jhex(r, o, "pystack");
	s->k.wait_class = jclass(r, o, "class");
	s->s.count = ju(r, o, "count");
	s->s.ns = ju(r, o, "ns");
}

static void read_stack(struct jreader *r, const json_t *o, struct run_model *m)
{
	struct model_stack *s = VEC_PUSH(m->stacks, m->n_stacks, m->cap_stacks);
	const json_t *ips = jget(r, o, "ips", JSON_ARRAY);

	s->id = jhex(r, o, "id");
	s->depth = ips ? json_array_size(ips) : 0;
	s->ips = xcalloc(s->depth, sizeof(*s->ips));
	for (uint32_t i = 0; i < s->depth && !r->failed; i++)
		if (!parse_hex64(json_string_value(json_array_get(ips, i)), &s->ips[i]))
			jfail(r, "ips", "not a 64-bit lower-case hex address (\"0x...\")");
}

static void read_pystack(struct jreader *r, const json_t *o, struct run_model *m)
{
	struct model_pystack *s = VEC_PUSH(m->pystacks, m->n_pystacks, m->cap_pystacks);
	const json_t *frames = jget(r, o, "frames", JSON_ARRAY);

	s->id = jhex(r, o, "id");
	s->tgid = ju32(r, o, "tgid");
	s->depth = frames ? json_array_size(frames) : 0;
	s->frames = xcalloc(s->depth, sizeof(*s->frames));
	for (uint32_t i = 0; i < s->depth; i++) {
		const char *name = json_string_value(json_array_get(frames, i));

		if (!name)
			jfail(r, "frames", "not a string");
		s->frames[i] = xstrdup(name ? name : "");
	}
}

/* Reads each item of the array KEY of PARENT, an object of the section named OUTER ("report": the
 * top level), with FN; messages name OUTER.KEY.FIELD ("block_io.requests.op"; "threads.tid"). */
static void read_array(struct jreader *r, const json_t *parent, const char *outer, const char *key,
		       void (*fn)(struct jreader *, const json_t *, struct run_model *), struct run_model *m)
{
	const json_t *a;
	char section[64];
	size_t i;
	const json_t *o;

	r->section = outer;
	a = jget(r, parent, key, JSON_ARRAY);
	if (strcmp(outer, "report"))
		snprintf(section, sizeof(section), "%s.%s", outer, key);
	else
		snprintf(section, sizeof(section), "%s", key);
	r->section = section;
	json_array_foreach(a, i, o) {
		if (r->failed)
			break;
		fn(r, o, m);
	}
	r->section = "report";
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Fails on SECTION.KEY when two of the N items of ITEMS (ELEM bytes apart) have the same KEY_OF:
 * one stack or Python stack per id. */
static void check_unique(struct jreader *r, const char *section, const char *key, const void *items, size_t n,
			 size_t elem, uint64_t (*key_of)(const void *))
{
	uint64_t *keys = xcalloc(n, sizeof(*keys));

	r->section = section;
	for (size_t i = 0; i < n; i++)
		keys[i] = key_of((const char *)items + i * elem);
	vec_sort(keys, n, sizeof(*keys), cmp_u64);
	for (size_t i = 1; i < n; i++)
		if (keys[i] == keys[i - 1]) {
			jfail(r, key, "duplicate");
			break;
		}
	r->section = "report";
	free(keys);
}

static uint64_t stack_id(const void *s)
{
	return ((const struct model_stack *)s)->id;
}

static uint64_t pystack_id(const void *s)
{
	return ((const struct model_pystack *)s)->id;
}

/* Reads O, an item of the section's array, an array of 4 numbers (or up to MAX) into V; the fourth
 * is a wait class index into the report's wait_classes, turned into ours. */
static void read_tuple(struct jreader *r, const json_t *o, uint64_t *v, size_t max)
{
	if (!json_is_array(o) || json_array_size(o) < 4 || json_array_size(o) > max) {
		jfail(r, NULL, max > 4 ? "not an array of 4 or 5 numbers" : "not an array of 4 numbers");
		return;
	}
	for (size_t i = 0; i < json_array_size(o); i++) {
		const json_t *x = json_array_get(o, i);

		if (!json_is_integer(x) || json_integer_value(x) < 0)
			jfail(r, NULL, "not a non-negative integer");
		v[i] = json_integer_value(x);
	}
	if (v[3] >= r->n_classes)
		jfail(r, NULL, "unknown wait class index");
	else
		v[3] = r->class_of_index[v[3]];
}

static void read_class_names(struct jreader *r, const json_t *root)
{
	const json_t *names = jget(r, root, "wait_classes", JSON_ARRAY);
	size_t i;

	for (i = 0; names && i < json_array_size(names) && i < REPORT_CLASSES_MAX; i++) {
		int c = json_is_string(json_array_get(names, i)) ?
			wait_class_by_name(json_string_value(json_array_get(names, i))) : -1;

		if (c < 0)
			jfail(r, "wait_classes", "unknown wait class");
		r->class_of_index[i] = c < 0 ? 0 : c;
	}
	r->n_classes = i;
}

static void read_interval(struct jreader *r, const json_t *o, struct run_model *m)
{
	struct model_timeline *tl = &m->timeline;
	uint64_t v[4] = { 0 };

	read_tuple(r, o, v, 4);
	if (v[0] > UINT32_MAX)
		jfail(r, NULL, "tid out of range");
	if (v[2] < v[1])
		jfail(r, NULL, "end before start");
	*VEC_PUSH(tl->intervals, tl->n_intervals, tl->cap_intervals) = (struct model_interval){
		.tid = v[0], .start_ns = v[1], .end_ns = v[2], .wait_class = v[3] };
}

static void read_wake(struct jreader *r, const json_t *o, struct run_model *m)
{
	struct model_timeline *tl = &m->timeline;
	uint64_t v[5] = { 0 };  /* flags: absent in reports before wait causes */

	read_tuple(r, o, v, 5);
	if (v[1] > UINT32_MAX || v[2] > UINT32_MAX)
		jfail(r, NULL, "tid out of range");
	if (v[4] > UINT32_MAX)
		jfail(r, NULL, "flags out of range");
	*VEC_PUSH(tl->wakes, tl->n_wakes, tl->cap_wakes) = (struct model_wake_edge){
		.ts_ns = v[0], .waker_tid = v[1], .wakee_tid = v[2], .wait_class = v[3], .flags = v[4] };
}

/* The thread with TID whose traced life starts at START_NS, or NULL. */
static const struct thread_acct *thread_born_at(const struct run_model *m, uint32_t tid, uint64_t start_ns)
{
	for (size_t i = 0; i < m->n_threads; i++)
		if (m->threads[i].acct.tid == tid && m->threads[i].acct.start_ns == start_ns)
			return &m->threads[i].acct;
	return NULL;
}

/* Each thread's intervals (sorted by tid, then start: model_sort) tile its traced life: the first
 * starts at its start_ns, each starts where the one before ended, the last ends at its end_ns. A
 * tid the kernel reused has the lives of its threads one after the other. */
static void check_intervals(struct jreader *r, const struct run_model *m)
{
	const struct model_interval *iv = m->timeline.intervals, *end;
	const struct thread_acct *a = NULL; /* whose life the intervals so far tile */

	r->section = "timeline";
	if (!m->timeline.n_intervals)
		return;
	for (end = iv + m->timeline.n_intervals; iv < end && !r->failed; iv++) {
		const struct model_interval *prev = iv - 1;

		if (a && a->tid == iv->tid && iv->start_ns == prev->end_ns && prev->end_ns < a->end_ns)
			continue;
		if (a && prev->end_ns != a->end_ns)
			jfail(r, "intervals", "do not tile their thread's life");
		else if (!(a = thread_born_at(m, iv->tid, iv->start_ns)))
			jfail(r, "intervals", "do not tile a thread's life (none of that tid starts there)");
	}
	if (!r->failed && a && end[-1].end_ns != a->end_ns)
		jfail(r, "intervals", "do not tile their thread's life");
}

/* The timeline is optional: only runs recorded with --timeline have one. Reports of schema version
 * 1 held it inline; later ones name the file that holds it, which report_load reads. */
static void read_timeline(struct jreader *r, const json_t *root, int64_t version, struct run_model *m)
{
	const json_t *tl = json_object_get(root, "timeline");

	if (!tl)
		return;
	r->section = "timeline";
	if (version > 1) {
		const char *file = js(r, tl, "file");

		ju(r, tl, "intervals");
		ju(r, tl, "wakes");
		if (!r->failed && (!*file || strchr(file, '/') || !strcmp(file, ".") || !strcmp(file, "..")))
			jfail(r, "file", "not a file name");
		return;
	}
	m->timeline.recorded = true;
	read_array(r, tl, "timeline", "intervals", read_interval, m);
	read_array(r, tl, "timeline", "wakes", read_wake, m);
}

/* Counters FROM..TO by name; each a count. Names of neither (or of the other section) are
 * ignored, and counters a report lacks are 0. */
static void read_counters(struct jreader *r, const json_t *root, const char *key, int from, int to,
			  struct run_model *m)
{
	const json_t *o = jget(r, root, key, JSON_OBJECT);
	const char *outer = r->section;

	r->section = key;
	for (int i = from; o && i < to; i++)
		if (json_object_get(o, counter_names[i]))
			m->counters[i] = ju(r, o, counter_names[i]);
	r->section = outer;
}

static void read_rusage(struct jreader *r, const json_t *root, struct model_rusage *ru)
{
	const json_t *o;

	r->section = "report";
	o = jget(r, root, "rusage", JSON_OBJECT);
	r->section = "rusage";
	ru->valid = jb(r, o, "valid");
	ru->utime_ns = ju(r, o, "utime_ns");
	ru->stime_ns = ju(r, o, "stime_ns");
	ru->nvcsw = ju(r, o, "nvcsw");
	ru->nivcsw = ju(r, o, "nivcsw");
	ru->maxrss_kb = ju(r, o, "maxrss_kb");
}

static void read_sections(struct jreader *r, const json_t *root, int64_t version, struct run_model *m)
{
	const json_t *blk, *stacks;

	read_meta(r, jget(r, root, "meta", JSON_OBJECT), &m->meta);
	r->section = "report";
	read_class_names(r, root);
	read_array(r, root, "report", "processes", read_process, m);
	read_array(r, root, "report", "threads", read_thread, m);
	read_array(r, root, "report", "syscalls", read_syscall, m);
	read_array(r, root, "report", "wakeups", read_wakeup, m);
	blk = jget(r, root, "block_io", JSON_OBJECT);
	read_array(r, blk, "block_io", "requests", read_blk, m);
	read_array(r, blk, "block_io", "disks", read_disk, m);
	stacks = jget(r, root, "stacks", JSON_OBJECT);
	read_array(r, stacks, "stacks", "aggregates", read_stack_agg, m);
	read_array(r, stacks, "stacks", "frames", read_stack, m);
	check_unique(r, "stacks.frames", "id", m->stacks, m->n_stacks, sizeof(*m->stacks), stack_id);
	read_array(r, stacks, "stacks", "python", read_pystack, m);
	check_unique(r, "stacks.python", "id", m->pystacks, m->n_pystacks, sizeof(*m->pystacks), pystack_id);
	read_rusage(r, root, &m->rusage);
	r->section = "report";
	read_counters(r, root, "events", 0, CNT_EVENTS_END, m);
	read_counters(r, root, "drops", CNT_EVENTS_END, CNT_COUNT, m);
	read_timeline(r, root, version, m);
}

int model_from_json(const json_t *root, struct run_model *m, char *err, size_t errlen)
{
	struct jreader r = { .err = err, .errlen = errlen, .section = "report" };
	const char *schema;
	int64_t version;

	model_init(m);
	schema = json_string_value(json_object_get(root, "schema"));
	if (!schema || strcmp(schema, "conctrace-report")) {
		snprintf(err, errlen, "not a conctrace report (no \"schema\": \"conctrace-report\")");
		return -1;
	}
	version = jrange(&r, root, "schema_version", INT64_MIN, INT64_MAX);
	if (!r.failed && (version < 1 || version > REPORT_SCHEMA_VERSION)) {
		snprintf(err, errlen, "schema_version %lld is not supported (this conctrace reads 1 to %d)",
			 (long long)version, REPORT_SCHEMA_VERSION);
		return -1;
	}
	read_sections(&r, root, version, m);
	if (!r.failed) {
		model_sort(m);   /* lookups by id, tid and time rely on it, whatever order the file had */
		check_intervals(&r, m);
	}
	if (r.failed) {
		model_free(m);
		return -1;
	}
	return 0;
}

static void drop_timeline(struct model_timeline *tl)
{
	free(tl->intervals);
	free(tl->wakes);
	memset(tl, 0, sizeof(*tl));
}

/* The timeline file the report ROOT at PATH names, into M, checked as a timeline held inline is. A
 * missing, damaged or foreign file leaves M without a timeline, as a run recorded without one,
 * after a one-line warning. */
static void load_timeline_file(const char *path, const json_t *root, struct run_model *m)
{
	const json_t *tl = json_object_get(root, "timeline");
	const char *slash = strrchr(path, '/');
	long long intervals = json_integer_value(json_object_get(tl, "intervals"));
	long long wakes = json_integer_value(json_object_get(tl, "wakes"));
	char file[4096], err[4096 + 512], why[256];
	/* the classes as the report numbers them (model_from_json checked their names) */
	struct jreader r = { .err = why, .errlen = sizeof(why), .section = "report" };
	struct class_map classes = { r.class_of_index, 0 };

	if (!tl || m->timeline.recorded)  /* none, or held inline (schema version 1) */
		return;
	read_class_names(&r, root);
	classes.n = r.n_classes;
	snprintf(file, sizeof(file), "%.*s%s", slash ? (int)(slash - path + 1) : 0, path,
		 json_string_value(json_object_get(tl, "file")));
	if (timeline_file_load(file, &classes, &m->timeline, err, sizeof(err)))
		goto warn;
	if (m->timeline.n_intervals != (size_t)intervals || m->timeline.n_wakes != (size_t)wakes) {
		snprintf(err, sizeof(err), "%s: not this report's timeline (%zu intervals and %zu wakeups, the "
			 "report says %lld and %lld)", file, m->timeline.n_intervals, m->timeline.n_wakes,
			 intervals, wakes);
		goto drop;
	}
	r.section = "timeline";
	check_intervals(&r, m);
	if (!r.failed)
		return;
	snprintf(err, sizeof(err), "%s: %s", file, why);
drop:
	drop_timeline(&m->timeline);
warn:
	errmsg("warning: %s; reading the report without its timeline (no critical path)", err);
}

int report_load(const char *path, struct run_model *m, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	char why[256];
	int rc;

	if (!root) {
		snprintf(err, errlen, "%s: line %d: %s", path, jerr.line, jerr.text);
		return -1;
	}
	rc = model_from_json(root, m, why, sizeof(why));
	if (rc)
		snprintf(err, errlen, "%s: %s", path, why);
	else
		load_timeline_file(path, root, m);
	json_decref(root);
	return rc;
}
