#!/usr/bin/env bash
# Browser tests: headless Chromium downloads the client and reloads it
# (download.test.mjs), plays a duel through the real server (duel.test.mjs),
# then a 2v2 filled with two load bots (teams.test.mjs), one test file at a
# time. Expects bin/arena, bin/arena-bots and bin/web (make
# wasm server bots); installs Debian's chromium
# and npm's playwright-core (no browser download) when they are missing.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x /usr/bin/chromium ]; then
	echo "e2e: installing chromium with apt-get"
	if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d node_modules/playwright-core ]; then
	echo "e2e: npm ci"
	npm ci --no-audit --no-fund --loglevel=error
fi
for f in ../bin/arena ../bin/arena-bots ../bin/web/index.html ../bin/web/arena.*.wasm.br ../bin/web/wasm_exec.*.js; do
	if [ ! -e "$f" ]; then
		echo "e2e: $f is missing: run 'make wasm server bots' first" >&2
		exit 1
	fi
done
exec node --test --test-concurrency=1 download.test.mjs duel.test.mjs teams.test.mjs ladder.test.mjs replay.test.mjs spectate.test.mjs close.test.mjs cluster.test.mjs
