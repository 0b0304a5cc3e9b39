#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests.
#
#   scripts/pg.sh start DIR   initdb a cluster in DIR, start it on a free
#                             loopback port (socket dir in DIR, trust auth),
#                             wait until it accepts connections and print its
#                             DSN: postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
#   scripts/pg.sh stop DIR    stop it (fast) and remove DIR
#
# Installs Debian's postgresql package when no /usr/lib/postgresql/*/bin/postgres
# exists. As root the cluster belongs to the postgres user. fsync is off
# (a throwaway cluster); PG_FSYNC=on keeps it on, for benchmarks.
# Everything but the DSN goes to stderr.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

log() { echo "pg.sh: $*" >&2; }

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi

# bindir prints the newest installed PostgreSQL's bin directory, or nothing.
bindir() {
	local b
	b=$(ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n 1)
	[ -n "$b" ] && dirname "$b"
	return 0
}

# as_owner runs a command as the cluster's owner: postgres when we are root.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# port_free reports whether nothing listens on 127.0.0.1:$1.
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
	local bin
	bin=$(bindir)
	if [ -z "$bin" ] || [ -n "${PG_FORCE_INSTALL:-}" ]; then
		log "installing postgresql with apt-get"
		$SUDO apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
		bin=$(bindir)
		[ -n "$bin" ] || { log "no postgres binary after installing postgresql"; exit 1; }
	fi
	if [ -e "$dir/data/PG_VERSION" ]; then
		log "$dir already holds a cluster; stop it first"
		exit 1
	fi
	mkdir -p "$dir/sock"
	dir=$(cd "$dir" && pwd)
	if [ "$(id -u)" = 0 ]; then chown -R postgres: "$dir"; fi
	as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync --no-instructions >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; log "initdb failed"; exit 1; }

	local fsync=off
	[ "${PG_FSYNC:-off}" = on ] && fsync=on
	local try port deadline
	for try in 1 2 3 4 5; do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		port_free "$port" || continue
		as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -W \
			-o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=$fsync -c synchronous_commit=$fsync -c full_page_writes=$fsync -c max_connections=200" \
			start >/dev/null
		deadline=$((SECONDS + 60))
		while [ "$SECONDS" -lt "$deadline" ]; do
			if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then
				echo "$port" >"$dir/port"
				log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, cluster $dir"
				echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
				return 0
			fi
			# Gave up (the port was taken after all, say): try another.
			as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 || break
			sleep 0.2
		done
		log "PostgreSQL did not start on port $port (try $try):"
		tail -n 5 "$dir/postgres.log" >&2 || true
		as_owner "$bin/pg_ctl" -D "$dir/data" stop -m immediate >/dev/null 2>&1 || true
	done
	log "giving up"
	exit 1
}

stop() {
	local bin
	bin=$(bindir)
	if [ -n "$bin" ] && [ -e "$dir/data/postmaster.pid" ]; then
		as_owner "$bin/pg_ctl" -D "$dir/data" stop -m fast >/dev/null ||
			log "pg_ctl stop failed (log: $dir/postgres.log)"
	fi
	rm -rf "$dir"
}

case $cmd in
start) start ;;
stop) stop ;;
*) usage ;;
esac
