#!/bin/sh
# Renders a page conctrace wrote (a run's index.html or a report.html) in headless Chromium and
# checks it as a reader would find it:
#   - no message on the console (a script error, a resource that failed);
#   - its charts: index.html, one bar per model in each workload-and-runtime chart (BARS of them);
#     report.html, a bar per thread, the critical path (or the note that there is none), the three
#     flame graphs;
#   - every link leads to a file that exists (relative to the page);
#   - a screenshot, whose drawn share png_ink checks: no blank box (an empty band of 100 rows).
#   tests/html_check.sh PAGE OUT_DIR [BARS]
# OUT_DIR receives NAME.dom.html, NAME.console.txt and NAME.png (NAME: the page's file name).
# Exit 0 when every check passed, 1 otherwise (chromium is in the Makefile's DEBS: `make deps`).
# Env: PNG_INK, the png_ink tool (default build/tests/png_ink).
set -eu
page=$1 out=$2 bars=${3:-}
png_ink=${PNG_INK:-build/tests/png_ink}

command -v chromium >/dev/null || { echo "html_check: no chromium: run make deps"; exit 1; }
[ -f "$page" ] || { echo "html_check: no page $page"; exit 1; }
mkdir -p "$out"
name=$(basename "$page" .html)
url="file://$(realpath "$page")"
dir=$(dirname "$page")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
fail() { echo "html_check: $page: $*"; exit 1; }
# Offline by construction: the pages fetch nothing, and Chromium's own traffic is switched off.
chrome() {
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
	    --disable-component-update --no-first-run --hide-scrollbars --user-data-dir="$profile" \
	    --enable-logging=stderr --v=0 "$@"
}
chrome --dump-dom "$url" > "$out/$name.dom.html" 2> "$out/$name.console.txt"
if grep -q ':CONSOLE' "$out/$name.console.txt"; then
	grep ':CONSOLE' "$out/$name.console.txt"
	fail "console messages"
fi
dom=$out/$name.dom.html

# Charts. One line per svg element or bar, in document order, to count bars per chart.
tags=$(grep -o '<svg [^>]*class="[a-z-]*"\|<g class="bar"' "$dom" | sed 's/.*class="\([a-z-]*\)".*/\1/')
if grep -q '<svg [^>]*class="model-chart"' "$dom"; then
	[ -n "$bars" ] || fail "give the number of models (BARS) to check the charts of a run's page"
	counts=$(echo "$tags" | awk '$0 != "bar" { if (c != "") print c; c = ($0 == "model-chart") ? 0 : "" }
	    $0 == "bar" && c != "" { c++ } END { if (c != "") print c }')
	charts=$(echo "$counts" | wc -l)
	echo "$counts" | grep -qvx "$bars" && fail "a chart without one bar per model (bars per chart: $(echo $counts))"
	grep -q 'class="card claim"' "$dom" || fail "no verdict cards"
	grep -q 'class="card comparison"' "$dom" || fail "no comparison cards"
	what="$charts charts of $bars bars"
else
	threads=$(echo "$tags" | awk '$0 == "thread-chart" { on = 1; next } $0 != "bar" { on = 0 } on { n++ } END { print n + 0 }')
	[ "$threads" -gt 0 ] || fail "no bar in the thread chart"
	for id in flame-wall flame-offcpu flame-oncpu; do
		grep -q "id=\"$id\"" "$dom" || fail "no $id"
	done
	grep -q '<svg [^>]*id="timeline"' "$dom" || grep -q 'recorded without <code>--timeline' "$dom" ||
	    fail "neither the critical path nor the note that there is no timeline"
	grep -q '<ol class="findings">' "$dom" || fail "no findings"
	what="$threads thread bars, 3 flame graphs"
fi

# Links: every href but anchors and data: URIs names a file beside the page.
links=0
for href in $(grep -o 'href="[^"#][^"]*"' "$dom" | sed 's/^href="//; s/"$//' | grep -v '^data:' | sort -u); do
	case $href in
	*://*) fail "a link out of the page: $href" ;;
	esac
	[ -f "$dir/$href" ] || fail "a link to a missing file: $href"
	links=$((links + 1))
done

height=$( [ "$name" = index ] && echo 5000 || echo 4000 )
chrome --screenshot="$(realpath "$out")/$name.png" --window-size=1280,$height "$url" >/dev/null 2>&1
[ -s "$out/$name.png" ] || fail "no screenshot"
"$png_ink" "$out/$name.png" || fail "blank boxes or too little drawn in the screenshot"
echo "html_check: $page: $what, $links links, no console message; screenshot $out/$name.png"
