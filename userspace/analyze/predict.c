/* The what-if model (predict.h; docs/predict.md states it and its assumptions).
 *
 * A unit of work takes, alone, t_u: its CPU time at the rate one thread gets, its waits (the
 * network, timers, the device) and the latency of the hand-offs the model makes for it. A model
 * keeps K units under way at once (its workers, or every unit for an event loop), and shares
 * three resources between them: the CPUs the run can get, the threads that may run its user-mode
 * work at once (one per interpreter for Python: the GIL; one per event loop), and the device. The
 * run's work then takes the longer of
 *   rounds:      ceil(U / K) x t_u      (K workers, each doing its units one after another)
 *   bottleneck:  U x b + (t_u - d)      (every unit passes the busiest resource, b being a unit's
 *                                        demand on it over its capacity; the last unit's time
 *                                        elsewhere, t_u less its own d there, comes after)
 * after the root's start-up, plus the model's fixed costs (starting worker processes). */
#include "analyze/predict.h"

#include <math.h>
#include <string.h>

const char *const pmodel_names[PM_COUNT] = {
	"sync", "threads", "asyncio", "processes", "asyncio+processes",
};

const double handoff_widths[HANDOFF_WIDTHS] = { 64, 2048 };

const char *const bound_names[BOUND_COUNT] = {
	"chain", "cpu", "gil", "device",
};

/* How a model runs the units. */
struct shape {
	double in_flight;         /* units under way at once */
	double cpu_threads;       /* threads that may be on a CPU at once */
	double user_threads;      /* ... that may run the units' user-mode work at once */
	double procs;             /* processes */
	/* per unit, what the model adds: hand-offs' CPU (of it in user mode) and latency */
	double unit_cpu_s, unit_user_s, unit_latency_s;
	double fixed_s;           /* once per run: starting and stopping worker processes */
};

int predict_default_workers(enum pmodel m, int ncpus)
{
	int threads = ncpus + 4 < 32 ? ncpus + 4 : 32;

	if (m == PM_THREADS)
		return threads;
	if (m == PM_PROCESSES || m == PM_ASYNCIO_PROCESSES)
		return ncpus > 0 ? ncpus : 1;
	return 1;
}

/* A cost measured at handoff_widths, at WIDTH round trips in flight: linear in log(width), no less
 * than at the narrowest, extrapolated at most a factor 8 past the widest. */
static double at_width(const double v[HANDOFF_WIDTHS], double width)
{
	double x = log(fmin(fmax(width, handoff_widths[0]), 8 * handoff_widths[1]) / handoff_widths[0]);

	return v[0] + (v[1] - v[0]) * x / log(handoff_widths[1] / handoff_widths[0]);
}

static double units_of(const struct work *w)
{
	return w->units >= 1 ? w->units : 1;
}

/* An event loop hands each blocking file call to a helper: Python's executor threads (aiofiles),
 * C's io_uring workers. */
static void event_loop_shape(const struct work *w, const struct costs *k, double procs, struct shape *s)
{
	double ops = w->file_ops / units_of(w);
	int executors = predict_default_workers(PM_THREADS, w->ncpus);

	s->in_flight = units_of(w);
	s->procs = procs;
	s->user_threads = procs;
	if (w->python) {  /* the run's own round trips' cost, else this machine's */
		s->cpu_threads = procs * (1 + executors);
		s->unit_cpu_s = ops * (w->handoff_cpu_s > 0 ? w->handoff_cpu_s :
				       at_width(k->handoff_cpu_s, s->in_flight / procs));
		s->unit_user_s = ops * (w->handoff_cpu_s > 0 ? w->handoff_user_s :
					at_width(k->handoff_gil_s, s->in_flight / procs));
		s->unit_latency_s = ops * k->handoff_wall_s;
	} else {
		s->cpu_threads = procs + w->ncpus;  /* io-wq starts workers as calls block */
		s->unit_cpu_s = w->uring_in_work ? 0 : ops * k->uring_cpu_s;
		s->unit_latency_s = ops * k->uring_wall_s;
	}
}

/* Forked workers: started once each; Python's pool ships each task and result through a pipe. */
static void worker_costs(const struct work *w, const struct costs *k, double n, double tasks, struct shape *s)
{
	if (w->python)
		s->fixed_s = n * k->py_fork_s + tasks * k->py_chunk_s / n + w->pipe_bytes * k->py_pipe_byte_s;
	else
		s->fixed_s = n * k->c_fork_s + w->pipe_bytes * k->pipe_byte_s;
}

static void shape_of(const struct work *w, const struct costs *k, enum pmodel m, int n, struct shape *s)
{
	double u = units_of(w);

	memset(s, 0, sizeof(*s));
	s->in_flight = s->cpu_threads = s->user_threads = s->procs = 1;
	switch (m) {
	case PM_SYNC:
		break;
	case PM_THREADS:
		s->in_flight = s->cpu_threads = n;
		s->user_threads = w->python ? 1 : n;
		if (w->python) {  /* each unit is one executor round trip, N at a time */
			s->unit_cpu_s = at_width(k->handoff_cpu_s, n);
			s->unit_user_s = at_width(k->handoff_gil_s, n);
			s->unit_latency_s = k->handoff_wall_s;
		}
		break;
	case PM_ASYNCIO:
		event_loop_shape(w, k, 1, s);
		break;
	case PM_PROCESSES:
		s->in_flight = s->cpu_threads = s->user_threads = s->procs = n;
		/* Pool.map: chunks of ceil(U / 4N) units */
		worker_costs(w, k, n, ceil(u / ceil(u / (4.0 * n))), s);
		break;
	case PM_ASYNCIO_PROCESSES:
		event_loop_shape(w, k, n, s);
		worker_costs(w, k, n, n, s);  /* one share per worker */
		break;
	case PM_COUNT:
		break;
	}
}

/* The run's wall time under shape S; *BOUND says what limited it. */
static double wall_of(const struct work *w, const struct shape *s, enum bound *bound)
{
	double u = units_of(w), cap = w->cpu_capacity > 0 ? w->cpu_capacity : w->ncpus;
	double one = fmin(1, cap);  /* the rate of one thread alone */
	double cpu = (w->cpu_user_s + w->cpu_kernel_s) / u + s->unit_cpu_s;
	double user = w->cpu_user_s / u + s->unit_user_s;
	double t_unit = ((w->cpu_user_s + w->cpu_kernel_s) / u) / one +
			(w->net_s + w->timer_s + w->disk_wait_s + w->wakeup_s) / u + s->unit_latency_s;
	double b[BOUND_COUNT] = {
		[BOUND_CPU] = cpu / fmin(s->cpu_threads, cap),
		[BOUND_GIL] = user / fmin(s->user_threads, cap),
		[BOUND_DEVICE] = w->device_s / u,
	};
	double own[BOUND_COUNT] = { [BOUND_CPU] = cpu / one, [BOUND_GIL] = user / one,
				    [BOUND_DEVICE] = b[BOUND_DEVICE] };
	double in_flight = fmin(s->in_flight, u);
	double rounds = w->units_known ? ceil(u / in_flight) : u / in_flight;
	double chain = rounds * t_unit, bottleneck;
	int top = BOUND_CPU;

	for (int i = BOUND_CPU; i < BOUND_COUNT; i++)
		if (b[i] > b[top])
			top = i;
	bottleneck = u * b[top] + fmax(0, t_unit - own[top]);
	*bound = chain >= bottleneck ? BOUND_CHAIN : (enum bound)top;
	return w->startup_s / one + s->fixed_s + fmax(chain, bottleneck);
}

void predict(const struct work *w, const struct costs *k, enum pmodel m, int n, struct prediction *out)
{
	static const struct costs free_model;
	struct shape s, bare;
	enum bound ignored;

	if (m == PM_SYNC || m == PM_ASYNCIO || n < 1)
		n = m == PM_SYNC || m == PM_ASYNCIO ? 1 : predict_default_workers(m, w->ncpus);
	shape_of(w, k, m, n, &s);
	shape_of(w, &free_model, m, n, &bare);
	out->model = m;
	out->workers = n;
	out->wall_s = wall_of(w, &s, &out->bound);
	out->overhead_s = out->wall_s - wall_of(w, &bare, &ignored);
}

void predict_best(const struct work *w, const struct costs *k, enum pmodel m, int max_n, struct prediction *out)
{
	predict(w, k, m, 1, out);
	for (int n = 2; (m != PM_SYNC && m != PM_ASYNCIO) && n <= max_n; n++) {
		struct prediction p;

		predict(w, k, m, n, &p);
		if (p.wall_s < out->wall_s * 0.99)  /* fewer workers when more gain nothing */
			*out = p;
	}
}
