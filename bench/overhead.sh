#!/bin/sh
# Tracing overhead of `conctrace record` on a context-switch-heavy ping-pong.
#   bench/overhead.sh [--pairs N] [--conctrace PATH] [--record-args 'ARGS']
# Each measurement runs N untraced/traced pairs, alternating which goes first so
# drift (thermal, caches, noise) does not favour one side, and reports medians.
# Exits 0 whatever the verdicts; 2 when something could not be run.
set -u

BENCH_DIR=$(dirname "$0")
PINGPONG=$BENCH_DIR/../build/bench/pingpong
PAIRS=9
CONCTRACE=./conctrace
RECORD_ARGS=
PINNED_ROUNDS=300000       # ~0.8 s at ~700k switches/s, both threads on PIN_CPU
PACED_ROUNDS=50000         # ~1 s at the paced rate
PACED_NS_PER_SWITCH=10000  # 100k switches/s
PACED_FIRST_WORK_NS=4000
# (b) is pinned too: unpinned, the scheduler flips the two threads between one
# CPU (~1.3 us/switch) and two (20-50 us/switch: cross-CPU wake-up of an idle
# vCPU), so the rate cannot be held near 100k/s.  CPU 0 stays free for conctrace.
PIN_CPU=1

stats() {
	/usr/bin/python3 "$BENCH_DIR/overhead_stats.py" "$@"
}

fail() {
	echo "overhead.sh: $*" >&2
	exit 2
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--pairs) [ $# -ge 2 ] || fail "--pairs needs a number"; PAIRS=$2; shift 2 ;;
		--conctrace) [ $# -ge 2 ] || fail "--conctrace needs a path"; CONCTRACE=$2; shift 2 ;;
		--record-args) [ $# -ge 2 ] || fail "--record-args needs a value"; RECORD_ARGS=$2; shift 2 ;;
		*) fail "usage: bench/overhead.sh [--pairs N] [--conctrace PATH] [--record-args ARGS]" ;;
		esac
	done
	case $PAIRS in
	''|*[!0-9]*) fail "--pairs needs a number, got '$PAIRS'" ;;
	esac
	[ "$PAIRS" -ge 9 ] || fail "--pairs must be at least 9 for a stable median"
}

check_environment() {
	[ "$(id -u)" -eq 0 ] || fail "must run as root (conctrace loads BPF programs)"
	command -v "$CONCTRACE" >/dev/null || fail "conctrace not found at $CONCTRACE (build it or pass --conctrace)"
	[ -x "$PINGPONG" ] || fail "$PINGPONG missing; run 'make build/bench/pingpong' first"
	command -v taskset >/dev/null || fail "taskset not found (package util-linux)"
	[ -x /usr/bin/python3 ] || fail "/usr/bin/python3 not found"
}

# run_untraced OUT CMD...: run CMD with stdout to OUT.
run_untraced() {
	out=$1; shift
	"$@" >"$out" || fail "'$*' failed"
}

# run_traced OUT REPORT CMD...: run CMD under conctrace, keep its report as REPORT.
run_traced() {
	out=$1; report=$2; shift 2
	rm -rf "$TMP/record" && mkdir "$TMP/record" || fail "cannot create $TMP/record"
	# shellcheck disable=SC2086 # RECORD_ARGS is a list of options
	"$CONCTRACE" record -q $RECORD_ARGS -o "$TMP/record" -- "$@" >"$out" ||
		fail "'conctrace record -- $*' failed"
	mv "$TMP/record/report.json" "$report" 2>/dev/null ||
		fail "conctrace wrote no report.json for '$*'"
}

# run_pairs SECTION CMD...: N untraced/traced pairs, untraced first on odd pairs.
run_pairs() {
	section=$1; shift
	i=1
	while [ "$i" -le "$PAIRS" ]; do
		untraced=$TMP/$section.untraced.$i
		traced=$TMP/$section.traced.$i
		report=$TMP/$section.report.$i.json
		if [ $((i % 2)) -eq 1 ]; then
			run_untraced "$untraced" "$@"
			run_traced "$traced" "$report" "$@"
		else
			run_traced "$traced" "$report" "$@"
			run_untraced "$untraced" "$@"
		fi
		echo "($section) pair $i/$PAIRS done" >&2
		i=$((i + 1))
	done
}

# Prints the work-ns that paces untraced ping-pong to ~100k switches/s: one
# trial run, then one linear correction (each switch costs its latency + work).
calibrate_work_ns() {
	run_untraced "$TMP/calibrate" taskset -c "$PIN_CPU" "$PINGPONG" --rounds "$PACED_ROUNDS" --work-ns "$PACED_FIRST_WORK_NS"
	measured=$(stats field ns_per_switch "$TMP/calibrate") || fail "cannot read calibration run"
	/usr/bin/python3 -c "print(max(0, round($PACED_FIRST_WORK_NS + $PACED_NS_PER_SWITCH - $measured)))"
	echo "calibration: work $PACED_FIRST_WORK_NS ns gave $measured ns/switch" >&2
}

parse_args "$@"
check_environment
TMP=$(mktemp -d /tmp/conctrace-bench.XXXXXX) || fail "cannot create a temp dir"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 2' INT TERM

work_ns=$(calibrate_work_ns) || exit 2
echo "calibration: using --work-ns $work_ns" >&2
[ "$work_ns" -gt 0 ] ||
	echo "calibration: ping-pong is slower than 100k switches/s even without work" >&2
run_pairs a taskset -c "$PIN_CPU" "$PINGPONG" --rounds "$PINNED_ROUNDS"
run_pairs b taskset -c "$PIN_CPU" "$PINGPONG" --rounds "$PACED_ROUNDS" --work-ns "$work_ns"
echo "work-ns for (b): $work_ns"
stats summary "$TMP" "$PAIRS" || fail "cannot summarise the results"
