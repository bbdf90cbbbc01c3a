#!/bin/sh
# Post-processing of a timeline: `conctrace record --timeline` of a switch-heavy ping-pong of a
# fixed number of rounds (6 timeline events a round: each thread's wakeup, switch-out and
# switch-in), then `conctrace report -o` of what it wrote. Prints, for each, the seconds of
# post-processing, timeline events per second of it (the target: 2 M; for report also per second
# of CPU, which a loaded machine does not stretch), peak RSS and its bytes per event (the target:
# 150 plus a fixed base), and each output's bytes per event and per interval.
#   bench/postprocess.sh [--rounds N] [--conctrace PATH] [--runs N]   (as root, after make)
# "Post-processing" for record: from the end of tracing (meta.start_epoch + duration_s of its
# report) to the exit of conctrace; for report: all of its run. Prints the load average first: other
# jobs stretch the wall times. Exits 2 when something could not run.
set -u

BENCH_DIR=$(dirname "$0")
PINGPONG=$BENCH_DIR/../build/bench/pingpong
CONCTRACE=./conctrace
ROUNDS=500000
RUNS=3

fail() {
	echo "postprocess.sh: $*" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--rounds) [ $# -ge 2 ] || fail "--rounds needs a number"; ROUNDS=$2; shift 2 ;;
	--conctrace) [ $# -ge 2 ] || fail "--conctrace needs a path"; CONCTRACE=$2; shift 2 ;;
	--runs) [ $# -ge 2 ] || fail "--runs needs a number"; RUNS=$2; shift 2 ;;
	*) fail "usage: bench/postprocess.sh [--rounds N] [--conctrace PATH] [--runs N]" ;;
	esac
done
[ "$(id -u)" -eq 0 ] || fail "must run as root (conctrace loads BPF programs)"
[ -x "$PINGPONG" ] || fail "$PINGPONG missing; run make first"
command -v "$CONCTRACE" >/dev/null || fail "conctrace not found at $CONCTRACE"
TMP=$(mktemp -d /tmp/conctrace-postprocess.XXXXXX) || fail "cannot create a temp dir"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 2' INT TERM
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# summarise STEP RUN SECONDS CPU_SECONDS RSS_KB DIR: one line of figures (the report is JSON);
# CPU_SECONDS "-" when not known
summarise() {
	/usr/bin/python3 - "$@" <<'EOF'
import json, os, sys
step, run, seconds, cpu, rss_kb, d = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6]
r = json.load(open(os.path.join(d, "report.json")))
tl = r.get("timeline", {})
if "file" in tl:
    intervals, wakes = tl["intervals"], tl["wakes"]
else:  # schema version 1: the timeline inline
    intervals, wakes = len(tl.get("intervals", [])), len(tl.get("wakes", []))
events = intervals + wakes
cpu_rate = "" if cpu == "-" else " (%.2f s of CPU = %.2f M events/s)" % (float(cpu), events / float(cpu) / 1e6)
print("%-7s run %s: %d intervals + %d wakeups = %d events; post-processing %.2f s = %.2f M events/s%s; "
      "peak RSS %.0f MB = %.0f bytes/event" % (step, run, intervals, wakes, events, seconds,
      events / seconds / 1e6 if seconds > 0 else 0, cpu_rate, rss_kb / 1024, rss_kb * 1024 / events if events else 0))
if run == "1":
    for f in sorted(os.listdir(d)):
        size = os.path.getsize(os.path.join(d, f))
        print("        %-16s %11d bytes  %7.2f bytes/event  %7.2f bytes/interval" %
              (f, size, size / events if events else 0, size / intervals if intervals else 0))
EOF
}

i=1
while [ "$i" -le "$RUNS" ]; do
	rec=$TMP/record.$i out=$TMP/report.$i
	/usr/bin/time -f "%e %M" -o "$TMP/record.time" "$CONCTRACE" record -q --timeline -o "$rec" -- \
		"$PINGPONG" --rounds "$ROUNDS" >/dev/null || fail "conctrace record failed"
	end=$(date +%s.%N)
	after=$(/usr/bin/python3 -c "import json,sys; m = json.load(open('$rec/report.json'))['meta']; \
		print('%.3f' % ($end - m['start_epoch'] - m['duration_s']))")
	summarise record "$i" "$after" - "$(cut -d' ' -f2 "$TMP/record.time")" "$rec"
	/usr/bin/time -f "%e %U %S %M" -o "$TMP/report.time" "$CONCTRACE" report -q -o "$out" "$rec" ||
		fail "conctrace report failed"
	read -r wall user sys rss < "$TMP/report.time"
	summarise report "$i" "$wall" "$(echo "$user $sys" | awk '{ print $1 + $2 }')" "$rss" "$out"
	rm -rf "$rec" "$out"
	i=$((i + 1))
done
