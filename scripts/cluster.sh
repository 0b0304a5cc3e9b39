#!/usr/bin/env bash
# Several Arena nodes, NATS and PostgreSQL on this machine: a cluster to try.
#
#   scripts/cluster.sh [NODES]     (default 3)
#
# Builds bin/arena and the web client (make build), starts a throwaway
# PostgreSQL cluster (scripts/pg.sh) and a nats-server with JetStream
# (scripts/nats.sh installs Debian's nats-server when missing), both on
# loopback, then NODES arena nodes on http://127.0.0.1:8081, :8082, … with
# ids n1, n2, …, all on that NATS and that database. Open any node's URL in
# a browser; players who sign in on different nodes are matched together.
# Each node logs to $DIR/nK.log. Ctrl-C stops the nodes (SIGTERM: matches
# finish within -shutdown-grace), then NATS and PostgreSQL, and removes $DIR.
#
# Environment: CLUSTER_PORT (first node's port, default 8081), NATS_PORT
# (default 4222), ARENA_* (passed to every node, e.g. ARENA_LOG_LEVEL=debug).
#
# What each node is started with, to run nodes by hand or on several machines:
#   arena -addr :PORT -nats nats://HOST:4222 -db postgres://… -node-id ID -public-url http://HOST:PORT
set -euo pipefail

nodes=${1:-3}
first=${CLUSTER_PORT:-8081}
natsport=${NATS_PORT:-4222}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
dir=$(mktemp -d "${TMPDIR:-/tmp}/arena-cluster.XXXXXX")
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/arena-pg.XXXXXX") # its own: pg.sh hands it to the postgres user
pids=()

cleanup() {
	trap - EXIT INT TERM
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	[ -n "${nats_pid:-}" ] && { kill -TERM "$nats_pid" 2>/dev/null || true; wait "$nats_pid" 2>/dev/null || true; }
	"$here/pg.sh" stop "$dir/pg" || true
	rm -rf "$dir"
	echo "cluster stopped"
}
trap cleanup EXIT INT TERM

make -C "$root" build >/dev/null
dsn=$("$here/pg.sh" start "$dir/pg")
nats=$("$here/nats.sh" bin)
"$nats" -a 127.0.0.1 -p "$natsport" -js -sd "$dir/nats" >"$dir/nats.log" 2>&1 &
nats_pid=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$natsport") 2>/dev/null && break
	sleep 0.1
done

for k in $(seq "$nodes"); do
	port=$((first + k - 1))
	"$root/bin/arena" -addr "127.0.0.1:$port" -admin-addr "" -web-dir "$root/bin/web" \
		-nats "nats://127.0.0.1:$natsport" -db "$dsn" -node-id "n$k" \
		-public-url "http://127.0.0.1:$port" >"$dir/n$k.log" 2>&1 &
	pids+=($!)
	echo "node n$k: http://127.0.0.1:$port/ (log $dir/n$k.log)"
done
echo "NATS nats://127.0.0.1:$natsport, PostgreSQL $dsn; Ctrl-C stops everything"
wait -n "${pids[@]}" || true
echo "a node exited; see its log" >&2
