#!/usr/bin/python3
"""Per-program cost of conctrace's BPF programs: a measure that machine noise barely moves.

  bench/progcost.py CMD...   e.g. bench/progcost.py ./conctrace record -q -o /tmp/out -- \\
                                   taskset -c 1 build/bench/pingpong --rounds 1000000

Runs CMD (which loads BPF programs) with kernel.bpf_stats_enabled on, and prints, for each program
CMD holds open, its runs and nanoseconds per run over the steady part of the run (from 0.3 s after
the programs appeared to the last look), then the BPF time per sched_switch. bpf_stats adds its
own clock reads to every run (~38 ns per run for an empty program here), so compare variants with
each other, alternating, rather than with wall-clock figures. Needs root and bpftool."""
import json
import os
import subprocess
import sys
import time


def loaded_programs():
    out = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def program_ids(pid):
    """Ids of the programs process PID holds (its program and link fds say so in fdinfo)."""
    ids = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fdinfo")
    except OSError:
        return ids
    for fd in fds:
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                ids.update(int(l.split()[1]) for l in f if l.startswith("prog_id:"))
        except OSError:
            pass
    return ids


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        old = f.read().strip()
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
        f.write("1")
    try:
        proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, text=True)
        looks = []
        while proc.poll() is None:
            ids = program_ids(proc.pid)
            mine = {p["name"]: p for p in loaded_programs() if p["id"] in ids}
            if mine:
                looks.append((time.monotonic(), mine))
            time.sleep(0.05)
        out = proc.stdout.read()
    finally:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write(old)
    steady = [look for t, look in looks if looks and t - looks[0][0] >= 0.3]
    if len(steady) < 2:
        sys.exit("progcost: the programs were not loaded long enough (run CMD longer)")
    a, b = steady[0], steady[-1]
    print(out.strip())
    total = switches = 0
    for name in sorted(b):
        runs = b[name].get("run_cnt", 0) - a.get(name, {}).get("run_cnt", 0)
        ns = b[name].get("run_time_ns", 0) - a.get(name, {}).get("run_time_ns", 0)
        if runs <= 0:
            continue
        total += ns
        if name == "on_sched_switch":
            switches = runs
        print(f"  {name:24s} runs {runs:9d}  {ns / runs:7.1f} ns/run  xlated {b[name]['bytes_xlated']} B")
    if switches:
        print(f"  BPF time per sched_switch: {total / switches:.1f} ns")


main()
