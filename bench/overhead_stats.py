#!/usr/bin/python3
"""Number crunching for bench/overhead.sh. Costs are the ping-pong threads' CPU time (pingpong's
cpu_ns): what other programs on the CPU take does not count, what a tracer's programs take in the
threads' context and switches does.

  overhead_stats.py field KEY FILE                 print KEY from pingpong's JSON line in FILE
  overhead_stats.py summary DIR N VARIANT...       print per-round tables, medians and verdicts

DIR holds, for round i: a.VARIANT.i (pingpong's stdout under each variant of section (a):
untraced, perf-sched, conctrace...) and a.VARIANT.report.i.json for conctrace's variants; and for
pair i of section (b): b.untraced.i, b.traced.i and b.report.i.json.
"""
import json
import os
import statistics
import sys

PERF_SHARE_TARGET = 0.5     # conctrace adds at most half what perf sched record adds
RATIO_TARGET = 1.05
RATE_TARGET = 100_000
warned = set()


def pingpong_result(path):
    # The traced run's stdout may carry other lines; pingpong's is the last JSON one.
    with open(path) as f:
        for line in reversed(f.read().splitlines()):
            if line.startswith('{"rounds"'):
                return json.loads(line)
    sys.exit(f"overhead_stats: no pingpong result in {path}")


def warn_once(message):
    if message not in warned:
        warned.add(message)
        print(f"warning: {message}", file=sys.stderr)


def report_counts(path):
    """Return (events, sum of drops); missing keys count as 0 with a warning."""
    with open(path) as f:
        report = json.load(f)
    events = report.get("totals", {}).get("events")
    if events is None:
        warn_once("report.json has no totals.events; counting 0")
    drops = report.get("drops")
    if drops is None:
        warn_once("report.json has no drops; counting 0")
    return events or 0, sum((drops or {}).values())


def load_pairs(directory, pairs):
    rows = []
    for i in range(1, pairs + 1):
        base = os.path.join(directory, "b")
        untraced = pingpong_result(f"{base}.untraced.{i}")
        traced = pingpong_result(f"{base}.traced.{i}")
        events, drops = report_counts(f"{base}.report.{i}.json")
        rows.append((untraced, traced, events, drops))
    return rows


def verdict(ok):
    return "PASS" if ok else "FAIL"


def load_rounds(directory, rounds, variants):
    """Per round: {variant: ns per switch}, and each traced variant's drops over all rounds."""
    per_round, drops = [], {}
    for i in range(1, rounds + 1):
        row = {}
        for v in variants:
            row[v] = pingpong_result(os.path.join(directory, f"a.{v}.{i}"))["cpu_ns_per_switch"]
            report = os.path.join(directory, f"a.{v}.report.{i}.json")
            if os.path.exists(report):
                drops[v] = drops.get(v, 0) + report_counts(report)[1]
        per_round.append(row)
    return per_round, drops


def switch_cost(directory, rounds, variants):
    """Section (a): each variant's added cost per switch, and conctrace's share of perf sched's."""
    per_round, drops = load_rounds(directory, rounds, variants)
    traced = [v for v in variants if v != "untraced"]
    print("(a) per-switch cost, both threads on CPU 1: their CPU time per switch, ns (order rotated every round)")
    print("    round" + "".join(f"  {v:>16}" for v in variants))
    for i, row in enumerate(per_round, 1):
        print(f"    {i:5}" + "".join(f"  {row[v]:16.1f}" for v in variants))
    added = {v: statistics.median(row[v] - row["untraced"] for row in per_round) for v in traced}
    print(f"    median untraced {statistics.median(row['untraced'] for row in per_round):.1f} ns/switch;"
          " added per switch (median of the rounds' differences):")
    for v in traced:
        share = added[v] / added["perf-sched"] if added["perf-sched"] > 0 else float("nan")
        note = f", drops {drops[v]}" if v in drops else ""
        print(f"    {v:>16}  {added[v] / 1000:6.3f} us  {share:5.2f}x perf sched{note}")
    share = added["conctrace"] / added["perf-sched"] if added["perf-sched"] > 0 else float("nan")
    return [f"{verdict(share <= PERF_SHARE_TARGET)}  (a) conctrace adds {added['conctrace'] / 1000:.3f} us/switch,"
            f" perf sched record {added['perf-sched'] / 1000:.3f}: {share:.2f}x (target <= {PERF_SHARE_TARGET})"]


def paced_ratio(rows):
    """Section (b): slowdown, event rate and drops at a paced switch rate."""
    print("(b) paced ping-pong on CPU 1: the threads' CPU time in the loop")
    print("    pair  untraced ms  traced ms  ratio   switches/s  events/s  drops")
    ratios, rates, event_rates = [], [], []
    for i, (untraced, traced, events, drops) in enumerate(rows, 1):
        ratios.append(traced["cpu_ns"] / untraced["cpu_ns"])
        rates.append(untraced["switches"] / untraced["loop_ns"] * 1e9)
        event_rates.append(events / traced["loop_ns"] * 1e9)
        print(f"    {i:4}  {untraced['cpu_ns'] / 1e6:11.1f}  {traced['cpu_ns'] / 1e6:9.1f}"
              f"  {ratios[-1]:5.3f}  {rates[-1]:11.0f}  {event_rates[-1]:8.0f}  {drops:5}")
    ratio, rate = statistics.median(ratios), statistics.median(rates)
    total_drops = sum(drops for *_, drops in rows)
    print(f"    median ratio {ratio:.3f}, untraced {rate:.0f} switches/s,"
          f" {statistics.median(event_rates):.0f} events/s, drops {total_drops}")
    lines = [f"{verdict(ratio <= RATIO_TARGET)}  (b) traced/untraced {ratio:.3f} (target <= {RATIO_TARGET})",
             f"{verdict(total_drops == 0)}  (b) drops {total_drops} (target 0)"]
    if not 0.8 * RATE_TARGET <= rate <= 1.2 * RATE_TARGET:
        lines.append(f"note  (b) ran at {rate:.0f} switches/s, not ~{RATE_TARGET}")
    return lines


def main(argv):
    if len(argv) == 4 and argv[1] == "field":
        print(pingpong_result(argv[3])[argv[2]])
    elif len(argv) >= 6 and argv[1] == "summary":
        rounds, variants = int(argv[3]), argv[4:]
        summary = switch_cost(argv[2], rounds, variants)
        summary += paced_ratio(load_pairs(argv[2], rounds))
        print(f"summary ({rounds} rounds, medians)")
        for line in summary:
            print(f"    {line}")
    else:
        sys.exit("usage: overhead_stats.py field KEY FILE | summary DIR ROUNDS VARIANT...")


if __name__ == "__main__":
    main(sys.argv)
