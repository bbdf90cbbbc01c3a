/* Findings on hand-built models shaped like what the tracer records for programs with one
 * bottleneck each (the wakeup edges and classes seen in real recordings): the first finding must
 * name the bottleneck with its count, and nothing that explains less than the threshold. Without a
 * timeline the path is estimated from the aggregates; the last tests check that estimate. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/estpath.h"
#include "analyze/findings.h"
#include "base/util.h"
#include "hand_model.h"
#include "model/timeline.h"

#define IRQ(kind) (WK_IRQ | (kind) << WK_IRQ_KIND_SHIFT)

/* A model whose wakeups carry their causes, as the tracer records them. */
static void new_traced_model(struct run_model *m, uint32_t root, const char *comm)
{
	new_model(m, root, comm);
	m->meta.wait_causes = true;
}

static struct model_process *add_process(struct run_model *m, uint32_t pid, const char *exe,
					 uint64_t start_ms, uint64_t end_ms)
{
	struct model_process *p = model_add_process(m, pid);

	p->ppid = m->meta.root_pid;
	p->exe = exe ? xstrdup(exe) : NULL;
	p->cmdline = exe ? xstrdup(exe) : NULL;
	snprintf(p->comm, sizeof(p->comm), "%.15s", exe ? strrchr(exe, '/') + 1 : "prog");
	p->start_ns = start_ms * MS;
	p->end_ns = end_ms * MS;
	return p;
}

/* A thread of process TGID living [START_MS, END_MS), its time split as the pairs (class, ms) say
 * until a class of -1; each class entered once per ENTRIES. */
static struct thread_acct *add_thread(struct run_model *m, uint32_t tid, uint32_t tgid, uint64_t start_ms,
				      uint64_t end_ms, uint64_t entries, ...)
{
	struct thread_acct t = { .tid = tid, .tgid = tgid, .start_ns = start_ms * MS, .end_ns = end_ms * MS };
	va_list ap;
	int class;

	snprintf(t.comm, sizeof(t.comm), "%s", model_find_process(m, tgid)->comm);
	va_start(ap, entries);
	while ((class = va_arg(ap, int)) >= 0) {
		t.ns[class] += va_arg(ap, uint64_t) * MS;
		t.blocks[class] = entries;
	}
	va_end(ap);
	return &model_add_thread(m, &t)->acct;
}

static void add_wakeup(struct run_model *m, uint32_t waker, uint32_t wakee, int class, uint64_t count,
		       uint64_t waited_ms, uint32_t flags)
{
	struct model_wakeup *w = VEC_PUSH(m->wakeups, m->n_wakeups, m->cap_wakeups);
	const struct thread_acct *a = model_find_thread(m, waker);

	w->k = (struct wakeup_key){ .waker_tid = waker, .wakee_tid = wakee, .wakee_class = class,
				    .waker_nr = SYSCALL_NONE, .flags = flags };
	w->s.count = count;
	w->s.waited_ns = waited_ms * MS;
	w->s.waker_tgid = a ? a->tgid : 0;
	snprintf(w->s.waker_comm, sizeof(w->s.waker_comm), "%s", a ? a->comm : "[interrupt]");
}

static struct explanation *explain(const struct run_model *m)
{
	struct explanation *e = xcalloc(1, sizeof(*e));

	explain_run(m, e);
	return e;
}

static double evidence_of(const struct finding *f, const char *name)
{
	double v = 0;

	cr_assert(finding_evidence(f, name, &v), "%s has no evidence %s", f->name, name);
	return v;
}

/* M's first finding, which must be NAME and must explain at least MIN_S; its explanation in *E. */
static const struct finding *first(const struct run_model *m, const char *name, double min_s,
				   struct explanation **e)
{
	*e = explain(m);
	cr_assert_gt((*e)->n_findings, 0, "no finding, expected %s (%s)", name, (*e)->path_summary);
	cr_assert_str_eq((*e)->findings[0].name, name, "first finding %s: %s", (*e)->findings[0].name,
			 (*e)->findings[0].text);
	cr_assert_geq((*e)->findings[0].explained_s, min_s, "%s explains %.3f s", name,
		      (*e)->findings[0].explained_s);
	cr_assert((*e)->findings[0].headline[0] && (*e)->findings[0].advice[0]);
	return &(*e)->findings[0];
}

/* Sequential requests: the main thread waits on the network 20 times, 45 ms each. */
Test(findings, sequential_requests_are_network_bound)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;

	new_traced_model(&m, 10, "python3");
	add_thread(&m, 10, 10, 0, 1000, 20, WC_ONCPU, 100ULL, WC_NET, 900ULL, -1);
	add_wakeup(&m, 0, 10, WC_NET, 20, 900, IRQ(IRQK_NET));
	f = first(&m, "network-bound", 0.89, &e);
	cr_assert_float_eq(evidence_of(f, "waits"), 20, 1e-6);
	cr_assert_float_eq(evidence_of(f, "in_flight"), 1, 1e-6);
	cr_assert(strstr(f->text, "20 network responses, 45 ms each"), "%s", f->text);
	cr_assert(strstr(f->advice, "Overlap the requests"), "%s", f->advice);
	cr_assert_null(explanation_finding(e, "cpu-bound-single-thread"));
	free(e);
	model_free(&m);
}

/* An event loop waiting in epoll for responses that came in as network interrupts: the network,
 * not an idle loop and not the kernel. */
Test(findings, an_event_loop_waiting_for_packets_waits_for_the_network)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;

	new_traced_model(&m, 11, "python3");
	add_thread(&m, 11, 11, 0, 1000, 50, WC_ONCPU, 200ULL, WC_LOOP_IDLE, 800ULL, -1);
	add_wakeup(&m, 0, 11, WC_LOOP_IDLE, 50, 800, IRQ(IRQK_NET));
	*VEC_PUSH(m.syscalls, m.n_syscalls, m.cap_syscalls) = (struct model_syscall){ .tgid = 11,
		.nr = (uint32_t)syscall_nr("epoll_wait"), .s = { .count = 50 } };
	f = first(&m, "network-bound", 0.79, &e);
	/* the loop overlaps its requests: no claim of one at a time */
	cr_assert_float_eq(evidence_of(f, "event_loop"), 1, 1e-9);
	cr_assert(strstr(f->advice, "already overlap in the event loop"), "%s", f->advice);
	free(e);
	model_free(&m);
}

/* Two threads of one program stream 200 MB to each other over loopback TCP: their sockets' waits end
 * by network interrupts, but the tree sent and received the same bytes: IPC, not a remote end. */
Test(findings, the_tree_s_own_sockets_talking_are_ipc_not_the_network)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;
	struct thread_acct *t;

	new_traced_model(&m, 12, "python3");
	add_thread(&m, 12, 12, 0, 1000, 1, WC_ONCPU, 10ULL, WC_LOCK, 990ULL, -1);
	t = add_thread(&m, 13, 12, 0, 1000, 800, WC_ONCPU, 300ULL, WC_NET, 700ULL, -1);
	t->io[FK_NET][1] = (struct io_stat){ 3200, 200000000 };
	t = add_thread(&m, 14, 12, 0, 1000, 800, WC_ONCPU, 300ULL, WC_NET, 700ULL, -1);
	t->io[FK_NET][0] = (struct io_stat){ 3200, 200000000 };
	add_wakeup(&m, 13, 12, WC_LOCK, 1, 990, WK_WAKER_EXITING);
	add_wakeup(&m, 0, 13, WC_NET, 800, 700, IRQ(IRQK_NET));
	add_wakeup(&m, 0, 14, WC_NET, 800, 700, IRQ(IRQK_NET));
	f = first(&m, "ipc-bound", 0.6, &e);
	cr_assert_float_eq(evidence_of(f, "local_socket_mb"), 200, 1e-9);
	cr_assert_null(explanation_finding(e, "network-bound"));
	free(e);
	model_free(&m);
}

/* The main thread waits on a pool of one thread, which sleeps 100 ms per job, 9 jobs. */
Test(findings, a_pool_of_one_over_sleeps_has_no_concurrency)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;

	new_traced_model(&m, 20, "python3");
	add_thread(&m, 20, 20, 0, 1000, 9, WC_ONCPU, 50ULL, WC_LOCK, 950ULL, -1);
	add_thread(&m, 21, 20, 0, 1000, 9, WC_ONCPU, 50ULL, WC_TIMER, 900ULL, WC_LOCK, 50ULL, -1);
	add_wakeup(&m, 21, 20, WC_LOCK, 9, 950, 0);
	add_wakeup(&m, 20, 21, WC_LOCK, 1, 50, 0);
	add_wakeup(&m, 0, 21, WC_TIMER, 9, 900, IRQ(IRQK_TIMER));
	f = first(&m, "no-concurrency", 0.9, &e);
	cr_assert_float_eq(evidence_of(f, "waits"), 9, 0.5, "%g", evidence_of(f, "waits"));
	cr_assert(strstr(f->headline, "timer waits ran one at a time"), "%s", f->headline);
	cr_assert_str_eq(explanation_finding(e, "timer-bound")->part_of, "no-concurrency");
	free(e);
	model_free(&m);
}

/* The same sleeps in four threads at once are concurrent: timers, not a pool of one. */
Test(findings, sleeps_that_overlap_are_timer_bound)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;

	new_traced_model(&m, 30, "python3");
	add_thread(&m, 30, 30, 0, 1000, 1, WC_ONCPU, 50ULL, WC_LOCK, 950ULL, -1);
	for (uint32_t tid = 31; tid <= 34; tid++) {
		add_thread(&m, tid, 30, 0, 1000, 5, WC_ONCPU, 10ULL, WC_TIMER, 990ULL, -1);
		add_wakeup(&m, 0, tid, WC_TIMER, 5, 990, IRQ(IRQK_TIMER));
	}
	add_wakeup(&m, 31, 30, WC_LOCK, 1, 950, 0);
	f = first(&m, "timer-bound", 0.9, &e);
	cr_assert_null(explanation_finding(e, "no-concurrency"));
	cr_assert_float_eq(evidence_of(f, "sleeping_at_once"), 3960.0 / 940, 0.1);
	/* threads that each sleep in turn are no pool the sleeps queued for */
	cr_assert(!strncmp(f->text, "Sleeping: ", 10), "%s", f->text);
	free(e);
	model_free(&m);
}

/* An event loop runs 60 blocking sleeps of 90 ms through its default executor of 6 threads
 * (run_in_executor): each finished job writes a byte to the loop's self-pipe. Six sleep at once, ten
 * rounds: the pool's size bounds the overlap. */
Test(findings, blocking_sleeps_filling_an_event_loop_s_pool_are_its_size)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;
	struct thread_acct *t;

	new_traced_model(&m, 35, "python3");
	model_process(&m, 35)->python = xstrdup("3.11");
	add_thread(&m, 35, 35, 0, 1000, 60, WC_ONCPU, 60ULL, WC_LOOP_IDLE, 940ULL, -1);
	for (uint32_t tid = 36; tid <= 41; tid++) {
		t = add_thread(&m, tid, 35, 20, 1000, 10, WC_ONCPU, 20ULL, WC_TIMER, 900ULL, WC_LOCK, 60ULL, -1);
		t->io[FK_PIPE][1] = (struct io_stat){ 10, 10 };
		add_wakeup(&m, 0, tid, WC_TIMER, 10, 900, IRQ(IRQK_TIMER));
		add_wakeup(&m, 35, tid, WC_LOCK, 10, 60, 0);
	}
	add_wakeup(&m, 36, 35, WC_LOOP_IDLE, 60, 940, 0);
	f = first(&m, "timer-bound", 0.85, &e);
	cr_assert_float_eq(evidence_of(f, "pool_threads"), 6, 1e-9);
	cr_assert(strstr(f->text, "60 blocking sleeps ran on a pool of 6 threads"), "%s", f->text);
	cr_assert(strstr(f->advice, "max_workers"), "%s", f->advice);
	free(e);
	model_free(&m);
}

/* Two Python threads computing and handing items through a queue: they take turns on its lock and
 * on the GIL alike; the GIL, which takes the CPU from a lock's holder, is named first. */
Test(findings, python_threads_serialised_by_the_gil_and_a_queue_are_gil_bound_first)
{
	struct run_model m;
	struct explanation *e;

	new_traced_model(&m, 80, "python3");
	model_process(&m, 80)->python = xstrdup("3.11");
	add_thread(&m, 80, 80, 0, 1000, 1, WC_ONCPU, 10ULL, WC_OTHER_SLEEP, 990ULL, -1);
	for (uint32_t tid = 81; tid <= 82; tid++) {
		add_thread(&m, tid, 80, 0, 1000, 1000, WC_ONCPU, 400ULL, WC_GIL, 400ULL, WC_LOCK, 200ULL, -1);
		add_wakeup(&m, tid == 81 ? 82 : 81, tid, WC_GIL, 1000, 400, 0);
		add_wakeup(&m, tid == 81 ? 82 : 81, tid, WC_LOCK, 1000, 200, 0);
	}
	add_wakeup(&m, 81, 80, WC_OTHER_SLEEP, 1, 990, WK_WAKER_EXITING);
	first(&m, "gil-bound", 0.5, &e);
	cr_assert_not_null(explanation_finding(e, "lock-contention"));
	free(e);
	model_free(&m);
}

/* An asyncio loop hands 20,000 file writes to 4 executor threads: each finished job writes to the
 * loop's self-pipe; executors wait for work (one way) and for the GIL. */
static void aiofiles_like(struct run_model *m)
{
	struct thread_acct *ex;
	struct model_disk *d;

	new_traced_model(m, 40, "python3");
	model_process(m, 40)->python = xstrdup("3.11");
	add_thread(m, 40, 40, 0, 1000, 1000, WC_ONCPU, 500ULL, WC_RUNQUEUE, 100ULL, WC_LOOP_IDLE, 300ULL,
		   WC_GIL, 100ULL, -1);
	add_wakeup(m, 41, 40, WC_LOOP_IDLE, 1000, 300, 0);
	for (uint32_t tid = 41; tid <= 44; tid++) {
		ex = add_thread(m, tid, 40, 0, 1000, 5000, WC_ONCPU, 150ULL, WC_RUNQUEUE, 100ULL, WC_GIL, 350ULL,
				WC_LOCK, 400ULL, -1);
		ex->io[FK_PIPE][1].calls = 5000;
		ex->io[FK_FILE][1] = (struct io_stat){ 5000, 500000 };
		add_wakeup(m, 40, tid, WC_LOCK, 4000, 400, 0);
		add_wakeup(m, tid == 44 ? 41 : tid + 1, tid, WC_GIL, 5000, 350, 0);
	}
	d = VEC_PUSH(m->disks, m->n_disks, m->cap_disks);
	d->io_ticks_ms = 3;
}

Test(findings, per_call_executor_jobs_are_thread_pool_round_trips)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;

	aiofiles_like(&m);
	f = first(&m, "thread-pool-handoff", 0.8, &e);
	cr_assert_float_eq(evidence_of(f, "jobs"), 20000, 1e-6);
	cr_assert_float_eq(evidence_of(f, "cpu_per_job_us"), 1e6 * 1.1 / 20000, 1e-6);
	cr_assert(strstr(f->text, "20,000 file operations each went from the event loop to one of its executor"),
		  "%s", f->text);
	cr_assert(strstr(f->text, "The disk was idle"), "%s", f->text);
	cr_assert(strstr(f->advice, "aiofiles"), "%s", f->advice);
	/* executors waiting for work from the loop are no lock contention */
	cr_assert_null(explanation_finding(e, "lock-contention"));
	free(e);
	model_free(&m);
}

/* A process pool handed 20,000 tiny tasks (ProcessPoolExecutor.map, chunksize 1): in the parent, a
 * feeder thread writes each call to the workers' pipe and a result thread reads each answer, waking
 * the main thread; two workers answer. The pool's threads pass messages between processes. */
static void process_pool_of_tiny_tasks(struct run_model *m)
{
	struct thread_acct *t;

	new_traced_model(m, 60, "python3");
	model_process(m, 60)->python = xstrdup("3.11");
	t = add_thread(m, 60, 60, 0, 1000, 8000, WC_ONCPU, 200ULL, WC_LOCK, 700ULL, WC_GIL, 100ULL, -1);
	t->io[FK_PIPE][1] = (struct io_stat){ 20000, 80000 };    /* wake-ups of its own result thread */
	t = add_thread(m, 61, 60, 0, 1000, 6000, WC_ONCPU, 400ULL, WC_PIPE, 300ULL, WC_GIL, 150ULL,
		       WC_RUNQUEUE, 150ULL, -1);
	t->io[FK_PIPE][0] = (struct io_stat){ 40000, 3400000 };
	t = add_thread(m, 62, 60, 0, 1000, 6000, WC_ONCPU, 300ULL, WC_LOCK, 500ULL, WC_RUNQUEUE, 200ULL, -1);
	t->io[FK_PIPE][1] = (struct io_stat){ 20000, 3400000 };
	for (uint32_t pid = 63; pid <= 64; pid++) {
		add_process(m, pid, "/usr/bin/python3", 0, 1000);
		t = add_thread(m, pid, pid, 0, 1000, 5000, WC_ONCPU, 200ULL, WC_PIPE, 700ULL, WC_RUNQUEUE, 100ULL, -1);
		t->io[FK_PIPE][1] = (struct io_stat){ 10000, 1700000 };
		add_wakeup(m, 62, pid, WC_PIPE, 5000, 700, 0);
		add_wakeup(m, pid, 61, WC_PIPE, 3000, 150, 0);
	}
	add_wakeup(m, 60, 61, WC_PIPE, 2000, 0, 0);
	add_wakeup(m, 61, 60, WC_LOCK, 8000, 700, 0);
	add_wakeup(m, 60, 61, WC_LOCK, 4000, 0, 0);
	add_wakeup(m, 61, 62, WC_LOCK, 6000, 500, 0);
}

/* Their cost is the round trips: 20,000 of them, not a thread pool of the parent and not a lock its
 * main thread contends for. */
Test(findings, a_process_pool_of_tiny_tasks_is_its_round_trips)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;

	process_pool_of_tiny_tasks(&m);
	f = first(&m, "ipc-bound", 0.8, &e);
	cr_assert_float_eq(evidence_of(f, "round_trips"), 20000, 1e-6);
	cr_assert(strstr(f->text, "sent 20,000 messages to other processes of the tree and got 20,000 back"),
		  "%s", f->text);
	cr_assert(strstr(f->advice, "chunksize"), "%s", f->advice);
	cr_assert_null(explanation_finding(e, "thread-pool-handoff"));
	cr_assert_null(explanation_finding(e, "lock-contention"));
	free(e);
	model_free(&m);
}

/* The same traffic with 2 ms of CPU per round trip is the work's, not the messages'. */
Test(findings, round_trips_carrying_much_work_are_not_ipc_bound)
{
	struct run_model m;
	struct explanation *e;

	process_pool_of_tiny_tasks(&m);
	for (size_t i = 0; i < m.n_threads; i++)
		m.threads[i].acct.ns[WC_ONCPU] *= 40;
	e = explain(&m);
	cr_assert_null(explanation_finding(e, "ipc-bound"));
	free(e);
	model_free(&m);
}

/* Threads of process 50 take turns on a mutex: each wakes the others as it releases it. */
static void mutex_turns(struct run_model *m, const char *comm, int class, uint64_t handovers)
{
	new_traced_model(m, 50, comm);
	add_thread(m, 50, 50, 0, 1000, 1, WC_LOCK, 1000ULL, -1);
	for (uint32_t tid = 51; tid <= 53; tid++) {
		add_thread(m, tid, 50, 0, 1000, handovers, WC_ONCPU, 400ULL, class, 600ULL, -1);
		for (uint32_t other = 51; other <= 53; other++)
			if (other != tid)
				add_wakeup(m, other, tid, class, handovers / 2, 300, 0);
	}
	add_wakeup(m, 51, 50, WC_LOCK, 1, 1000, WK_WAKER_EXITING);
}

Test(findings, threads_taking_turns_on_a_mutex_contend)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;

	mutex_turns(&m, "prog", WC_LOCK, 1000);
	f = first(&m, "lock-contention", 0.9, &e);
	cr_assert_float_eq(evidence_of(f, "handovers"), 3000, 1e-6);
	cr_assert(strstr(f->text, "handed it to each other 3,000 times"), "%s", f->text);
	free(e);
	model_free(&m);
	mutex_turns(&m, "prog", WC_LOCK, 10);   /* 15 hand-overs a second: threads met, not contention */
	e = explain(&m);
	cr_assert_null(explanation_finding(e, "lock-contention"));
	free(e);
	model_free(&m);
}

Test(findings, python_threads_taking_turns_on_the_gil_are_gil_bound)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;

	mutex_turns(&m, "python3", WC_GIL, 1000);
	model_process(&m, 50)->gil_switches = 2500;
	f = first(&m, "gil-bound", 0.9, &e);
	cr_assert_float_eq(evidence_of(f, "gil_data"), 1, 1e-9);
	cr_assert(strstr(f->text, "the GIL changed hands 2500 times"), "%s", f->text);
	free(e);
	model_free(&m);
}

/* One main thread on a CPU nearly all the time. */
Test(findings, one_busy_thread_is_cpu_bound)
{
	struct run_model m;
	struct explanation *e;

	new_traced_model(&m, 60, "python3");
	add_thread(&m, 60, 60, 0, 1000, 10, WC_ONCPU, 960ULL, WC_RUNQUEUE, 40ULL, -1);
	first(&m, "cpu-bound-single-thread", 0.95, &e);
	cr_assert_null(explanation_finding(e, "disk-not-bottleneck"), "a program that wrote no file");
	cr_assert_null(explanation_finding(e, "cpu-contention"), "40 ms of queueing is under the threshold");
	free(e);
	model_free(&m);
}

/* The parent waits for one child process that computes: the child's CPU, not a pool of one. */
Test(findings, a_parent_waiting_for_a_busy_child_is_cpu_bound_in_the_child)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;

	new_traced_model(&m, 70, "python3");
	add_process(&m, 71, "/usr/bin/python3", 10, 990);
	add_thread(&m, 70, 70, 0, 1000, 1, WC_ONCPU, 20ULL, WC_CHILD, 980ULL, -1);
	add_thread(&m, 71, 71, 10, 990, 5, WC_ONCPU, 970ULL, WC_RUNQUEUE, 10ULL, -1);
	add_wakeup(&m, 71, 70, WC_CHILD, 1, 980, WK_WAKER_EXITING);
	f = first(&m, "cpu-bound-single-thread", 0.9, &e);
	cr_assert(strstr(f->text, "thread 71 of process 71"), "%s", f->text);
	cr_assert_null(explanation_finding(e, "no-concurrency"));
	free(e);
	model_free(&m);
}

/* fsync after every write: the device ends each wait. */
Test(findings, an_fsync_loop_is_disk_bound)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;
	struct model_disk *d;
	struct thread_acct *t;

	new_traced_model(&m, 80, "prog");
	t = add_thread(&m, 80, 80, 0, 1000, 500, WC_ONCPU, 100ULL, WC_DISK, 900ULL, -1);
	t->io[FK_FILE][1] = (struct io_stat){ 500, 2000000 };
	add_wakeup(&m, 0, 80, WC_DISK, 500, 900, IRQ(IRQK_BLOCK));
	*VEC_PUSH(m.syscalls, m.n_syscalls, m.cap_syscalls) = (struct model_syscall){ .tgid = 80,
		.nr = (uint32_t)syscall_nr("fsync"), .s = { .count = 500 } };
	d = VEC_PUSH(m.disks, m.n_disks, m.cap_disks);
	d->io_ticks_ms = 850;
	f = first(&m, "disk-bound", 0.89, &e);
	cr_assert_float_eq(evidence_of(f, "waits"), 500, 1e-6);
	cr_assert_float_eq(evidence_of(f, "syncs"), 500, 1e-6);
	free(e);
	model_free(&m);
}

/* 20 programs started one after another, 45 ms each, the parent waiting for each. */
Test(findings, a_program_per_item_is_process_start_up)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;

	new_traced_model(&m, 90, "python3");
	add_thread(&m, 90, 90, 0, 1000, 20, WC_ONCPU, 100ULL, WC_CHILD, 900ULL, -1);
	for (uint32_t i = 0; i < 20; i++) {
		uint32_t pid = 100 + i;

		add_process(&m, pid, "/usr/bin/python3", 50 * i, 50 * i + 45);
		add_thread(&m, pid, pid, 50 * i, 50 * i + 45, 1, WC_ONCPU, 40ULL, WC_RUNQUEUE, 5ULL, -1);
		add_wakeup(&m, pid, 90, WC_CHILD, 1, 45, WK_WAKER_EXITING);
	}
	f = first(&m, "process-startup", 0.85, &e);
	cr_assert_float_eq(evidence_of(f, "processes"), 20, 1e-9);
	cr_assert_float_eq(evidence_of(f, "median_life_ms"), 45, 1e-6);
	cr_assert(strstr(f->headline, "20 programs started (45 ms each"), "%s", f->headline);
	free(e);
	model_free(&m);
}

/* A loop whose callbacks call time.sleep: with a timeline, stretches without idling. */
Test(findings, blocking_sleeps_in_callbacks_block_the_loop)
{
	struct timeline_event ev[] = {
		{ .ts_ns = 100 * MS, .tid = 110, .type = TL_SWITCH_OUT, .wait_class = WC_TIMER },
		{ .ts_ns = 900 * MS, .tid = 110, .type = TL_WAKEUP, .wait_class = WC_TIMER,
		  .flags = IRQK_TIMER << 3 | 1 },
		{ .ts_ns = 900 * MS, .tid = 110, .type = TL_SWITCH_IN, .wait_class = WC_ONCPU },
		{ .ts_ns = 950 * MS, .tid = 110, .type = TL_SWITCH_OUT, .wait_class = WC_LOOP_IDLE },
		{ .ts_ns = 990 * MS, .tid = 110, .type = TL_WAKEUP, .wait_class = WC_LOOP_IDLE },
		{ .ts_ns = 990 * MS, .tid = 110, .type = TL_SWITCH_IN, .wait_class = WC_ONCPU },
	};
	struct run_model m;
	struct explanation *e;
	const struct finding *f;

	new_traced_model(&m, 110, "python3");
	add_thread(&m, 110, 110, 0, 1000, 1, WC_ONCPU, 160ULL, WC_TIMER, 800ULL, WC_LOOP_IDLE, 40ULL, -1);
	*VEC_PUSH(m.syscalls, m.n_syscalls, m.cap_syscalls) = (struct model_syscall){ .tgid = 110,
		.nr = (uint32_t)syscall_nr("epoll_wait"), .s = { .count = 40 } };
	timeline_build(&m, ev, ARRAY_LEN(ev));
	f = first(&m, "loop-blocked", 0.94, &e);
	cr_assert_float_eq(evidence_of(f, "stretches"), 1, 1e-9);
	cr_assert_float_eq(evidence_of(f, "longest_s"), 0.95, 1e-9);
	cr_assert_str_eq(e->d.method, EXPLAIN_METHOD_PATH);
	free(e);
	model_free(&m);
}

/* Most of a thread's path time waiting for CPUs the run itself did not fill: other processes. */
Test(findings, cpus_taken_by_others_are_contention_not_saturation)
{
	struct run_model m;
	struct explanation *e;
	struct thread_acct *t;

	new_traced_model(&m, 120, "prog");
	t = add_thread(&m, 120, 120, 0, 1000, 300, WC_ONCPU, 300ULL, WC_RUNQUEUE, 700ULL, -1);
	t->queued_behind_others_ns = 700 * MS;
	first(&m, "cpu-contention", 0.69, &e);
	cr_assert_null(explanation_finding(e, "runqueue-saturation"));
	free(e);
	t = (struct thread_acct *)model_find_thread(&m, 120);
	t->queued_behind_others_ns = 100 * MS;   /* queued behind the run's own threads, mostly */
	e = explain(&m);
	cr_assert_null(explanation_finding(e, "cpu-contention"), "no other process to blame");
	free(e);
	model_free(&m);
	new_traced_model(&m, 121, "prog");   /* four busy threads for two CPUs: the run's own */
	add_thread(&m, 121, 121, 0, 1000, 1, WC_LOCK, 1000ULL, -1);
	for (uint32_t tid = 122; tid <= 125; tid++)
		add_thread(&m, tid, 121, 0, 1000, 100, WC_ONCPU, 500ULL, WC_RUNQUEUE, 500ULL, -1);
	add_wakeup(&m, 122, 121, WC_LOCK, 1, 1000, WK_WAKER_EXITING);
	e = explain(&m);
	cr_assert(explanation_finding(e, "runqueue-saturation"), "%s", e->n_findings ? e->findings[0].name : "-");
	cr_assert_null(explanation_finding(e, "cpu-contention"));
	free(e);
	model_free(&m);
}

/* Waking onto an idle CPU is the wake-up's latency, not the CPUs being busy. */
Test(findings, wake_ups_onto_idle_cpus_are_wakeup_latency)
{
	struct run_model m;
	struct explanation *e;
	const struct finding *f;

	new_traced_model(&m, 130, "prog");
	add_thread(&m, 130, 130, 0, 1000, 5000, WC_ONCPU, 300ULL, WC_WAKEUP, 200ULL, WC_DISK, 500ULL, -1);
	add_wakeup(&m, 0, 130, WC_DISK, 5000, 500, IRQ(IRQK_BLOCK));
	e = explain(&m);
	f = explanation_finding(e, "wakeup-latency");
	cr_assert_not_null(f);
	cr_assert_float_eq(evidence_of(f, "mean_latency_us"), 40, 1e-6);
	cr_assert_null(explanation_finding(e, "cpu-contention"));
	free(e);
	model_free(&m);
}

/* Below the threshold nothing is said, and a note never stands alone. */
Test(findings, nothing_is_a_finding_because_nothing_else_fired)
{
	struct run_model m;
	struct explanation *e;
	struct thread_acct *t;

	new_traced_model(&m, 140, "prog");   /* half on a CPU, half waiting on another process */
	t = add_thread(&m, 140, 140, 0, 1000, 10, WC_ONCPU, 450ULL, WC_OTHER_SLEEP, 550ULL, -1);
	t->io[FK_FILE][1] = (struct io_stat){ 100, 50000000 };
	e = explain(&m);
	for (size_t i = 0; i < e->n_findings; i++)
		cr_assert_gt(e->findings[i].explained_s, 0.099, "%s %.3f", e->findings[i].name,
			     e->findings[i].explained_s);
	cr_assert(!e->n_findings || strcmp(e->findings[0].name, "disk-not-bottleneck"));
	cr_assert(strstr(e->path_summary, "other-sleep"), "%s", e->path_summary);
	free(e);
	model_free(&m);
}

/* The estimated path follows a wait to the thread that ended it, splits it as that thread's own
 * time is split, and leaves out that thread's waits for the one waiting on it. */
Test(estimate, follows_the_waker_and_tiles_the_wall)
{
	struct run_model m;
	struct critical_path p;
	uint64_t sum = 0;

	new_traced_model(&m, 150, "prog");
	add_thread(&m, 150, 150, 0, 1000, 1, WC_ONCPU, 200ULL, WC_LOCK, 800ULL, -1);
	add_thread(&m, 151, 150, 0, 1000, 4, WC_ONCPU, 100ULL, WC_TIMER, 700ULL, WC_LOCK, 200ULL, -1);
	add_wakeup(&m, 151, 150, WC_LOCK, 4, 800, 0);
	add_wakeup(&m, 150, 151, WC_LOCK, 4, 200, 0);   /* waiting for work from 150 */
	add_wakeup(&m, 0, 151, WC_TIMER, 4, 700, IRQ(IRQK_TIMER));
	cr_assert(critical_path_estimate(&m, &p));
	cr_assert(p.estimated);
	for (size_t i = 0; i < p.n_segments; i++)
		sum += p.segments[i].end_ns - p.segments[i].start_ns;
	cr_assert_eq(sum, WALL);
	cr_assert_eq(p.segments[p.n_segments - 1].end_ns, WALL);
	/* 800 ms of waiting split as 151's 800 ms without its 200 ms wait for 150: 1/8 CPU, 7/8 timer */
	cr_assert_eq(p.class_ns[WC_ONCPU], 300 * MS);
	cr_assert_eq(p.class_ns[WC_TIMER], 700 * MS);
	cr_assert_eq(p.node_ns[GN_TIMER], 700 * MS);
	cr_assert_eq(p.class_ns[WC_LOCK], 0);
	critical_path_free(&p);
	model_free(&m);
}

Test(estimate, without_a_timeline_the_method_says_estimated)
{
	struct run_model m;
	struct explanation *e;

	new_traced_model(&m, 160, "prog");
	add_thread(&m, 160, 160, 0, 1000, 1, WC_ONCPU, 1000ULL, -1);
	e = explain(&m);
	cr_assert_str_eq(e->d.method, EXPLAIN_METHOD_ESTIMATE);
	cr_assert(strstr(e->path_summary, "estimated path"), "%s", e->path_summary);
	free(e);
	model_free(&m);
}
