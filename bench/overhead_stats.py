#!/usr/bin/python3
"""Number crunching for bench/overhead.sh.

  overhead_stats.py field KEY FILE   print KEY from pingpong's JSON line in FILE
  overhead_stats.py summary DIR N    print per-pair tables, medians and verdicts

DIR holds, for pair i of section s (a or b): s.untraced.i and s.traced.i
(pingpong's stdout) and s.report.i.json (conctrace's report).
"""
import json
import os
import statistics
import sys

ADDED_US_TARGET = 0.5
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


def load_pairs(directory, section, pairs):
    rows = []
    for i in range(1, pairs + 1):
        base = os.path.join(directory, section)
        untraced = pingpong_result(f"{base}.untraced.{i}")
        traced = pingpong_result(f"{base}.traced.{i}")
        events, drops = report_counts(f"{base}.report.{i}.json")
        rows.append((untraced, traced, events, drops))
    return rows


def verdict(ok):
    return "PASS" if ok else "FAIL"


def switch_cost(rows):
    """Section (a): added cost per switch with both threads on one CPU."""
    print("(a) per-switch cost, both threads on CPU 1")
    print("    pair  untraced ns/sw  traced ns/sw  added us/sw  drops")
    added = []
    for i, (untraced, traced, _, drops) in enumerate(rows, 1):
        added.append((traced["ns_per_switch"] - untraced["ns_per_switch"]) / 1000)
        print(f"    {i:4}  {untraced['ns_per_switch']:14.1f}  {traced['ns_per_switch']:12.1f}"
              f"  {added[-1]:11.3f}  {drops:5}")
    median_added = statistics.median(added)
    print(f"    median untraced {statistics.median(u['ns_per_switch'] for u, *_ in rows):.1f} ns/switch,"
          f" traced {statistics.median(t['ns_per_switch'] for _, t, *_ in rows):.1f} ns/switch,"
          f" added {median_added:.3f} us/switch")
    return [f"{verdict(median_added <= ADDED_US_TARGET)}  (a) added cost {median_added:.3f} us/switch"
            f" (target <= {ADDED_US_TARGET})"]


def paced_ratio(rows):
    """Section (b): slowdown, event rate and drops at a paced switch rate."""
    print("(b) paced ping-pong on CPU 1")
    print("    pair  untraced ms  traced ms  ratio   switches/s  events/s  drops")
    ratios, rates, event_rates = [], [], []
    for i, (untraced, traced, events, drops) in enumerate(rows, 1):
        ratios.append(traced["loop_ns"] / untraced["loop_ns"])
        rates.append(untraced["switches"] / untraced["loop_ns"] * 1e9)
        event_rates.append(events / traced["loop_ns"] * 1e9)
        print(f"    {i:4}  {untraced['loop_ns'] / 1e6:11.1f}  {traced['loop_ns'] / 1e6:9.1f}"
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
    elif len(argv) == 4 and argv[1] == "summary":
        pairs = int(argv[3])
        summary = switch_cost(load_pairs(argv[2], "a", pairs))
        summary += paced_ratio(load_pairs(argv[2], "b", pairs))
        print(f"summary ({pairs} pairs, medians)")
        for line in summary:
            print(f"    {line}")
    else:
        sys.exit("usage: overhead_stats.py field KEY FILE | summary DIR PAIRS")


if __name__ == "__main__":
    main(sys.argv)
