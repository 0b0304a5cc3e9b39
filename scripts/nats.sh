#!/usr/bin/env bash
# The nats-server binary for tests.
#
#   scripts/nats.sh bin   print the absolute path of a nats-server binary
#
# Looks on PATH, then at /usr/sbin/nats-server and /usr/bin/nats-server;
# installs Debian's nats-server package with apt-get when none is found
# (NATS_FORCE_INSTALL=1 installs it anyway). Tests start, kill and restart
# their own servers through internal/natsproc, which reads the path from
# ARENA_TEST_NATS (make gotest sets it from this script).
# Everything but the path goes to stderr.
set -euo pipefail

usage() { echo "usage: $0 bin" >&2; exit 2; }
[ $# -eq 1 ] || usage
cmd=$1

log() { echo "nats.sh: $*" >&2; }

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi

# find_bin prints the absolute path of an installed nats-server, or nothing.
find_bin() {
	local b
	b=$(command -v nats-server 2>/dev/null || true)
	case $b in
	/*) [ -x "$b" ] && { echo "$b"; return 0; } ;;
	esac
	for b in /usr/sbin/nats-server /usr/bin/nats-server; do
		[ -x "$b" ] && { echo "$b"; return 0; }
	done
	return 0
}

bin() {
	local b
	b=$(find_bin)
	if [ -z "$b" ] || [ -n "${NATS_FORCE_INSTALL:-}" ]; then
		log "installing nats-server with apt-get"
		$SUDO apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nats-server >/dev/null
		b=$(find_bin)
		[ -n "$b" ] || { log "no nats-server binary after installing nats-server"; exit 1; }
		log "installed $("$b" --version 2>/dev/null || echo nats-server) at $b"
	fi
	echo "$b"
}

case $cmd in
bin) bin ;;
*) usage ;;
esac
