#!/usr/bin/env bash
# Capacity: how many ffa16 bots one Arena server holds at 30 Hz
# (docs/benchmark.md).
#
# Builds bin/arena, bin/arena-bots and bin/bench-table, then for each
# placement (shared: no affinity; pinned: server on CPU 0 with GOMAXPROCS=1,
# bots on CPU 1) and each bot count, smallest first, starts a fresh server on
# a free loopback port, loads it with
#   arena-bots -bots N -mode ffa16 -duration D -ramp R -decode-every K -server-pid PID -json
# stops it, appends the run's JSON summary (with placement, machine, commit
# and date) as one line to bench/results/capacity-<date>-<commit>.jsonl,
# and prints its markdown table row (bench/table). A run holds its bots when
# it meets every criterion of docs/benchmark.md, which loadtest's
# Summary.Verdict checks:
#   ~30 snapshots per bot per second (at least 98 % of the tick rate);
#   snapshot inter-arrival p99 < 2 ticks; input-to-acknowledgement p99 <= 2
#   ticks; every bot connected and playing; 0 errors; 0 snapshots dropped by
#   the server or missed by the bots; the bots' CPU below 90 % of the cores
#   they may use, else the row says "bots saturated": the run measured the
#   bots, not the server.
# A placement stops stepping up at its first run that does not hold.
#
# Usage: bench/capacity.sh            (from anywhere in the repository)
# Settings, from the environment:
#   BOTS="64 256 1024 2048 3072 4096"  bot counts, stepped up in this order
#   PLACEMENTS="shared pinned"        placements to run
#   DURATION=20s                      measurement window (a Go duration)
#   RAMP=200                          bots started per second
#   DECODE_EVERY=16                   one bot in K decodes and times acknowledgements
#   GO=go                             the go command
#
# Output: the table on stdout; the JSON lines in bench/results/ (commit
# them: `go run ./bench/table bench/results/capacity-*.jsonl` makes the
# README's tables from them); the server's and the bots' logs in
# bench/logs/<date>/ (not committed). Needs bash, coreutils, curl and
# taskset (util-linux), and go to build.
#
# The bots share the machine with the server (in "pinned", each has its own
# core); figures from a machine busy with other work are not capacity.
set -euo pipefail

BOTS=${BOTS:-64 256 1024 2048 3072 4096}
PLACEMENTS=${PLACEMENTS:-shared pinned}
DURATION=${DURATION:-20s}
RAMP=${RAMP:-200}
DECODE_EVERY=${DECODE_EVERY:-16}
GO=${GO:-go}
MODE=ffa16

die() {
	echo "capacity: $*" >&2
	exit 1
}

# --- requirements ---------------------------------------------------------
missing=()
for cmd in curl taskset date env mkdir tr sed seq sleep timeout nproc uname cat tail "$GO"; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
if ((${#missing[@]})); then
	die "missing: ${missing[*]} (needs bash, coreutils, curl, taskset from util-linux, and go)"
fi
((BASH_VERSINFO[0] >= 4)) || die "needs bash 4 or later, this is $BASH_VERSION"
for p in $PLACEMENTS; do
	case $p in
	shared) ;;
	pinned) taskset -c 0 true 2>/dev/null && taskset -c 1 true 2>/dev/null ||
		die "pinned needs CPUs 0 and 1 (taskset -c 0 / -c 1 failed): run PLACEMENTS=shared" ;;
	*) die "unknown placement $p (want shared or pinned)" ;;
	esac
done
[[ $RAMP =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "RAMP=$RAMP: want a number of bots per second"
[[ $DECODE_EVERY =~ ^[1-9][0-9]*$ ]] || die "DECODE_EVERY=$DECODE_EVERY: want a positive integer"
for n in $BOTS; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "BOTS: $n is not a positive integer"
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Every bot holds a socket in both processes.
most=0
for n in $BOTS; do ((n > most)) && most=$n; done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [[ $(ulimit -n) != unlimited ]] && (($(ulimit -n) < most + 256)); then
	echo "capacity: warning: open files limited to $(ulimit -n), below $most bots + 256" >&2
fi

# --- build ----------------------------------------------------------------
echo "capacity: building bin/arena, bin/arena-bots and bin/bench-table" >&2
mkdir -p bin
"$GO" build -o bin/arena ./cmd/arena
"$GO" build -o bin/arena-bots ./cmd/arena-bots
"$GO" build -o bin/bench-table ./bench/table

# --- helpers --------------------------------------------------------------

# json_string S: S as a JSON string.
json_string() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}

server_pid=
stop_server() {
	[[ -n $server_pid ]] || return 0
	kill -TERM "$server_pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# start_server PLACEMENT LOGBASE: a fresh server on a free loopback port (the
# kernel picks it: -addr 127.0.0.1:0, read back from the server's banner);
# sets server_pid and server_url once /healthz answers.
start_server() {
	local placement=$1 out=$2.out err=$2.log
	local args=(bin/arena -addr 127.0.0.1:0 -admin-addr '' -shutdown-grace 1s -log-level warn)
	if [[ $placement == pinned ]]; then
		GOMAXPROCS=1 taskset -c 0 "${args[@]}" >"$out" 2>"$err" &
	else
		env -u GOMAXPROCS "${args[@]}" >"$out" 2>"$err" &
	fi
	server_pid=$!
	server_url=
	local re='(http://127\.0\.0\.1:[0-9]+)/'
	for _ in $(seq 100); do
		kill -0 "$server_pid" 2>/dev/null || break
		if [[ -z $server_url && $(cat "$out") =~ $re ]]; then
			server_url=${BASH_REMATCH[1]}
		fi
		if [[ -n $server_url ]] && curl -fsS -o /dev/null --max-time 2 "$server_url/healthz" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	tail -n 20 "$err" >&2 || true
	die "the server ($placement) did not answer /healthz within 10 s; log: $err"
}

# seconds D: whole seconds of a Go duration like 20s, 1m, 1m30s, 500ms
# (rounded up), for the bots' safety timeout.
seconds() {
	local d=$1 total=0 re='^([0-9]+)(h|ms|m|s)([0-9].*)?$'
	while [[ -n $d ]]; do
		[[ $d =~ $re ]] || { echo 600; return; }
		case ${BASH_REMATCH[2]} in
		h) total=$((total + BASH_REMATCH[1] * 3600)) ;;
		m) total=$((total + BASH_REMATCH[1] * 60)) ;;
		s) total=$((total + BASH_REMATCH[1])) ;;
		ms) total=$((total + (BASH_REMATCH[1] + 999) / 1000)) ;;
		esac
		d=${BASH_REMATCH[3]}
	done
	echo "$total"
}

# --- runs -----------------------------------------------------------------
cpu=
while IFS=: read -r key value; do
	if [[ $key == "model name"* ]]; then
		cpu=${value# }
		break
	fi
done </proc/cpuinfo 2>/dev/null || true
machine="$(nproc) CPUs (${cpu:-unknown CPU}), Linux $(uname -r)"
commit=unknown
if command -v git >/dev/null && commit=$(git rev-parse --short HEAD 2>/dev/null); then
	git diff --quiet HEAD -- 2>/dev/null || commit+=-dirty
fi
goversion=$("$GO" env GOVERSION)
date=$(date -u '+%Y-%m-%d %H:%M UTC')
stamp=$(date -u +%Y%m%dT%H%MZ)
jsonl=bench/results/capacity-$stamp-$commit.jsonl
logs=bench/logs/$stamp
mkdir -p bench/results "$logs"
echo "Capacity, $MODE, $date, commit $commit"
echo "Machine: $machine, $goversion"
echo "Window $DURATION after a ramp of $RAMP bots/s, decode-every $DECODE_EVERY; shared: no affinity; pinned: server taskset -c 0 + GOMAXPROCS=1, bots taskset -c 1."
echo "Criteria (docs/benchmark.md): ~30 snapshots/bot/s, inter-arrival p99 < 2 ticks, ack p99 <= 2 ticks, every bot connected and playing, 0 errors, 0 dropped, bots below 90% of their cores."
echo
bin/bench-table </dev/null
prefix="\"machine\":$(json_string "$machine"),\"commit\":$(json_string "$commit"),\"date\":$(json_string "$date"),\"go\":$(json_string "$goversion"),\"ramp\":$RAMP"

dur_s=$(seconds "$DURATION")
for placement in $PLACEMENTS; do
	for n in $BOTS; do
		base=$logs/$placement-$n
		start_server "$placement" "$base-server"
		echo "capacity: $placement, $n bots against $server_url (pid $server_pid)" >&2
		bots=(bin/arena-bots -server "$server_url" -bots "$n" -mode "$MODE" -duration "$DURATION"
			-ramp "$RAMP" -decode-every "$DECODE_EVERY" -server-pid "$server_pid" -json)
		if [[ $placement == pinned ]]; then
			bots=(taskset -c 1 "${bots[@]}")
		else
			bots=(env -u GOMAXPROCS "${bots[@]}")
		fi
		ramp_s=$((n / (${RAMP%.*} > 0 ? ${RAMP%.*} : 1)))
		limit=$((dur_s + ramp_s + 120))
		status=0
		# --foreground: Ctrl-C reaches the bots, which then print what they have.
		timeout --foreground -s INT -k 30 "$limit" "${bots[@]}" >"$base-bots.json" 2>"$base-bots.log" || status=$?
		stop_server
		# One line: JSON strings hold no newline, so no leading blank is in one.
		json=$(sed 's/^[[:space:]]*//' "$base-bots.json" | tr -d '\n')
		if ((status != 0)) || [[ $json != \{* ]]; then
			echo "| $placement | $n | bots failed (exit $status): see $base-bots.log |"
			tail -n 5 "$base-bots.log" >&2 || true
			break
		fi
		line="{\"placement\":\"$placement\",$prefix,${json#\{}"
		echo "$line" >>"$jsonl"
		status=0
		printf '%s\n' "$line" | bin/bench-table -header=false -check || status=$?
		case $status in
		0) ;;
		1) break ;; # the row says what the run missed
		*) die "bench-table could not read the run's JSON: see $base-bots.json" ;;
		esac
	done
done
echo
echo "JSON lines: $jsonl (commit them); logs: $logs/"
