#!/bin/sh
# `make fuzz`: runs each libFuzzer harness for SECONDS, all at once (one per CPU on the CI machine),
# from its seed corpus tests/fuzz/NAME/ plus what earlier runs found in OUT/corpus/NAME/, and
# prints how many inputs each tried. A crash, leak, sanitizer report or timeout fails, with the
# input saved as OUT/crash-NAME-* (or leak-/timeout-): add it to tests/fuzz/NAME/ once fixed.
# Seeds: report_json/ holds reports written by `conctrace record` (tests/progs/exitcode with
# --timeline, forker), trimmed of totals, explanation and long lists; folded/ a trimmed wall.folded
# and small hand-written files (after a NUL byte: the second input of a differential graph);
# regress-* are inputs that once failed. tests/fuzz/NAME.dict, when present, lists tokens of the
# format (report_json: its keys, wait classes and block operations).
# Usage: sh tests/fuzz/run.sh SECONDS OUT FUZZER...
set -u
seconds=$1
out=$2
shift 2
pids=
for bin in "$@"; do
	name=$(basename "$bin")
	dict=
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	mkdir -p "$out/corpus/$name"
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 $dict \
		-artifact_prefix="$out/crash-$name-" "$out/corpus/$name" "tests/fuzz/$name" \
		>"$out/$name.log" 2>&1 &
	pids="$pids $!"
done
failed=0
for pid in $pids; do
	bin=$1
	shift
	name=$(basename "$bin")
	if wait "$pid"; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name.log")
		echo "fuzz: $name: $runs runs in ${seconds} s, no crash ($(ls "$out/corpus/$name" | wc -l) inputs in $out/corpus/$name)"
	else
		echo "fuzz: $name: FAILED, see $out/$name.log" >&2
		grep -A 30 -m 1 -e '==ERROR' -e 'runtime error' -e 'deadly signal' "$out/$name.log" >&2
		failed=1
	fi
done
exit $failed
