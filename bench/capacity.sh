#!/usr/bin/env bash
# Capacity: how many ffa16 bots one Arena server keeps at 30 Hz (BENCHMARK.md).
#
# Builds bin/arena and bin/arena-bots, then for each placement (shared: no
# affinity; pinned: server on CPU 0 with GOMAXPROCS=1, bots on CPU 1) and
# each bot count, smallest first, starts a fresh server on a free loopback
# port, loads it with
#   arena-bots -bots N -mode ffa16 -duration D -ramp R -decode-every K -server-pid PID -json
# stops it, and prints one markdown table row per run (with the bots' own CPU
# use: near 100% of their core in "pinned", they are the bottleneck). A placement stops
# stepping up at its first run that misses the capacity criteria:
#   30 Hz held: snapshots/bot/s >= 29.5 and snapshot inter-arrival p99 < 66.7 ms;
#   server tick p99 < 5 ms; input-to-acknowledgement p99 < 66 ms;
#   no snapshot dropped by the server; no error at the bots.
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
# Output: the table on stdout; every run's JSON summary (one line each,
# with "placement" added) in bench/results/<timestamp>.jsonl; the server's
# and the bots' logs in bench/results/<timestamp>/. Needs bash, coreutils,
# curl and taskset (util-linux), and go to build.
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
for cmd in curl taskset date env mkdir tr seq sleep timeout nproc cat tail "$GO"; do
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
echo "capacity: building bin/arena and bin/arena-bots" >&2
mkdir -p bin
"$GO" build -o bin/arena ./cmd/arena
"$GO" build -o bin/arena-bots ./cmd/arena-bots

stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=bench/results
logs=$results/$stamp
mkdir -p "$logs"
jsonl=$results/$stamp.jsonl
: >"$jsonl"

# --- helpers --------------------------------------------------------------

# milli prints floor(1000·v) of a non-negative decimal v (Go's JSON numbers:
# 29.762, 0, 1e-06, 1.5e+21), or nothing if v is not one.
milli() {
	[[ ${1-} =~ ^([0-9]+)(\.([0-9]+))?([eE]([-+]?)([0-9]+))?$ ]] || return 0
	local int=${BASH_REMATCH[1]} frac=${BASH_REMATCH[3]} sign=${BASH_REMATCH[5]} exp=$((10#${BASH_REMATCH[6]:-0}))
	[[ $sign == - ]] && exp=$((-exp))
	local digits=$int$frac point=$((${#int} + exp + 3)) # digits before the point of 1000·v
	if ((point <= 0)); then
		echo 0
		return
	fi
	while ((${#digits} < point)); do digits+=0; done
	digits=${digits:0:point}
	digits=${digits#"${digits%%[!0]*}"} # no leading zeros (octal)
	echo $((10#${digits:-0}))
}

# jtop KEY: a top-level number of the run's JSON ($json).
jtop() {
	local re="\"$1\":[[:space:]]*([-0-9.eE+]+)"
	[[ $json =~ $re ]] && echo "${BASH_REMATCH[1]}" || true
}

# jsub OBJECT KEY: a number of one of the JSON's flat objects.
jsub() {
	local re="\"$1\":[[:space:]]*\\{[^}]*\"$2\":[[:space:]]*([-0-9.eE+]+)"
	[[ $json =~ $re ]] && echo "${BASH_REMATCH[1]}" || true
}

# f DIGITS V: V with DIGITS decimals, or n/a.
f() {
	if [[ -n ${2-} ]]; then printf "%.$1f" "$2"; else printf 'n/a'; fi
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
commit=unknown
if command -v git >/dev/null && commit=$(git rev-parse --short HEAD 2>/dev/null); then
	git diff --quiet HEAD -- 2>/dev/null || commit+=" with uncommitted changes in the tree"
fi
goversion=$("$GO" env GOVERSION)
echo "Capacity, $MODE, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit"
echo "Machine: $(nproc) CPUs (${cpu:-unknown CPU}), $goversion"
echo "Window $DURATION after a ramp of $RAMP bots/s, decode-every $DECODE_EVERY; shared: no affinity; pinned: server taskset -c 0 + GOMAXPROCS=1, bots taskset -c 1."
echo "Criteria: snapshots/bot/s >= 29.5, inter-arrival p99 < 66.7 ms, tick p99 < 5 ms, ack p99 < 66 ms, 0 dropped, 0 errors."
echo
echo "| placement | bots | snapshots/bot/s | inter-arrival p99 ms | ack p50/p99 ms | ack p50/p99 ticks | B/bot/s | server µs/player/s | RSS KiB/player | tick p99 ms | dropped | errors | bots CPU % | meets criteria |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"

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
		json=$(tr -d '\n' <"$base-bots.json" | tr -s ' ')
		if ((status != 0)) || [[ $json != \{* ]]; then
			echo "| $placement | $n | bots failed (exit $status): see $base-bots.log |"
			tail -n 5 "$base-bots.log" >&2 || true
			break
		fi
		echo "{\"placement\":\"$placement\",${json#\{}" >>"$jsonl"

		snap=$(jtop snapshots_per_bot_per_s)
		ia99=$(jsub snapshot_interarrival_ms p99)
		ack50=$(jsub input_ack_ms p50) ack99=$(jsub input_ack_ms p99) acks=$(jsub input_ack_ms samples)
		ackt50=$(jsub input_ack_ticks p50) ackt99=$(jsub input_ack_ticks p99)
		bps=$(jtop bytes_per_bot_per_s)
		cpu_us=$(jtop server_cpu_us_per_player_s)
		rss=$(jtop server_rss_kib_per_player)
		tick99=$(jtop tick_p99_ms)
		dropped=$(jtop snapshots_dropped)
		errors=$(jtop errors)
		bots_cpu=$(jtop bots_cpu_percent)

		fails=()
		v=$(milli "$snap")
		[[ -n $v ]] && ((v >= 29500)) || fails+=("snapshot rate")
		v=$(milli "$ia99")
		[[ -n $v ]] && ((v < 66700)) || fails+=("inter-arrival")
		v=$(milli "$tick99")
		[[ -n $v ]] && ((v < 5000)) || fails+=("tick p99")
		v=$(milli "$ack99")
		[[ -n $v && ${acks:-0} != 0 ]] && ((v < 66000)) || fails+=("ack p99")
		[[ $dropped == 0 ]] || fails+=("dropped")
		[[ $errors == 0 ]] || fails+=("errors")
		verdict=yes
		if ((${#fails[@]})); then
			verdict="no: ${fails[0]}"
			for fail in "${fails[@]:1}"; do verdict+=", $fail"; done
		fi

		echo "| $placement | $n | $(f 2 "$snap") | $(f 1 "$ia99") | $(f 1 "$ack50") / $(f 1 "$ack99") | $(f 0 "$ackt50") / $(f 0 "$ackt99") | $(f 0 "$bps") | $(f 0 "$cpu_us") | $(f 1 "$rss") | $(f 2 "$tick99") | ${dropped:-n/a} | ${errors:-n/a} | $(f 0 "$bots_cpu") | $verdict |"
		((${#fails[@]} == 0)) || break
	done
done
echo
echo "JSON lines: $jsonl; logs: $logs/"
