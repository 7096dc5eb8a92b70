# Flowgate: `make run` starts it, `make test` tests it.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin/flowgate
PKGS    := ./...

.PHONY: build run test lint bench bench-go bench-run clean

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/flowgate

run: build
	./$(BIN) --data ./data

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

test: lint build
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

# bench prints the Go micro-benchmarks, then the whole-binary figures
# (start-up, RSS, HTTP round trips under load, binary size).
bench: bench-go bench-run

bench-go:
	$(GO) test -run '^$$' -bench . -benchtime 2s -benchmem ./engine/ ./nodes/function/ ./nodes/sequence/ ./nodes/network/ ./flows/

bench-run: build
	$(GO) run ./cmd/flowgate-bench --bin $(BIN)

clean:
	rm -rf bin
