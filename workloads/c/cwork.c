/* cwork: the C runtime of conctrace's workloads. Runs one workload (disk, cpu, net) under one
 * concurrency model (sync, threads, asyncio, processes, asyncio+processes) and prints one
 * JSON line; the same work and result as workloads/python/conc_work.py. See workloads/README.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "job.h"
#include "work_cpu.h"
#include "work_disk.h"
#include "work_net.h"

typedef void worker_fn(const struct job *job, const struct share *share, struct partial *part);

__attribute__((format(printf, 1, 2), noreturn))
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "cwork: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* The blocking task runner of sync, threads and processes: claim task indices until none
 * are left (or this worker failed). */
static void pull_tasks(const struct job *job, const struct share *share, struct partial *part)
{
	struct transfer net_handle = { 0 };
	long index;

	while (!part->error[0] && (index = atomic_fetch_add(share->next, 1)) < job->tasks) {
		if (job->workload == WORK_DISK)
			disk_write_file(job, index, part);
		else if (job->workload == WORK_CPU)
			cpu_task(job, part);
		else
			net_fetch(job, &net_handle, part);
	}
	if (net_handle.easy)
		curl_easy_cleanup(net_handle.easy);
}

/* The asyncio runner: one thread, one event loop over this worker's share. CPU tasks have
 * nothing to wait for, so the loop just runs them one after another. */
static void run_event_loop(const struct job *job, const struct share *share, struct partial *part)
{
	if (job->workload == WORK_DISK)
		disk_event_loop(job, share, part);
	else if (job->workload == WORK_NET)
		net_event_loop(job, share, part);
	else
		for (long i = share->first; i < job->tasks && !part->error[0]; i += share->stride)
			cpu_task(job, part);
}

static void merge(struct partial *total, const struct partial *part)
{
	total->value += part->value;
	total->ok += part->ok;
	total->bytes += part->bytes;
	if (part->error[0])
		set_error(total, "%s", part->error);
}

static void run_sync(const struct job *job, int workers, struct partial *total)
{
	_Atomic long next = 0;
	struct share share = { .next = &next };

	(void)workers;
	pull_tasks(job, &share, total);
}

static void run_asyncio(const struct job *job, int workers, struct partial *total)
{
	struct share share = { .first = 0, .stride = 1 };

	(void)workers;
	run_event_loop(job, &share, total);
}

struct pool_thread {
	pthread_t id;
	const struct job *job;
	struct share share;
	struct partial part;
};

static void *pool_thread_main(void *arg)
{
	struct pool_thread *t = arg;

	pull_tasks(t->job, &t->share, &t->part);
	return NULL;
}

static void run_threads(const struct job *job, int workers, struct partial *total)
{
	struct pool_thread *threads = calloc(workers, sizeof(*threads));
	_Atomic long next = 0;
	int started = 0;

	if (!threads) {
		set_error(total, "threads: out of memory");
		return;
	}
	for (; started < workers; started++) {
		threads[started].job = job;
		threads[started].share.next = &next;
		int rc = pthread_create(&threads[started].id, NULL, pool_thread_main, &threads[started]);
		if (rc) {
			set_error(total, "pthread_create: %s", strerror(rc));
			break;
		}
	}
	for (int i = 0; i < started; i++) {
		pthread_join(threads[i].id, NULL);
		merge(total, &threads[i].part);
	}
	free(threads);
}

static int read_full(int fd, void *buf, size_t size)
{
	for (size_t done = 0; done < size;) {
		ssize_t n = read(fd, (char *)buf + done, size - done);
		if (n <= 0 && !(n < 0 && errno == EINTR))
			return -1;
		done += n > 0 ? n : 0;
	}
	return 0;
}

/* Forks `workers` children running fn over their share; each writes its partial to one
 * shared pipe (atomically: it is smaller than PIPE_BUF). */
static void fork_workers(const struct job *job, int workers, worker_fn *fn, _Atomic long *next,
			 struct partial *total)
{
	int pipe_fds[2], forked = 0;
	struct partial part;

	if (pipe(pipe_fds) < 0) {
		set_error(total, "pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);	/* nothing buffered may be written twice */
	for (; forked < workers; forked++) {
		pid_t pid = fork();
		if (pid < 0) {
			set_error(total, "fork: %s", strerror(errno));
			break;
		}
		if (pid == 0) {
			struct share share = { .next = next, .first = forked, .stride = workers };
			memset(&part, 0, sizeof(part));
			close(pipe_fds[0]);
			fn(job, &share, &part);
			_exit(write(pipe_fds[1], &part, sizeof(part)) == sizeof(part) ? 0 : 1);
		}
	}
	close(pipe_fds[1]);
	for (int i = 0; i < forked; i++) {
		if (read_full(pipe_fds[0], &part, sizeof(part)) < 0) {
			set_error(total, "a worker process exited without a result");
			break;
		}
		merge(total, &part);
	}
	close(pipe_fds[0]);
	while (wait(NULL) > 0 || errno == EINTR)
		;
}

static void run_processes(const struct job *job, int workers, struct partial *total)
{
	_Atomic long *next = mmap(NULL, sizeof(*next), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (next == MAP_FAILED) {
		set_error(total, "mmap: %s", strerror(errno));
		return;
	}
	*next = 0;
	fork_workers(job, workers, pull_tasks, next, total);
	munmap((void *)next, sizeof(*next));
}

static void run_asyncio_processes(const struct job *job, int workers, struct partial *total)
{
	fork_workers(job, workers, run_event_loop, NULL, total);
}

static const struct model {
	const char *name;
	void (*run)(const struct job *job, int workers, struct partial *total);
} MODELS[] = {
	{ "sync", run_sync },
	{ "threads", run_threads },
	{ "asyncio", run_asyncio },
	{ "processes", run_processes },
	{ "asyncio+processes", run_asyncio_processes },
};

static const char *const WORKLOADS[] = { "disk", "cpu", "net" };

/* One for the single-threaded models; else --workers, or Python's ThreadPoolExecutor default
 * for threads and the CPU count for processes. */
static int pool_size(const struct model *model, long requested)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (model->run == run_sync || model->run == run_asyncio)
		return 1;
	if (cpus < 1)
		cpus = 1;
	if (requested)
		return requested;
	return model->run == run_threads ? (cpus + 4 < 32 ? cpus + 4 : 32) : cpus;
}

static long parse_positive(const char *option, const char *text, long max)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (errno || end == text || *end || value < 1)
		usage_error("--%s: expected a positive integer, got '%s'", option, text);
	if (value > max)
		usage_error("--%s: at most %ld, got '%s'", option, max, text);
	return value;
}

static int lookup(const char *option, const char *text, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (!strcmp(text, names[i]))
			return i;
	usage_error("--%s: unknown value '%s'", option, text);
}

static const struct model *find_model(const char *text)
{
	for (size_t i = 0; i < sizeof(MODELS) / sizeof(MODELS[0]); i++)
		if (!strcmp(text, MODELS[i].name))
			return &MODELS[i];
	usage_error("--model: unknown value '%s'", text);
}

/* Everything the command line says, defaults included. */
struct cli {
	struct job job;
	const struct model *model;
	long workers;	/* 0: the model's default */
	long files, count, requests;
	int have_num;
};

static const struct option OPTIONS[] = {
	{ "workload", required_argument, NULL, 'w' }, { "model", required_argument, NULL, 'm' },
	{ "workers", required_argument, NULL, 'W' }, { "files", required_argument, NULL, 'f' },
	{ "lines", required_argument, NULL, 'l' }, { "line-length", required_argument, NULL, 'L' },
	{ "dir", required_argument, NULL, 'd' }, { "variant", required_argument, NULL, 'v' },
	{ "num", required_argument, NULL, 'n' }, { "count", required_argument, NULL, 'c' },
	{ "url", required_argument, NULL, 'u' }, { "requests", required_argument, NULL, 'r' },
	{ NULL, 0, NULL, 0 },
};

static void parse_option(struct cli *cli, int opt, const char *name, const char *arg)
{
	static const char *const variants[] = { "triple", "squares" };
	struct job *job = &cli->job;

	switch (opt) {
	case 'w': job->workload = lookup(name, arg, WORKLOADS, 3); break;
	case 'm': cli->model = find_model(arg); break;
	case 'W': cli->workers = parse_positive(name, arg, 1024); break;
	case 'f': cli->files = parse_positive(name, arg, LONG_MAX); break;
	case 'l': job->lines = parse_positive(name, arg, LONG_MAX); break;
	case 'L': job->line_length = parse_positive(name, arg, 1 << 20); break;
	case 'd': job->dir = arg; break;
	case 'v': job->variant = lookup(name, arg, variants, 2); break;
	case 'n': job->num = parse_positive(name, arg, LONG_MAX); cli->have_num = 1; break;
	case 'c': cli->count = parse_positive(name, arg, LONG_MAX); break;
	case 'u': job->url = arg; break;
	case 'r': cli->requests = parse_positive(name, arg, LONG_MAX); break;
	}
}

static void parse_cli(int argc, char **argv, struct cli *cli)
{
	int opt, option_index, have_workload = 0;

	*cli = (struct cli){ .files = 200, .count = 8, .requests = 60,
			     .job = { .lines = 100, .line_length = 100, .dir_fd = -1 } };
	opterr = 0;	/* our own one-line messages */
	while ((opt = getopt_long(argc, argv, "", OPTIONS, &option_index)) != -1) {
		if (opt == '?')
			usage_error("unknown option or missing value: '%s'", argv[optind - 1]);
		have_workload |= opt == 'w';
		parse_option(cli, opt, OPTIONS[option_index].name, optarg);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!have_workload || !cli->model)
		usage_error("usage: cwork --workload disk|cpu|net --model MODEL [--workers N] [params]");
	if (cli->job.workload == WORK_DISK && !cli->job.dir)
		usage_error("--workload disk needs --dir");
	if (cli->job.workload == WORK_NET && !cli->job.url)
		usage_error("--workload net needs --url");
	if (!cli->have_num)
		cli->job.num = cli->job.variant == CPU_TRIPLE ? 30 : 1000000;
	cli->job.tasks = cli->job.workload == WORK_DISK ? cli->files :
			 cli->job.workload == WORK_CPU ? cli->count : cli->requests;
}

/* mkdir -p: the Python runtime's os.makedirs(dir, exist_ok=True). */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);	/* failures surface at the last component */
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Untimed set-up: the output directory, libcurl's global state (before any thread). */
static int prepare(struct job *job)
{
	if (job->workload == WORK_DISK) {
		if (make_dirs(job->dir) < 0 ||
		    (job->dir_fd = open(job->dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC)) < 0) {
			fprintf(stderr, "cwork: --dir %s: %s\n", job->dir, strerror(errno));
			return -1;
		}
	}
	if (job->workload == WORK_NET && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "cwork: curl_global_init failed\n");
		return -1;
	}
	return 0;
}

static const char *u128_decimal(unsigned __int128 value, char buf[40])
{
	char *p = buf + 39;

	*p = '\0';
	do
		*--p = '0' + (int)(value % 10);
	while ((value /= 10));
	return p;
}

/* The result object; disk sizes come from stat after the work, as in the Python runtime. */
static int format_result(const struct job *job, const struct partial *total, char *buf, size_t size)
{
	unsigned long long bytes = 0;
	char name[32], digits[40];
	struct stat st;

	if (job->workload == WORK_CPU) {
		unsigned __int128 value = job->variant == CPU_TRIPLE ? total->value % MERSENNE61 : total->value;
		snprintf(buf, size, "{\"value\":\"%s\",\"tasks\":%ld}", u128_decimal(value, digits), job->tasks);
		return 0;
	}
	if (job->workload == WORK_NET) {
		snprintf(buf, size, "{\"ok\":%llu,\"bytes\":%llu}",
			 (unsigned long long)total->ok, (unsigned long long)total->bytes);
		return 0;
	}
	for (long i = 0; i < job->tasks; i++) {
		disk_file_name(name, i);
		if (fstatat(job->dir_fd, name, &st, 0) < 0) {
			fprintf(stderr, "cwork: stat %s/%s: %s\n", job->dir, name, strerror(errno));
			return -1;
		}
		bytes += st.st_size;
	}
	snprintf(buf, size, "{\"files\":%ld,\"bytes\":%llu}", job->tasks, bytes);
	return 0;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	struct partial total = { 0 };
	struct timespec start;
	struct cli cli;
	char result[128];
	double elapsed;
	int workers;

	parse_cli(argc, argv, &cli);
	if (prepare(&cli.job) < 0)
		return 1;
	workers = pool_size(cli.model, cli.workers);
	clock_gettime(CLOCK_MONOTONIC, &start);
	cli.model->run(&cli.job, workers, &total);
	elapsed = seconds_since(&start);
	if (total.error[0]) {
		fprintf(stderr, "cwork: %s/%s: %s\n", WORKLOADS[cli.job.workload], cli.model->name, total.error);
		return 1;
	}
	if (format_result(&cli.job, &total, result, sizeof(result)) < 0)
		return 1;
	printf("{\"runtime\":\"c\",\"workload\":\"%s\",\"model\":\"%s\",\"workers\":%d,"
	       "\"elapsed_s\":%.6f,\"result\":%s}\n",
	       WORKLOADS[cli.job.workload], cli.model->name, workers, elapsed, result);
	return 0;
}
