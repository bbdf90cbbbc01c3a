#!/bin/sh
# Times `conctrace flamegraph` on 1,000,000 folded lines (target: under 1 s).
# Usage: [RUNS=5] sh bench/flamegraph.sh [LINES]   (from the repository root, after `make`)
# The input is generated once, deterministically, into build/bench/ and reused.
set -eu

LINES=${1:-1000000}
PYTHON=${PYTHON:-/usr/bin/python3}
DIR=build/bench
IN=$DIR/flame-$LINES-sorted.folded
RUNS=${RUNS:-5}

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

SHUFFLED=$DIR/flame-$LINES-shuffled.folded
# The same lines shuffled: no shared prefixes between neighbours. Rendering must not depend on the
# order, in time (under 1 s) or in output (the same bytes).
[ -s "$SHUFFLED" ] || shuf --random-source="$IN" -o "$SHUFFLED" "$IN"

# The inputs take turns, so a busy machine slows both alike.
rm -f "$DIR"/flame-sorted.times "$DIR"/flame-shuffled.times
for i in $(seq "$RUNS"); do
	for what in sorted shuffled; do
		input=$IN
		[ "$what" = sorted ] || input=$SHUFFLED
		/usr/bin/time -f "%e %U %S %M" -a -o "$DIR/flame-$what.times" \
			./conctrace flamegraph "$input" > "$DIR/flame-$LINES-$what.svg"
	done
done

# Medians of wall and CPU (user + system) seconds, the largest peak RSS, input MB/s, SVG size.
report() {
	sort -n "$DIR/flame-$1.times" | awk -v runs="$RUNS" -v what="$1" -v b="$(stat -c %s "$2")" \
		-v svg="$(stat -c %s "$DIR/flame-$LINES-$1.svg")" '
		{ wall[NR] = $1; cpu[NR] = $2 + $3; if ($4 > rss) rss = $4 }
		END {
			sort_numbers(cpu, NR); m = int((NR + 1) / 2)
			printf "  %-9s median of %d: %.2f s (CPU %.2f s), %.0f MB/s, peak RSS %.1f MB, SVG %.2f MB\n",
				what ":", runs, wall[m], cpu[m], (wall[m] > 0 ? b / 1e6 / wall[m] : 0), rss / 1024, svg / 1e6
			if (wall[m] >= 1)
				print "  SLOWER than the 1 s target"
		}
		function sort_numbers(a, n,   i, j, t) { # insertion sort: mawk has no asort
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		}'
}

echo "flamegraph: $LINES lines, $(( $(stat -c %s "$IN") / 1000000 )) MB of folded stacks, $RUNS runs each"
report sorted "$IN"
report shuffled "$SHUFFLED"
if cmp -s "$DIR/flame-$LINES-sorted.svg" "$DIR/flame-$LINES-shuffled.svg"; then
	echo "  sorted and shuffled input give the same SVG"
else
	echo "  DIFFERENT SVGs from sorted and shuffled input" >&2
	exit 1
fi
