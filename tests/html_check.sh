#!/bin/sh
# Renders a report.html in headless Chromium: checks the DOM holds the charts and flame graphs,
# and writes a PNG a person can look at.
#   tests/html_check.sh CONCTRACE REPORT_PATH OUT_DIR
# REPORT_PATH is anything `conctrace report` takes; OUT_DIR receives every export, dom.html and
# report.png. Exit 0 when the page rendered with its charts, 1 otherwise, 77 without chromium.
set -eu
conctrace=$1 report=$2 out=$3

command -v chromium >/dev/null || { echo "html_check: no chromium (apt-get install chromium)"; exit 77; }
"$conctrace" report -q -o "$out" "$report"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# Offline by construction: no network flags are needed, but none of chromium's own traffic either.
chrome() {
	timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
	    --disable-component-update --no-first-run --user-data-dir="$profile" "$@" 2>/dev/null
}
chrome --dump-dom "file://$(realpath "$out")/report.html" > "$out/dom.html"
for want in '<svg id="thread-chart"' '<svg id="cell-chart"' 'id="flame-oncpu"' 'id="flame-offcpu"' \
    '<table id="processes"' '<pre id="summary"' '<pre id="tables"'; do
	grep -q "$want" "$out/dom.html" && found="${found:-}x"
done
# A run's page has the thread chart, summary, table and two flame graphs; a run directory's page
# has the cell chart and the tables.
if ! grep -q '<svg id="thread-chart"' "$out/dom.html" && ! grep -q '<svg id="cell-chart"' "$out/dom.html"; then
	echo "html_check: $out/report.html: no chart in the rendered page"; exit 1
fi
chrome --screenshot="$(realpath "$out")/report.png" --window-size=1280,2400 --hide-scrollbars \
    "file://$(realpath "$out")/report.html" >/dev/null
[ -s "$out/report.png" ] || { echo "html_check: no screenshot"; exit 1; }
echo "html_check: rendered ${#found} sections; screenshot $out/report.png"
