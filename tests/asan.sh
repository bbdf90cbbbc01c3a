#!/bin/sh
# `make asan`: the unit tests, a few recordings and every report command, built with ASan+UBSan
# (ASAN_OPTIONS/UBSAN_OPTIONS from the Makefile halt on the first error and check for leaks).
# Each command must exit with the status it is expected to and print no sanitizer report: a leak
# in a criterion worker is reported after the test passed, so the exit status alone misses it.
# Usage: sh tests/asan.sh CONCTRACE PROGS_DIR UNIT_TEST... Needs root (record loads BPF programs).
set -u
bin=$1
progs=$2
shift 2
python=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d /tmp/conctrace-asan.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0
n=0

# check WANT CMD...: runs CMD, stderr to a file; WANT is the exit status it must give.
check() {
	want=$1
	shift
	n=$((n + 1))
	"$@" >"$work/out.$n" 2>"$work/err.$n"
	got=$?
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$work/err.$n"; then
		echo "asan: FAIL (sanitizer report): $*" >&2
		cat "$work/err.$n" >&2
		failed=1
	elif [ "$got" != "$want" ]; then
		echo "asan: FAIL (exit $got, expected $want): $*" >&2
		tail -n 20 "$work/err.$n" >&2
		failed=1
	fi
}

for t in "$@"; do
	check 0 "$t" --jobs 2
done
check 0 "$bin" record -q -o "$work/sleeper" -- "$progs/sleeper"
check 0 "$bin" record -q --timeline -o "$work/threads" -- "$progs/busythreads"
check 0 "$bin" record -q --timeline -o "$work/forker" -- "$progs/forker"
check 0 "$bin" record -q -o "$work/python" -- "$python" -c \
	'import threading,time; t=threading.Thread(target=time.sleep,args=(0.1,)); t.start(); sum(range(2000000)); t.join()'
check 3 "$bin" record -q -o "$work/exitcode" -- "$progs/exitcode" 3
check 0 "$bin" report "$work/threads"
check 0 "$bin" report -q -o "$work/exports" "$work/forker/report.json"
check 0 "$bin" report -q --svg wall -o "$work/wall.svg" "$work/python"
check 0 "$bin" diff --svg "$work/diff.svg" "$work/sleeper" "$work/threads"
check 1 "$bin" report -q --push http://127.0.0.1:1 "$work/sleeper"  # nothing listens: retried, then exit 1
check 0 "$bin" flamegraph "$work/threads/wall.folded"
check 0 "$bin" flamegraph "$work/sleeper/wall.folded" "$work/threads/wall.folded"
printf 'not json' >"$work/bad.json"
check 2 "$bin" report "$work/bad.json"
check 2 "$bin" flamegraph "$work/bad.json"
echo "asan: $n commands, $([ $failed = 0 ] && echo 'no sanitizer report' || echo FAILED)"
exit $failed
