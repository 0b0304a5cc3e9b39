# Arena: `make run` builds everything and starts the server; `make test` runs every check.
GO      ?= go
BUF     := $(GO) tool -modfile=tools.mod buf
WEB     := bin/web
WASMENV := GOOS=js GOARCH=wasm
WASMPATH := PATH="$$($(GO) env GOROOT)/lib/wasm:$$PATH"

.PHONY: run build server bots wasm test proto proto-check lint vet gotest wasm-test fuzz soak soak-short browser-test bench capacity clean

## run: build the WebAssembly client and the server, then serve on :8080 (ARENA_ADDR changes it).
run: wasm server
	./bin/arena -web-dir $(WEB)

## build: the server binary and the web client.
build: wasm server

server:
	$(GO) build -o bin/arena ./cmd/arena

## bots: the load bots (the browser test fills a 2v2 with two of them).
bots:
	$(GO) build -o bin/arena-bots ./cmd/arena-bots

## wasm: the browser client into bin/web: arena.<hash>.wasm and wasm_exec.<hash>.js, named by the
## first 16 hex digits of their SHA-256, each with brotli (.br) and gzip (.gz) twins, and index.html
## naming them; other files of earlier builds are removed. A module whose twins exist is not
## compressed again. BROTLI_QUALITY (0-11) trades build time for size (see docs/client-size.md).
BROTLI_QUALITY ?= 10
wasm:
	mkdir -p $(WEB)
	$(WASMENV) $(GO) build -trimpath -ldflags='-s -w' -o bin/arena.wasm ./cmd/arena-client
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" bin/wasm_exec.js
	@set -e; \
	wasm=arena.$$(sha256sum bin/arena.wasm | cut -c1-16).wasm; \
	js=wasm_exec.$$(sha256sum bin/wasm_exec.js | cut -c1-16).js; \
	for f in $$wasm $$js; do \
		if [ ! -e $(WEB)/$$f ] || [ ! -e $(WEB)/$$f.br ] || [ ! -e $(WEB)/$$f.gz ]; then \
			cp bin/$${f%%.*}.$${f##*.} $(WEB)/$$f; \
			echo "precompress $$f (brotli quality $(BROTLI_QUALITY))"; \
			$(GO) run ./internal/precompress -q $(BROTLI_QUALITY) $(WEB)/$$f; \
		fi; \
	done; \
	sed -e "s/{{wasm}}/$$wasm/g" -e "s/{{wasm_exec}}/$$js/g" -e "s/{{wasm_size}}/$$(wc -c < bin/arena.wasm)/g" \
		client/web/index.html > $(WEB)/index.html.tmp; \
	mv $(WEB)/index.html.tmp $(WEB)/index.html; \
	find $(WEB) -maxdepth 1 -type f ! -name index.html ! -name "$$wasm*" ! -name "$$js*" -delete; \
	echo "wasm: $(WEB)/$$wasm: $$(wc -c < $(WEB)/$$wasm) bytes, $$(wc -c < $(WEB)/$$wasm.br) brotli, $$(wc -c < $(WEB)/$$wasm.gz) gzip"

## proto: regenerate the Go code from proto/.
proto:
	$(BUF) generate

## proto-check: buf lint, and fail when the committed *.pb.go differ from what the schema generates.
proto-check: proto
	$(BUF) lint
	git diff --exit-code -- proto
	test -z "$$(git status --porcelain --untracked-files=all -- proto)"

lint: vet
	test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'))"

vet:
	$(GO) vet ./...
	$(WASMENV) $(GO) vet ./client/... ./netcode/... ./game/... ./cmd/arena-client/

## gotest: the Go tests, with a throwaway PostgreSQL cluster for store's Postgres tests (scripts/with-pg.sh sets ARENA_TEST_POSTGRES, installs Debian's postgresql when missing, and removes the cluster whether the tests pass or fail) and a nats-server binary for the tests that run real NATS servers (scripts/nats.sh bin installs Debian's nats-server when missing; its path goes in ARENA_TEST_NATS, used by internal/natsproc).
gotest:
	ARENA_TEST_NATS="$$(./scripts/nats.sh bin)" && export ARENA_TEST_NATS && ./scripts/with-pg.sh $(GO) test -race -shuffle=on -skip '^TestSoak$$' ./...

## wasm-test: the pure packages under js/wasm (Node): the game's golden per-tick hashes prove amd64 and wasm agree.
wasm-test:
	$(WASMPATH) $(WASMENV) $(GO) test ./game/ ./netcode/ ./replay/ ./client/app/

## fuzz: every fuzz target for FUZZTIME executions (a count, not a duration: a timed run can end in the fuzzer's own "context deadline exceeded"); seed corpora in testdata/fuzz run in gotest too.
FUZZTIME ?= 30000x
FUZZ_TARGETS := ./server/:FuzzClientFrame ./server/:FuzzMatchFrame ./server/:FuzzAuthenticate ./server/:FuzzSessionBody ./server/:FuzzFrameReader ./server/chat/:FuzzChatLine ./netcode/:FuzzClientInput ./netcode/:FuzzDecoder ./replay/:FuzzDecode
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}" || exit 1; \
	done

## soak: well-behaved players against floods, garbage, silent handshakes, dropping and slow readers, for SOAK (p99 bound SOAK_P99).
SOAK ?= 60s
SOAK_P99 ?= 100ms
soak:
	$(GO) test -race -count=1 -run '^TestSoak$$' -v ./server/ -args -soak.duration $(SOAK) -soak.p99 $(SOAK_P99)

## soak-short: the soak target's own recipe for 5 s, in make test (its p99 bound is loose: other checks share the machine).
soak-short:
	$(MAKE) soak SOAK=5s SOAK_P99=250ms

## browser-test: headless Chromium plays a duel, then a 2v2 with two load bots (team chat), through the real server; and a duel between two pages on two nodes of a cluster (a nats-server and a throwaway PostgreSQL, as gotest gets them).
browser-test: wasm server bots
	ARENA_TEST_NATS="$$(./scripts/nats.sh bin)" && export ARENA_TEST_NATS && ./scripts/with-pg.sh ./e2e/run.sh

## test: everything CI runs.
test: proto-check lint gotest soak-short wasm-test fuzz browser-test

## bench: the Go benchmarks.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## capacity: step ffa16 bot counts up to the most the server holds at 30 Hz, shared and pinned (BOTS, PLACEMENTS, DURATION, RAMP, DECODE_EVERY from the environment); each run is a JSON line in bench/results/ (commit it), `go run ./bench/table bench/results/*.jsonl` prints the tables.
capacity:
	GO=$(GO) ./bench/capacity.sh

clean:
	rm -rf bin
