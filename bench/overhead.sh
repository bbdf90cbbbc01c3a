#!/bin/sh
# Tracing overhead of `conctrace record` on a context-switch-heavy ping-pong, beside `perf sched
# record` measured in the same rounds (the machine is noisy: only side-by-side figures compare).
#   bench/overhead.sh [--rounds N] [--conctrace PATH] [--record-args 'ARGS'] [--before PATH]
# (a) Each round runs the pinned ping-pong untraced, under perf sched record, under conctrace
#     (with ARGS), under conctrace --no-syscall-stats and, with --before, under another conctrace
#     build; the order rotates from round to round so drift favours none. Prints each one's added
#     cost per switch (median over rounds) and conctrace's cost as a share of perf sched's.
# (b) A paced ping-pong near 100k switches/s, untraced and traced in alternating pairs: the
#     slowdown and the drops at a rate programs reach.
# Exits 0 whatever the verdicts; 2 when something could not be run.
set -u

BENCH_DIR=$(dirname "$0")
PINGPONG=$BENCH_DIR/../build/bench/pingpong
ROUNDS=9
CONCTRACE=./conctrace
RECORD_ARGS=
BEFORE=
PINNED_ROUNDS=300000       # ~0.6 s at ~1 us per switch, both threads on PIN_CPU
PACED_ROUNDS=50000         # ~1 s at the paced rate
PACED_NS_PER_SWITCH=10000  # 100k switches/s
PACED_FIRST_WORK_NS=4000
# (b) is pinned too: unpinned, the scheduler flips the two threads between one
# CPU (~1.3 us/switch) and two (20-50 us/switch: cross-CPU wake-up of an idle
# vCPU), so the rate cannot be held near 100k/s.  CPU 0 stays free for the tracers.
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
		--rounds) [ $# -ge 2 ] || fail "--rounds needs a number"; ROUNDS=$2; shift 2 ;;
		--conctrace) [ $# -ge 2 ] || fail "--conctrace needs a path"; CONCTRACE=$2; shift 2 ;;
		--record-args) [ $# -ge 2 ] || fail "--record-args needs a value"; RECORD_ARGS=$2; shift 2 ;;
		--before) [ $# -ge 2 ] || fail "--before needs a path"; BEFORE=$2; shift 2 ;;
		*) fail "usage: bench/overhead.sh [--rounds N] [--conctrace PATH] [--record-args ARGS] [--before PATH]" ;;
		esac
	done
	case $ROUNDS in
	''|*[!0-9]*) fail "--rounds needs a number, got '$ROUNDS'" ;;
	esac
	[ "$ROUNDS" -ge 7 ] || fail "--rounds must be at least 7 for a stable median"
}

check_environment() {
	[ "$(id -u)" -eq 0 ] || fail "must run as root (conctrace loads BPF programs)"
	command -v "$CONCTRACE" >/dev/null || fail "conctrace not found at $CONCTRACE (build it or pass --conctrace)"
	[ -z "$BEFORE" ] || command -v "$BEFORE" >/dev/null || fail "--before: no conctrace at $BEFORE"
	[ -x "$PINGPONG" ] || fail "$PINGPONG missing; run 'make build/bench/pingpong' first"
	command -v perf >/dev/null || fail "perf not found (package linux-perf; 'make deps' installs it)"
	command -v taskset >/dev/null || fail "taskset not found (package util-linux)"
	[ -x /usr/bin/python3 ] || fail "/usr/bin/python3 not found"
}

# run_untraced OUT CMD...: run CMD with stdout to OUT.
run_untraced() {
	out=$1; shift
	"$@" >"$out" || fail "'$*' failed"
}

# run_traced BINARY ARGS OUT REPORT CMD...: run CMD under conctrace BINARY record ARGS, keep its
# report as REPORT.
run_traced() {
	binary=$1; args=$2; out=$3; report=$4; shift 4
	rm -rf "$TMP/record" && mkdir "$TMP/record" || fail "cannot create $TMP/record"
	# shellcheck disable=SC2086 # ARGS is a list of options
	"$binary" record -q $args -o "$TMP/record" -- "$@" >"$out" ||
		fail "'$binary record $args -- $*' failed"
	mv "$TMP/record/report.json" "$report" 2>/dev/null ||
		fail "$binary wrote no report.json for '$*'"
}

# run_perf_sched OUT CMD...: run CMD under perf sched record (its data thrown away; -B: no build-id
# pass over the 160 MB it writes, which does not change the recording).
run_perf_sched() {
	out=$1; shift
	perf sched record -q -B -o "$TMP/perf.data" -- "$@" >"$out" 2>"$TMP/perf.err" ||
		fail "'perf sched record -- $*' failed: $(cat "$TMP/perf.err")"
	rm -f "$TMP/perf.data"
}

# run_variant NAME ROUND CMD...: one run of CMD as variant NAME, output in a.NAME.ROUND.
run_variant() {
	name=$1; i=$2; shift 2
	out=$TMP/a.$name.$i
	case $name in
	untraced) run_untraced "$out" "$@" ;;
	perf-sched) run_perf_sched "$out" "$@" ;;
	conctrace) run_traced "$CONCTRACE" "$RECORD_ARGS" "$out" "$TMP/a.$name.report.$i.json" "$@" ;;
	no-syscall-stats) run_traced "$CONCTRACE" "$RECORD_ARGS --no-syscall-stats" "$out" \
		"$TMP/a.$name.report.$i.json" "$@" ;;
	before) run_traced "$BEFORE" "$RECORD_ARGS" "$out" "$TMP/a.$name.report.$i.json" "$@" ;;
	esac
}

# rotated K WORD...: the words from the K-th (counting from 0, modulo their number) on, then the
# ones before it.
rotated() {
	k=$1; shift
	k=$((k % $#)); j=0; front=; back=
	for word; do
		if [ "$j" -lt "$k" ]; then back="$back $word"; else front="$front $word"; fi
		j=$((j + 1))
	done
	echo $front $back
}

# side_by_side CMD...: ROUNDS rounds of every variant, the order rotated by one each round.
side_by_side() {
	i=1
	while [ "$i" -le "$ROUNDS" ]; do
		# shellcheck disable=SC2086 # VARIANTS is a list of names
		for name in $(rotated $((i - 1)) $VARIANTS); do
			run_variant "$name" "$i" "$@"
		done
		echo "(a) round $i/$ROUNDS done" >&2
		i=$((i + 1))
	done
}

# paced_pairs CMD...: ROUNDS untraced/traced pairs, untraced first on odd pairs.
paced_pairs() {
	i=1
	while [ "$i" -le "$ROUNDS" ]; do
		untraced=$TMP/b.untraced.$i
		traced=$TMP/b.traced.$i
		report=$TMP/b.report.$i.json
		if [ $((i % 2)) -eq 1 ]; then
			run_untraced "$untraced" "$@"
			run_traced "$CONCTRACE" "$RECORD_ARGS" "$traced" "$report" "$@"
		else
			run_traced "$CONCTRACE" "$RECORD_ARGS" "$traced" "$report" "$@"
			run_untraced "$untraced" "$@"
		fi
		echo "(b) pair $i/$ROUNDS done" >&2
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
VARIANTS="untraced perf-sched conctrace no-syscall-stats${BEFORE:+ before}"

side_by_side taskset -c "$PIN_CPU" "$PINGPONG" --rounds "$PINNED_ROUNDS"
work_ns=$(calibrate_work_ns) || exit 2
echo "calibration: using --work-ns $work_ns" >&2
[ "$work_ns" -gt 0 ] ||
	echo "calibration: ping-pong is slower than 100k switches/s even without work" >&2
paced_pairs taskset -c "$PIN_CPU" "$PINGPONG" --rounds "$PACED_ROUNDS" --work-ns "$work_ns"
echo "work-ns for (b): $work_ns"
# shellcheck disable=SC2086
stats summary "$TMP" "$ROUNDS" $VARIANTS || fail "cannot summarise the results"
