#!/bin/sh
# The README's two set-up commands: `sh setup.sh run` and `sh setup.sh test`. As root on a fresh
# Debian 12 machine: installs make if missing, then `make run` / `make test` install the rest.
set -e
case "$1" in
run|test) ;;
*) echo "usage: sh setup.sh run|test" >&2; exit 2 ;;
esac
if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: run as root: it installs Debian packages, and conctrace loads BPF programs" >&2
	exit 2
fi
cd "$(dirname "$0")"
if ! command -v make >/dev/null 2>&1; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq make >/dev/null
fi
exec make "$1"
