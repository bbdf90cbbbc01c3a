#!/bin/sh
# Checks the architecture of user space (userspace/README.md): a unit (userspace/LAYER/NAME.[ch])
# includes headers of its own layer or of the layers it may call, never of a layer above; and no
# units include each other in a cycle. The C workloads (workloads/c) must form no cycle either.
# Prints every violation and exits 1 when there is one. Usage: sh tests/layers.sh [TOP]
set -u
top=${1:-.}
cd "$top" || exit 2

# The layers each layer may include (itself included).
allowed() {
	case $1 in
	base) echo "base" ;;
	model) echo "base model" ;;
	trace) echo "base model trace" ;;
	analyze) echo "base model analyze" ;;
	render) echo "base model analyze render" ;;
	matrix) echo "base model analyze render matrix" ;;
	cli) echo "base model trace analyze render matrix cli" ;;
	*) echo "" ;;
	esac
}

bad=0
edges=$(mktemp) || exit 2
trap 'rm -f "$edges"' EXIT

# "unit included-unit" pairs of DIR's sources; PREFIX names the units ("userspace/": layer/name).
include_pairs() {
	for f in "$1"/*.[ch] "$1"/*/*.[ch]; do
		[ -f "$f" ] || continue
		unit=${f#"$1"/}
		unit=${unit%.[ch]}
		sed -n 's/^#include "\([^"]*\)\.h".*/\1/p' "$f" | while read -r inc; do
			echo "$unit $inc"
		done
	done
}

include_pairs userspace > "$edges"
while read -r unit inc; do
	layer=${unit%%/*}
	inc_layer=${inc%%/*}
	[ "$inc_layer" = "$inc" ] && continue     # a generated or bpf/ header, not a unit
	[ -d "userspace/$inc_layer" ] || continue  # bpf/tracer.h: the types shared with the kernel side
	if [ -z "$(allowed "$layer")" ]; then
		echo "layers: userspace/$layer is not a known layer (add it to tests/layers.sh)"
		bad=1
	elif ! echo " $(allowed "$layer") " | grep -q " $inc_layer "; then
		echo "layers: $unit includes $inc.h: $layer may not call $inc_layer"
		bad=1
	fi
done < "$edges"

# Cycles between units: tsort names the units of each loop it finds.
for dir in userspace workloads/c; do
	loops=$(include_pairs "$dir" | awk '$1 != $2' | tsort 2>&1 >/dev/null |
		sed -n 's/^tsort: \([^ ]*\)$/\1/p' | sort -u)
	if [ -n "$loops" ]; then
		echo "layers: units of $dir include each other in a cycle through:" $loops
		bad=1
	fi
done
[ $bad = 0 ] || exit 1
