/* This machine's costs, measured by micro-benchmarks and cached (calibrate.h; docs/predict.md). */
#include "matrix/calibrate.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "base/outdir.h"
#include "base/util.h"
#include "matrix/matrix.h"

#define CACHE_NAME "calibration.json"
#define URING_FILES 64          /* files in flight, as cwork's event loop keeps */
#define URING_TOTAL_FILES 512
#define URING_WRITES 30         /* lines per file */
#define LINE_BYTES 101
#define CHAINED_FILES 10        /* files written one request at a time: a request's latency */
#define FORKS 200
#define TRIES 3                 /* each C micro-benchmark is run so many times, the median kept */
#define PIPE_BYTES (64 << 20)
#define PIPE_CHUNK (64 << 10)

/* Python's costs: an executor round trip alone (latency) and many in flight as aiofiles makes
 * them under asyncio.gather, at each width the arguments give (files open at once, each written
 * line by line through aiofiles, the loop building each 100-letter line between its hand-offs as
 * a program does; without aiofiles, run_in_executor of a no-op): CPU per round trip beyond the
 * lines' own, user time taken as GIL time; starting and stopping forked pool workers; a pool
 * task's round trip; pickling and sending bytes. The least of three tries is kept: other load only ever adds to a
 * cost. One JSON line on stdout. */
static const char python_bench[] =
	"import asyncio, json, multiprocessing, os, random, resource, shutil, string, sys, tempfile, threading, time\n"
	"try:\n"
	"    import aiofiles\n"
	"except ImportError:\n"
	"    aiofiles = None\n"
	"def cpu():\n"
	"    r = resource.getrusage(resource.RUSAGE_SELF)\n"
	"    return r.ru_utime, r.ru_stime\n"
	"def measure(fn):\n"
	"    u, s = cpu(); t = time.perf_counter(); fn()\n"
	"    t = time.perf_counter() - t; u2, s2 = cpu()\n"
	"    return t, u2 - u, s2 - s\n"
	"def noop(x):\n"
	"    return x\n"
	"def line():\n"
	"    return ''.join(random.choices(string.ascii_letters, k=100)) + '\\n'\n"
	"async def chained(n, make=lambda: 1):\n"
	"    loop = asyncio.get_running_loop()\n"
	"    for _ in range(n):\n"
	"        await loop.run_in_executor(None, noop, make())\n"
	"async def writes(files, n):\n"
	"    async def one(f):\n"
	"        for _ in range(n):\n"
	"            await f.write(line())\n"
	"    await asyncio.gather(*(one(f) for f in files))\n"
	"async def plain(width, n):\n"
	"    await asyncio.gather(*(chained(n, line) for _ in range(width)))\n"
	"def flood(width, n):\n"
	"    if not aiofiles:\n"
	"        return measure(lambda: asyncio.run(plain(width, n)))\n"
	"    async def run():\n"
	"        d = tempfile.mkdtemp()\n"
	"        files = [await aiofiles.open(os.path.join(d, str(i)), 'w') for i in range(width)]\n"
	"        u, s = cpu(); t0 = time.perf_counter()\n"
	"        await writes(files, n)\n"
	"        t = time.perf_counter() - t0; u2, s2 = cpu()\n"
	"        for f in files:\n"
	"            await f.close()\n"
	"        shutil.rmtree(d)\n"
	"        return t, u2 - u, s2 - s\n"
	"    return asyncio.run(run())\n"
	"def least(fn):\n"
	"    return min((fn() for _ in range(3)), key=lambda m: m[1] + m[2])\n"
	"ops = 2000\n"
	"alone = min(measure(lambda: asyncio.run(chained(ops))) for _ in range(3))\n"
	"work = min(measure(lambda: [line() for _ in range(20000)]) for _ in range(3))[1] / 20000\n"
	"many = []\n"
	"for width in map(int, sys.argv[1:]):\n"
	"    n = max(8, 16384 // width)\n"
	"    t, u, s = least(lambda: flood(width, n))\n"
	"    many.append(((u + s) / (n * width) - work, u / (n * width) - work))\n"
	"fork = multiprocessing.get_context('fork')\n"
	"workers = os.cpu_count() or 1\n"
	"def pool_start():\n"
	"    with fork.Pool(workers) as p:\n"
	"        p.map(noop, range(workers), chunksize=1)\n"
	"start = min(measure(pool_start) for _ in range(3))\n"
	"tasks = 2000\n"
	"with fork.Pool(workers) as p:\n"
	"    p.map(noop, range(workers), chunksize=1)\n"
	"    chunk = min(measure(lambda: p.map(noop, range(tasks), chunksize=1)) for _ in range(3))\n"
	"data = bytes(8 << 20)\n"
	"a, b = multiprocessing.Pipe()\n"
	"def receive():\n"
	"    for _ in range(4):\n"
	"        b.recv()\n"
	"reader = threading.Thread(target=receive)\n"
	"reader.start()\n"
	"def send():\n"
	"    for _ in range(4):\n"
	"        a.send(data)\n"
	"    reader.join()\n"
	"ship = measure(send)\n"
	"print(json.dumps({'via': 'aiofiles' if aiofiles else 'run_in_executor', 'handoff_wall_s': alone[0] / ops,\n"
	"    'handoff_cpu_s': [m[0] for m in many], 'handoff_gil_s': [m[1] for m in many],\n"
	"    'py_fork_s': start[0] / workers, 'py_chunk_s': chunk[0] * workers / tasks,\n"
	"    'py_pipe_byte_s': (ship[1] + ship[2]) / (4 * len(data))}))\n";

static double cpu_s(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return r.ru_utime.tv_sec + r.ru_stime.tv_sec + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

static double now_s(void)
{
	return ns_to_s(monotonic_ns());
}

/* Runs PYTHON -c python_bench and reads its figures into C. */
static int measure_python(const char *python, struct costs *c, char *via_out, size_t via_len, char *err,
			  size_t errlen)
{
	const char *via;
	int fds[2], status;
	char *out;
	json_t *j;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(fds[1], 1);
		if (null >= 0)
			dup2(null, 2);
		char widths[HANDOFF_WIDTHS][16];

		for (int i = 0; i < HANDOFF_WIDTHS; i++)
			snprintf(widths[i], sizeof(widths[i]), "%.0f", handoff_widths[i]);
		execl(python, python, "-I", "-c", python_bench, widths[0], widths[1], (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	out = pid > 0 ? read_fd(fds[0], NULL) : NULL;
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) || !out) {
		snprintf(err, errlen, "the Python micro-benchmark failed under %s", python);
		free(out);
		return -1;
	}
	j = json_loads(out, 0, NULL);
	free(out);
	if (json_unpack(j, "{s:s, s:F, s:[FF], s:[FF], s:F, s:F, s:F}", "via", &via, "handoff_wall_s", &c->handoff_wall_s,
			"handoff_cpu_s", &c->handoff_cpu_s[0], &c->handoff_cpu_s[1],
			"handoff_gil_s", &c->handoff_gil_s[0], &c->handoff_gil_s[1],
			"py_fork_s", &c->py_fork_s, "py_chunk_s", &c->py_chunk_s,
			"py_pipe_byte_s", &c->py_pipe_byte_s)) {
		snprintf(err, errlen, "the Python micro-benchmark printed no figures");
		json_decref(j);
		return -1;
	}
	snprintf(via_out, via_len, "%s", via);
	json_decref(j);
	return 0;
}

/* One file being written through io_uring: opened, URING_WRITES lines, closed. */
struct file_slot {
	int fd, done;   /* done: requests completed (the open, then the writes) */
	char name[16];
};

static const char line[LINE_BYTES] = { 'x' };

/* Queues S's next request on RING: its open, its next line, or its close. */
static void queue_next(struct io_uring *ring, int dir, struct file_slot *s)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (s->done == 0)
		io_uring_prep_openat(sqe, dir, s->name, O_CREAT | O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	else if (s->done <= URING_WRITES)
		io_uring_prep_write(sqe, s->fd, line, sizeof(line), (uint64_t)(s->done - 1) * sizeof(line));
	else
		io_uring_prep_close(sqe, s->fd);
	io_uring_sqe_set_data(sqe, s);
}

/* The files of write_files() through RING, URING_FILES in flight, one request queued for each. */
static int ring_files(int dir, struct io_uring *ring, int files)
{
	struct file_slot slot[URING_FILES];
	int next = 0, active = 0, rc = 0;

	for (; active < URING_FILES && next < files; active++, next++) {
		slot[active] = (struct file_slot){ .fd = -1 };
		snprintf(slot[active].name, sizeof(slot[active].name), "f%d", next);
		queue_next(ring, dir, &slot[active]);
	}
	while (active > 0 && !rc) {
		struct io_uring_cqe *cqe;
		struct file_slot *s;

		if (io_uring_submit_and_wait(ring, 1) < 0 || io_uring_wait_cqe(ring, &cqe))
			return -1;
		s = io_uring_cqe_get_data(cqe);
		rc = cqe->res < 0 ? -1 : 0;
		if (s->done++ == 0)
			s->fd = cqe->res;
		io_uring_cqe_seen(ring, cqe);
		if (s->done > URING_WRITES + 1) {   /* closed: the next file, or none */
			if (next == files) {
				active--;
				continue;
			}
			*s = (struct file_slot){ .fd = -1 };
			snprintf(s->name, sizeof(s->name), "f%d", next++);
		}
		queue_next(ring, dir, s);
	}
	return rc;
}

/* FILES files written as cwork writes them (open, a write per line, close): through RING when
 * given, else with syscalls. 0, or -1 when a call failed. */
static int write_files(int dir, struct io_uring *ring, int files)
{
	int rc = 0;

	if (ring)
		return ring_files(dir, ring, files);
	for (int f = 0; f < files && !rc; f++) {
		char name[16];
		int fd;

		snprintf(name, sizeof(name), "f%d", f);
		fd = openat(dir, name, O_CREAT | O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		for (int l = 0; fd >= 0 && l < URING_WRITES && !rc; l++)
			rc = pwrite(fd, line, sizeof(line), (off_t)l * sizeof(line)) == sizeof(line) ? 0 : -1;
		if (fd < 0 || close(fd))
			rc = -1;
	}
	return rc;
}

static void remove_files(int dir, int files)
{
	for (int f = 0; f < files; f++) {
		char name[16];

		snprintf(name, sizeof(name), "f%d", f);
		unlinkat(dir, name, 0);
	}
}

/* An io_uring request of a file written line by line: CPU beyond the same calls made as syscalls
 * (the io-wq workers that run them are threads of this process: RUSAGE_SELF counts them), and
 * the latency of one alone. Files live in DIR. */
static int measure_uring(int dir, struct costs *c)
{
	int ops = URING_TOTAL_FILES * (URING_WRITES + 2), rc;
	struct io_uring ring;
	double cpu0, plain, t0;

	cpu0 = cpu_s();
	rc = write_files(dir, NULL, URING_TOTAL_FILES);
	plain = (cpu_s() - cpu0) / ops;
	remove_files(dir, URING_TOTAL_FILES);
	if (rc || io_uring_queue_init(URING_FILES, &ring, 0) < 0)
		return -1;
	cpu0 = cpu_s();
	rc = write_files(dir, &ring, URING_TOTAL_FILES);
	c->uring_cpu_s = fmax(0, (cpu_s() - cpu0) / ops - plain);
	remove_files(dir, URING_TOTAL_FILES);
	io_uring_queue_exit(&ring);
	t0 = now_s();
	for (int i = 0; !rc && i < CHAINED_FILES; i++) {  /* one file alone: its requests one by one */
		rc = io_uring_queue_init(1, &ring, 0) < 0 || write_files(dir, &ring, 1) ? -1 : 0;
		io_uring_queue_exit(&ring);
	}
	c->uring_wall_s = (now_s() - t0) / (CHAINED_FILES * (URING_WRITES + 2));
	remove_files(dir, 1);
	return rc;
}
static double measure_fork(void)
{
	double t0 = now_s();

	for (int i = 0; i < FORKS; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	return (now_s() - t0) / FORKS;
}

static void *pipe_reader(void *arg)
{
	static char buf[PIPE_CHUNK];
	int fd = *(int *)arg;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

static void *pipe_writer(void *arg)
{
	static char buf[PIPE_CHUNK];
	int fd = *(int *)arg;

	for (long sent = 0; sent < PIPE_BYTES; sent += PIPE_CHUNK)
		if (write(fd, buf, PIPE_CHUNK) != PIPE_CHUNK)
			break;
	close(fd);
	return NULL;
}

/* A byte through a pipe: the CPU time of both ends. */
static int measure_pipe(struct costs *c)
{
	int fds[2];
	double cpu0;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	cpu0 = cpu_s();
	run_both(pipe_reader, &fds[0], pipe_writer, &fds[1]);
	c->pipe_byte_s = (cpu_s() - cpu0) / PIPE_BYTES;
	close(fds[0]);
	return 0;
}

static void machine(struct calibration *c)
{
	struct utsname u;
	double load[1] = { 0 };

	c->ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(c->kernel, sizeof(c->kernel), "%s", uname(&u) ? "" : u.release);
	if (getloadavg(load, 1) == 1)
		c->load1 = load[0];
}

/* The median of field F over three tries T: robust to one try disturbed either way (a difference of
 * two measurements, as io_uring's cost is, goes wrong both ways). */
#define MEDIAN3(t, f) fmax(fmin((t)[0].f, (t)[1].f), fmin(fmax((t)[0].f, (t)[1].f), (t)[2].f))

int calibration_measure(const char *python, struct calibration *c, char *err, size_t errlen)
{
	char dir[] = "/tmp/conctrace-calibrate-XXXXXX";
	struct costs t[TRIES];
	int dfd, rc = 0;

	memset(c, 0, sizeof(*c));
	machine(c);
	snprintf(c->python, sizeof(c->python), "%s", python ? python : "");
	c->measured_epoch = realtime_s();
	if (!mkdtemp(dir) || (dfd = open(dir, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot make a directory for the micro-benchmark: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < TRIES && !rc; i++) {
		rc = measure_uring(dfd, &t[i]) || measure_pipe(&t[i]) ? -1 : 0;
		t[i].c_fork_s = measure_fork();
	}
	c->costs.uring_cpu_s = MEDIAN3(t, uring_cpu_s);
	c->costs.uring_wall_s = MEDIAN3(t, uring_wall_s);
	c->costs.pipe_byte_s = MEDIAN3(t, pipe_byte_s);
	c->costs.c_fork_s = MEDIAN3(t, c_fork_s);
	close(dfd);
	rmdir(dir);
	if (rc) {
		snprintf(err, errlen, "the io_uring or pipe micro-benchmark failed");
		return -1;
	}
	c->python_ok = python && measure_python(python, &c->costs, c->handoff_via, sizeof(c->handoff_via), err,
						 errlen) == 0;
	return python && !c->python_ok ? -1 : 0;
}

json_t *calibration_json(const struct calibration *c)
{
	const struct costs *k = &c->costs;

	return json_pack("{s:f, s:f, s:i, s:s, s:s, s:b, s:s, s:{s:[ff], s:[ff], s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}}",
			 "measured_epoch", c->measured_epoch, "load1", c->load1, "ncpus", c->ncpus,
			 "kernel", c->kernel, "python", c->python, "python_ok", c->python_ok,
			 "handoff_via", c->handoff_via, "costs",
			 "handoff_cpu_s", k->handoff_cpu_s[0], k->handoff_cpu_s[1],
			 "handoff_gil_s", k->handoff_gil_s[0], k->handoff_gil_s[1],
			 "handoff_wall_s", k->handoff_wall_s, "uring_cpu_s", k->uring_cpu_s,
			 "uring_wall_s", k->uring_wall_s, "py_fork_s", k->py_fork_s, "py_chunk_s", k->py_chunk_s,
			 "py_pipe_byte_s", k->py_pipe_byte_s, "c_fork_s", k->c_fork_s,
			 "pipe_byte_s", k->pipe_byte_s);
}

int calibration_from_json(const json_t *j, struct calibration *c)
{
	struct costs *k = &c->costs;
	const char *kernel, *python, *via;
	int ok;

	memset(c, 0, sizeof(*c));
	if (json_unpack((json_t *)j, "{s:F, s:F, s:i, s:s, s:s, s:b, s:s, s:{s:[FF], s:[FF], s:F, s:F, s:F, s:F, s:F, s:F, s:F, s:F}}",
			"measured_epoch", &c->measured_epoch, "load1", &c->load1, "ncpus", &c->ncpus,
			"kernel", &kernel, "python", &python, "python_ok", &ok, "handoff_via", &via, "costs",
			"handoff_cpu_s", &k->handoff_cpu_s[0], &k->handoff_cpu_s[1],
			"handoff_gil_s", &k->handoff_gil_s[0], &k->handoff_gil_s[1],
			"handoff_wall_s", &k->handoff_wall_s, "uring_cpu_s", &k->uring_cpu_s,
			"uring_wall_s", &k->uring_wall_s, "py_fork_s", &k->py_fork_s, "py_chunk_s", &k->py_chunk_s,
			"py_pipe_byte_s", &k->py_pipe_byte_s, "c_fork_s", &k->c_fork_s,
			"pipe_byte_s", &k->pipe_byte_s))
		return -1;
	snprintf(c->kernel, sizeof(c->kernel), "%s", kernel);
	snprintf(c->python, sizeof(c->python), "%s", python);
	snprintf(c->handoff_via, sizeof(c->handoff_via), "%s", via);
	c->python_ok = ok;
	return 0;
}

/* The cache directory: /var/cache/conctrace for root, else $XDG_CACHE_HOME/conctrace or
 * ~/.cache/conctrace; created when missing. */
static int cache_dir(struct outdir *d)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char base[PATH_MAX];

	if (geteuid() == 0)
		snprintf(base, sizeof(base), "/var/cache");
	else if (xdg && *xdg == '/')
		snprintf(base, sizeof(base), "%s", xdg);
	else if (home && *home == '/')
		snprintf(base, sizeof(base), "%s/.cache", home);
	else
		return -1;
	mkdir(base, 0755);
	if (snprintf(d->path, sizeof(d->path), "%s/conctrace", base) >= (int)sizeof(d->path))
		return -1;
	mkdir(d->path, 0755);
	d->fd = open(d->path, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d->give = false;
	return d->fd < 0 ? -1 : 0;
}

/* The cached calibration, when it was made on this machine as it is now, for PYTHON. */
static bool cached(const struct outdir *d, const char *python, struct calibration *c)
{
	struct calibration now;
	char *text = outdir_read(d, CACHE_NAME, NULL);
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	bool ok = j && calibration_from_json(j, c) == 0;

	free(text);
	json_decref(j);
	machine(&now);
	return ok && c->ncpus == now.ncpus && !strcmp(c->kernel, now.kernel) &&
	       !strcmp(c->python, python ? python : "") && (c->python_ok || !python);
}

int calibration_get(const char *python, bool recalibrate, struct calibration *c, char *err, size_t errlen)
{
	struct outdir d = { .fd = -1 };
	bool have_dir = cache_dir(&d) == 0;
	char real[PATH_MAX], *text;
	int rc = 0;

	/* one cache for every way of naming the interpreter; the default one when none is named */
	if (!python && !access(RUN_PYTHON, X_OK))
		python = RUN_PYTHON;
	if (python && realpath(python, real))
		python = real;
	if (have_dir && !recalibrate && cached(&d, python, c)) {
		c->cached = true;
	} else if ((rc = calibration_measure(python, c, err, errlen)) == 0 && have_dir) {
		json_t *j = calibration_json(c);

		text = json_dumps(j, JSON_COMPACT);  /* the cache is best effort */
		json_decref(j);
		if (text)
			outdir_write(&d, CACHE_NAME, text, strlen(text), 0644);
		free(text);
	}
	if (have_dir)
		snprintf(c->path, sizeof(c->path), "%s/%s", d.path, CACHE_NAME);
	outdir_close(&d);
	return rc;
}

void calibration_print(FILE *out, const struct calibration *c)
{
	const struct costs *k = &c->costs;
	char when[32];
	time_t t = (time_t)c->measured_epoch;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime(&t));
	fprintf(out, "costs (%s %s, load %.1f): ", c->cached ? "cached," : "measured", when, c->load1);
	if (c->python_ok)
		fprintf(out, "%s round trip %.0f-%.0f us, pool worker %.1f ms, task %.2f ms, ", c->handoff_via,
			k->handoff_cpu_s[0] * 1e6, k->handoff_cpu_s[1] * 1e6, k->py_fork_s * 1e3, k->py_chunk_s * 1e3);
	fprintf(out, "io_uring +%.1f us, fork %.2f ms, pipe %.2f ns/B%s\n", k->uring_cpu_s * 1e6,
		k->c_fork_s * 1e3, k->pipe_byte_s * 1e9, c->python_ok ? "" : " (no Python)");
}
