#!/usr/bin/python3
"""Run one conctrace workload (disk, cpu, net) under one concurrency model.

The workloads follow the study notes conctrace was built from (shared/seeds): every model
does exactly the same work and prints the same result, so their timings compare fairly.
Output: one JSON line on stdout; errors: one line on stderr, exit 2 (usage) or 1 (failure).
See workloads/README.md.
"""
import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import multiprocessing
import os
import random
import string
import sys
import threading
import time

import aiofiles
import aiohttp
import requests

# A Mersenne prime: the C runtime reproduces the big-int product with 128-bit modular products.
MODULUS = 2**61 - 1
# Explicit, so process start-up is the same on every Python that runs this.
FORK = multiprocessing.get_context("fork")


def cpu_bound_func(num):
    """The notes' CPU-bound kernel, big-int arithmetic and all (its cost is the point)."""
    numbers = range(1, num)
    total = 1
    for i in numbers:
        for j in numbers:
            for k in numbers:
                total *= i * j * k
    return total


def cpu_bound_task(n):
    """The notes' Pool example: sum(i * i for i in range(n))."""
    return sum(i * i for i in range(n))


class DiskJob:
    """generate_files(files, lines, line_length, dir): one f.write(line) per line."""

    def __init__(self, args):
        self.dir, self.files = args.dir, args.files
        self.lines, self.length = args.lines, args.line_length
        os.makedirs(self.dir, exist_ok=True)

    def tasks(self):
        return list(range(self.files))

    def path(self, index):
        return os.path.join(self.dir, f"file_{index:05d}.txt")

    def random_line(self):
        return "".join(random.choices(string.ascii_letters, k=self.length)) + "\n"

    def async_session(self):
        return contextlib.nullcontext()

    def run(self, index):
        with open(self.path(index), "w") as f:
            for _ in range(self.lines):
                f.write(self.random_line())

    async def run_async(self, _session, index):
        async with aiofiles.open(self.path(index), "w") as f:
            for _ in range(self.lines):
                await f.write(self.random_line())

    def result(self, _values):
        sizes = [os.stat(self.path(i)).st_size for i in range(self.files)]
        return {"files": len(sizes), "bytes": sum(sizes)}


class CpuJob:
    """cpu_bound_func over nums = [num] * count (triple), or cpu_bound_task per task (squares)."""

    def __init__(self, args):
        self.variant, self.count = args.variant, args.count
        self.num = args.num if args.num is not None else (30 if self.variant == "triple" else 10**6)

    def tasks(self):
        return [self.num] * self.count

    def async_session(self):
        return contextlib.nullcontext()

    def run(self, num):
        if self.variant == "triple":
            return cpu_bound_func(num) % MODULUS
        return cpu_bound_task(num)

    async def run_async(self, _session, num):
        # Never awaits, like the notes' coroutines doing CPU work: each one holds the loop.
        return self.run(num)

    def result(self, values):
        total = sum(values)
        if self.variant == "triple":
            total %= MODULUS
        return {"value": str(total), "tasks": len(values)}


_thread_state = threading.local()


def thread_session():
    """One requests.Session per thread (so per process too): keep-alive without sharing."""
    if not hasattr(_thread_state, "session"):
        _thread_state.session = requests.Session()
    return _thread_state.session


class NetJob:
    """Fetch one URL `requests` times (the notes' fetcher over a list of URLs)."""

    def __init__(self, args):
        self.url, self.requests = args.url, args.requests

    def tasks(self):
        return [self.url] * self.requests

    def async_session(self):
        # limit=0: every request of the gather may be in flight at once.
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    def run(self, url):
        try:
            with thread_session().get(url) as response:
                return response.status_code == 200, len(response.content)
        except requests.RequestException as error:
            # A plain OSError crosses the process pool intact; requests' own errors do not.
            raise ConnectionError(f"GET {url}: {error}") from None

    async def run_async(self, session, url):
        async with session.get(url) as response:
            return response.status == 200, len(await response.read())

    def result(self, values):
        return {"ok": sum(ok for ok, _ in values), "bytes": sum(size for _, size in values)}


def run_sync(job, tasks, _workers=1):
    return [job.run(task) for task in tasks]


def run_threads(job, tasks, workers):
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(job.run, tasks))


async def gather_all(job, tasks):
    async with job.async_session() as session:
        return await asyncio.gather(*(job.run_async(session, task) for task in tasks))


def run_asyncio(job, tasks, _workers=1):
    return asyncio.run(gather_all(job, tasks))


def run_processes(job, tasks, workers):
    with FORK.Pool(workers) as pool:
        return pool.map(job.run, tasks)


def run_asyncio_processes(job, tasks, workers):
    """Each worker process runs one event loop over its share (every workers-th task)."""
    shares = [tasks[w::workers] for w in range(workers)]
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=FORK) as pool:
        return [value for share in pool.map(run_asyncio, [job] * workers, shares) for value in share]


JOBS = {"disk": DiskJob, "cpu": CpuJob, "net": NetJob}
MODELS = {"sync": run_sync, "threads": run_threads, "asyncio": run_asyncio,
          "processes": run_processes, "asyncio+processes": run_asyncio_processes}


def pool_size(model, requested):
    """One for the single-threaded models; else --workers, or ThreadPoolExecutor's own default
    for threads and the CPU count for processes."""
    if model in ("sync", "asyncio"):
        return 1
    cpus = os.cpu_count() or 1
    return requested or (min(32, cpus + 4) if model == "threads" else cpus)


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"conc_work: {message}\n")


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got '{text}'")
    return value


def parse_args(argv):
    p = OneLineParser(prog="conc_work", description=__doc__.splitlines()[0])
    p.add_argument("--workload", required=True, choices=JOBS)
    p.add_argument("--model", required=True, choices=MODELS)
    p.add_argument("--workers", type=positive_int, help="pool size (processes/threads models)")
    p.add_argument("--files", type=positive_int, default=200)
    p.add_argument("--lines", type=positive_int, default=100)
    p.add_argument("--line-length", type=positive_int, default=100)
    p.add_argument("--dir", help="disk: directory for the files (required)")
    p.add_argument("--variant", choices=("triple", "squares"), default="triple")
    p.add_argument("--num", type=positive_int, help="cpu: 30 for triple, 10**6 for squares")
    p.add_argument("--count", type=positive_int, default=8)
    p.add_argument("--url", help="net: URL to GET (required)")
    p.add_argument("--requests", type=positive_int, default=60)
    args = p.parse_args(argv)
    if args.workload == "disk" and not args.dir:
        p.error("--workload disk needs --dir")
    if args.workload == "net" and not args.url:
        p.error("--workload net needs --url")
    return args


def main(argv):
    args = parse_args(argv)
    workers = pool_size(args.model, args.workers)
    try:
        job = JOBS[args.workload](args)
        tasks = job.tasks()
        start = time.perf_counter()
        values = MODELS[args.model](job, tasks, workers)
        elapsed = time.perf_counter() - start
        result = job.result(values)
    except (OSError, aiohttp.ClientError) as error:
        print(f"conc_work: {args.workload}/{args.model}: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"runtime": "python", "workload": args.workload, "model": args.model,
                      "workers": workers, "elapsed_s": round(elapsed, 6), "result": result}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
