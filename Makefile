# Flowgate: `make run` starts it, `make test` tests it.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin/flowgate
PKGS    := ./...

.PHONY: build run test test-go lint bench bench-go bench-run clean web web-test web-e2e e2e-browser

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/flowgate

# run builds the editor and the binary (which embeds it) and starts Flowgate.
run: web build
	./$(BIN) --data ./data

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

# test: lint, the Go tests (race detector on; they include end-to-end tests
# of the real binary), the editor's unit tests and its end-to-end tests in
# headless Chromium (skipped with a message when no Chromium is installed
# and CI is unset).
test: lint web build test-go web-test e2e-browser

test-go:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

# bench prints the Go micro-benchmarks, then the whole-binary figures
# (start-up, RSS, HTTP round trips under load, binary size).
bench: bench-go bench-run bench-editor

bench-go:
	$(GO) test -run '^$$' -bench . -benchtime 2s -benchmem ./engine/ ./nodes/function/ ./nodes/sequence/ ./nodes/network/ ./nodes/storage/ ./flows/

bench-run: build
	$(GO) run ./cmd/flowgate-bench --bin $(BIN)

# bench-compare measures Flowgate and Node-RED 4 side by side (it installs
# node-red@4 with npm into ~/.cache/flowgate-bench once) and writes the
# figures as JSON to bin/bench-compare.json too.
.PHONY: bench-compare
bench-compare: build
	$(GO) run ./cmd/flowgate-bench --bin $(BIN) --compare --json bin/bench-compare.json

# web builds the browser editor into web/dist (embedded by the next build).
web:
	cd web && npm install --no-audit --no-fund && npm run build

# web-test runs the editor's unit tests (Vitest).
web-test:
	cd web && npx vitest run

# web-e2e drives the editor in headless Chromium against bin/flowgate;
# it skips without Chromium unless CI is set. web comes first so that
# the binary embeds the fresh editor build.
web-e2e: web build e2e-browser

e2e-browser:
	cd web && FLOWGATE_BIN=$(CURDIR)/$(BIN) node e2e/run.mjs

# bench-editor prints the editor's bundle size (gzip) and, in headless
# Chromium, the time from page load to the canvas showing every node of a
# 1,000-node flow, and the cost of select, drag and undo on it.
.PHONY: bench-editor
bench-editor: web build
	cd web && FLOWGATE_BIN=$(CURDIR)/$(BIN) node e2e/bench.mjs

clean:
	rm -rf bin
