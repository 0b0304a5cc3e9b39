#!/usr/bin/env bash
# with-pg.sh CMD ARGS...: run CMD with a throwaway PostgreSQL cluster (see
# pg.sh) whose DSN is in ARENA_TEST_POSTGRES; the cluster is stopped and
# removed when CMD ends, whether it passes or fails. Exits with CMD's status.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/arena-pg.XXXXXX")
trap '"$here/pg.sh" stop "$dir"' EXIT
ARENA_TEST_POSTGRES=$("$here/pg.sh" start "$dir")
export ARENA_TEST_POSTGRES
"$@"
