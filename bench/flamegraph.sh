#!/bin/sh
# Times `conctrace flamegraph` on 1,000,000 folded lines (target: under 1 s).
# Usage: sh bench/flamegraph.sh [LINES]   (from the repository root, after `make`)
# The input is generated once, deterministically, into build/bench/ and reused.
set -eu

LINES=${1:-1000000}
PYTHON=${PYTHON:-/usr/bin/python3}
DIR=build/bench
IN=$DIR/flame-$LINES-sorted.folded
OUT=$DIR/flame-$LINES.svg
RUNS=3

[ -x ./conctrace ] || { echo "flamegraph.sh: run 'make' first" >&2; exit 2; }
mkdir -p "$DIR"

# Stacks from a random walk over a fixed call graph of a few thousand frames: a Python
# interpreter's native prologue, Python functions, then sometimes native library frames,
# kernel frames and a wait-class leaf. Depth 5 to 40; counts skewed like real profiles. Sorted,
# as stackcollapse-*.pl and conctrace itself write folded files.
if [ ! -s "$IN" ]; then
	echo "generating $IN ($LINES lines)..." >&2
	"$PYTHON" - "$LINES" > "$IN.tmp" <<'EOF'
import random, sys

lines = int(sys.argv[1])
rnd = random.Random(42)
python = ["%s_%d (%s.py:%d)" % (rnd.choice(["handle", "get", "run", "parse", "load", "compute",
                                             "send", "wait_for", "_inner", "__call__"]), i,
                               "pkg/mod%d" % (i % 150), rnd.randrange(1, 900))
          for i in range(2000)]
native = ["%s_%d" % (rnd.choice(["PyObject_Call", "_PyEval_EvalFrame", "memcpy", "sqlite3_step",
                                 "ssl_read", "zlib_inflate", "pthread_cond_wait"]), i)
          for i in range(800)]
kernel = ["%s_%d_[k]" % (rnd.choice(["do_syscall_64", "vfs_read", "schedule", "tcp_recvmsg",
                                     "futex_wait", "ext4_file_write_iter"]), i)
          for i in range(400)]
waits = ["[disk]", "[gil]", "[runqueue]", "[lock]", "[loop-idle]", "[net]", "[timer]", "[pipe]",
         "[child]", "[kernel-lock]", "[other-sleep]", "[other-d]", "[oncpu]"]
prologue = ["python3", "_start", "__libc_start_main", "Py_BytesMain", "Py_RunMain",
            "_PyRun_SimpleFileObject", "run_mod"]
# Each Python function calls a few others, mostly "later" ones, so walks go deep without loops.
callees = [[rnd.randrange(i + 1, min(i + 400, 2000)) for _ in range(rnd.randrange(2, 6))]
           if i < 1999 else [] for i in range(2000)]

out = []
for _ in range(lines):
    depth = rnd.randrange(5, 41)
    stack = prologue[:rnd.randrange(3, len(prologue) + 1)]
    f = rnd.randrange(0, 40)
    while len(stack) < depth - 4 and callees[f]:
        stack.append(python[f])
        f = rnd.choice(callees[f])
    r = rnd.random()
    if r < 0.5:
        stack += rnd.sample(native, rnd.randrange(1, 3))
    if r < 0.3:
        stack += rnd.sample(kernel, rnd.randrange(1, 3))
    if rnd.random() < 0.6:
        stack.append(rnd.choice(waits))
    out.append("%s %d\n" % (";".join(stack[:depth]), int(rnd.paretovariate(1.2) * 10)))
    if len(out) == 10000:
        sys.stdout.write("".join(out))
        out = []
sys.stdout.write("".join(out))
EOF
	LC_ALL=C sort -S 25% -o "$IN.tmp" "$IN.tmp"
	mv "$IN.tmp" "$IN"
fi

# Prints the median of $RUNS runs on $1: seconds, MB/s of input, peak RSS and SVG size.
measure() {
	size=$(stat -c %s "$1")
	times=""
	for i in $(seq $RUNS); do
		/usr/bin/time -f "%e %M" -o "$DIR/flame.time" ./conctrace flamegraph "$1" > "$OUT"
		times="$times$(cat "$DIR/flame.time")
"
	done
	printf '%s' "$times" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p" | {
		read -r secs rss_kb
		awk -v s="$secs" -v b="$size" -v r="$rss_kb" -v svg="$(stat -c %s "$OUT")" -v what="$2" 'BEGIN {
			printf "  %s: median of 3: %.2f s, %.0f MB/s, peak RSS %.1f MB, SVG %.2f MB\n",
				what, s, (s > 0 ? b / 1e6 / s : 0), r / 1024, svg / 1e6
		}'
		[ "$2" != sorted ] || awk -v s="$secs" 'BEGIN { if (s >= 1) print "  SLOWER than the 1 s target" }'
	}
}

echo "flamegraph: $LINES lines, $(( $(stat -c %s "$IN") / 1000000 )) MB of folded stacks"
measure "$IN" sorted
# The same lines shuffled: no shared prefixes between neighbours, every lookup a cache miss.
[ -s "$DIR/flame-$LINES-shuffled.folded" ] ||
	shuf --random-source="$IN" -o "$DIR/flame-$LINES-shuffled.folded" "$IN"
measure "$DIR/flame-$LINES-shuffled.folded" shuffled
