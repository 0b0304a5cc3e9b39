#!/usr/bin/env bash
# Cluster figures: three Arena nodes, NATS and PostgreSQL on this machine,
# loaded with bots that sign in through every node (README "Running several
# nodes").
#
# Builds bin/arena and bin/arena-bots, starts a throwaway PostgreSQL cluster
# (scripts/pg.sh) and a nats-server with JetStream (scripts/nats.sh) on
# loopback, then NODES nodes (default 3) with short duels (bench/cluster-modes.json:
# 30 s matches, so a run sees many matches form), and runs
#   arena-bots -server URL1,URL2,URL3 -bots BOTS -mode duel -duration D -json
# It scrapes each node's /metrics (arena_node_nats_*, arena_players_connected,
# arena_matches_active) before and after the window and writes one JSON
# object to bench/results/cluster-<date>-<commit>.json: the bots' summary
# (found_to_snapshot_ms: a match on the player's own node; moved_to_snapshot_ms:
# a match on another node, through close, connect and seat ticket), and per
# node the NATS messages and bytes in and out over the window, with their
# sum per player per second.
#
# Usage: bench/cluster.sh      Settings: NODES=3 BOTS=48 DURATION=60s
# Needs bash, curl, and go to build; apt-get for PostgreSQL and nats-server
# when missing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
nodes=${NODES:-3}
bots=${BOTS:-48}
duration=${DURATION:-60s}
GO=${GO:-go}
stamp=$(date -u +%Y%m%dT%H%MZ)
commit=$(git rev-parse --short HEAD)
out="bench/results/cluster-$stamp-$commit.json"
dir=$(mktemp -d "${TMPDIR:-/tmp}/arena-bench-cluster.XXXXXX")
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/arena-pg.XXXXXX") # its own: pg.sh hands it to the postgres user
pids=()

cleanup() {
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	[ -n "${nats_pid:-}" ] && { kill -TERM "$nats_pid" 2>/dev/null || true; wait "$nats_pid" 2>/dev/null || true; }
	scripts/pg.sh stop "$pgdir" || true
	rm -rf "$dir"
}
trap cleanup EXIT

$GO build -o bin/arena ./cmd/arena
$GO build -o bin/arena-bots ./cmd/arena-bots
dsn=$(scripts/pg.sh start "$pgdir")
nats=$(scripts/nats.sh bin)
"$nats" -a 127.0.0.1 -p -1 -js -sd "$dir/nats" --ports_file_dir "$dir" >"$dir/nats.log" 2>&1 &
nats_pid=$!
for _ in $(seq 100); do
	ports=$(cat "$dir"/nats-server_*.ports 2>/dev/null || true)
	[ -n "$ports" ] && break
	sleep 0.1
done
natsurl=$(echo "$ports" | grep -o 'nats://[^"]*' | head -n 1)
[ -n "$natsurl" ] || { echo "nats-server did not start; $dir/nats.log:" >&2; cat "$dir/nats.log" >&2; exit 1; }

urls=()
for k in $(seq "$nodes"); do
	bin/arena -addr 127.0.0.1:0 -admin-addr "" -web-dir "$dir" -modes bench/cluster-modes.json \
		-nats "$natsurl" -db "$dsn" -node-id "n$k" >"$dir/n$k.out" 2>"$dir/n$k.log" &
	pids+=($!)
done
for k in $(seq "$nodes"); do
	url=
	for _ in $(seq 200); do
		url=$(grep -o 'http://[^ ]*/' "$dir/n$k.out" 2>/dev/null | head -n 1 || true)
		[ -n "$url" ] && curl -fsS "${url}healthz" >/dev/null 2>&1 && break
		url=
		sleep 0.1
	done
	[ -n "$url" ] || { echo "node n$k did not start:" >&2; cat "$dir/n$k.log" >&2; exit 1; }
	urls+=("${url%/}")
done
list=$(IFS=,; echo "${urls[*]}")

# scrape prints one node's cluster counters as JSON.
scrape() {
	curl -fsS "$1/metrics" | awk '
		/^arena_node_nats_messages_in_total / {mi=$2} /^arena_node_nats_messages_out_total / {mo=$2}
		/^arena_node_nats_bytes_in_total / {bi=$2} /^arena_node_nats_bytes_out_total / {bo=$2}
		/^arena_players_connected / {p=$2} /^arena_matches_active / {m=$2}
		END {printf "{\"msgs_in\":%d,\"msgs_out\":%d,\"bytes_in\":%d,\"bytes_out\":%d,\"players\":%d,\"matches\":%d}", mi, mo, bi, bo, p, m}'
}

# The window: the bots ramp up, then play for DURATION; the NATS counters
# are read when the bots' window starts (after ramp-up, first matches
# placed) and when it ends, by a sampler beside them.
summary="$dir/bots.json"
bin/arena-bots -server "$list" -bots "$bots" -mode duel -duration "$duration" -ramp 100 -decode-every 1 -json >"$summary" 2>"$dir/bots.log" &
botpid=$!
# Ramp-up of BOTS at 100/s, then a second for the first matches to form.
sleep $(( bots / 100 + 2 ))
before=()
for u in "${urls[@]}"; do before+=("$(scrape "$u")"); done
t0=$(date +%s.%N)
wait "$botpid" || true
t1=$(date +%s.%N)
after=()
for u in "${urls[@]}"; do after+=("$(scrape "$u")"); done

{
	echo "{\"kind\":\"cluster\",\"date\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"commit\":\"$commit\",\"machine\":\"$(nproc) cores, $(uname -m)\","
	echo "\"nodes\":$nodes,\"bots\":$bots,\"scrape_start\":$t0,\"scrape_end\":$t1,"
	echo "\"per_node\":["
	for i in "${!urls[@]}"; do
		[ "$i" -gt 0 ] && echo ","
		echo "{\"url\":\"${urls[$i]}\",\"before\":${before[$i]},\"after\":${after[$i]}}"
	done
	echo "],\"summary\":$(cat "$summary")}"
} | $GO run ./bench/cluster-report >"$out"
$GO run ./bench/cluster-report -table "$out"
echo "wrote $out"
