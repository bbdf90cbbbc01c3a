#!/bin/sh
# The latency server's soak (tests/unit/matrix/test_serve_soak.c) at a size CI does not run:
# 20,000 connections by default, past a limit of two thirds of them, then slow clients, clients
# that vanish, a burst, and SIGTERM with requests waiting. Prints the soak's figures.
# Usage: sh bench/serve_soak.sh [CONNECTIONS]   (from the repository root)
# The soak's client process holds every connection of the flood at once, so CONNECTIONS must fit
# in its RLIMIT_NOFILE: the limit is raised where root may (CAP_SYS_RESOURCE), otherwise the
# soak runs at the most the hard limit holds, and says so.
set -eu

CONNECTIONS=${1:-20000}
SOAK=build/tests/unit/matrix/test_serve_soak
HEADROOM=128   # the client's own descriptors besides the flood

make --no-print-directory "$SOAK" >/dev/null
WANT=$((CONNECTIONS + HEADROOM))
if [ "$(ulimit -H -n)" != unlimited ] && [ "$(ulimit -H -n)" -lt "$WANT" ]; then
	ulimit -H -n "$WANT" 2>/dev/null || true
fi
HARD=$(ulimit -H -n)
if [ "$HARD" != unlimited ] && [ "$HARD" -lt "$WANT" ]; then
	echo "serve soak: the hard RLIMIT_NOFILE is $HARD and cannot be raised here:" \
	     "$((HARD - HEADROOM)) connections instead of $CONNECTIONS" >&2
	CONNECTIONS=$((HARD - HEADROOM))
fi
SERVE_SOAK_CONNECTIONS=$CONNECTIONS "$SOAK"
