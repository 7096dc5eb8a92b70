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
bench: bench-go bench-run bench-editor soak

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

# soak runs mixed traffic (http in round trips, inject floods, the
# time-series store, numbered MQTT messages through the embedded broker, a
# redeploy every 5 s) against the binary for SOAK_TIME and prints RSS and
# goroutines over time; it fails on any failed request, any lost MQTT
# message, or when goroutines do not come back. Not in make test.
SOAK_TIME ?= 3m
.PHONY: soak
soak: build
	$(GO) run ./cmd/flowgate-soak --bin $(BIN) -d $(SOAK_TIME)

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

# dist cross-compiles Flowgate for the Raspberry Pi, linux/arm64 and
# linux/arm (ARMv7, GOARM=7), with cgo (SQLite) through Debian's cross
# compilers (apt-get install gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf)
# and the editor embedded; the binaries are stripped (-s -w) and their
# sizes printed. Not part of `make test`: each cross-build takes ~3 min on
# 2 cores from a cold cache.
DIST_ARM64 := bin/flowgate-linux-arm64
DIST_ARMV7 := bin/flowgate-linux-armv7
.PHONY: dist dist-arm64 dist-armv7 dist-check deb
dist: web
	$(MAKE) dist-arm64 dist-armv7
	@for f in $(DIST_ARM64) $(DIST_ARMV7); do \
	  stat -c '%n %s' $$f | awk '{printf "%-26s %5.1f MB (%d bytes)\n", $$1, $$2/1048576, $$2}'; done

dist-arm64:
	@command -v aarch64-linux-gnu-gcc >/dev/null || { echo "dist: aarch64-linux-gnu-gcc missing: apt-get install gcc-aarch64-linux-gnu" >&2; exit 1; }
	CGO_ENABLED=1 GOOS=linux GOARCH=arm64 CC=aarch64-linux-gnu-gcc \
	  $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST_ARM64) ./cmd/flowgate

dist-armv7:
	@command -v arm-linux-gnueabihf-gcc >/dev/null || { echo "dist: arm-linux-gnueabihf-gcc missing: apt-get install gcc-arm-linux-gnueabihf" >&2; exit 1; }
	CGO_ENABLED=1 GOOS=linux GOARCH=arm GOARM=7 CC=arm-linux-gnueabihf-gcc \
	  $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST_ARMV7) ./cmd/flowgate

# dist-check checks the cross-built binaries: ELF machine, stripped, and,
# when qemu-user-static is installed, that the arm64 build starts on the
# simulator and answers GET /api/hw.
dist-check:
	file $(DIST_ARM64) | grep -q 'ARM aarch64.*stripped'
	file $(DIST_ARMV7) | grep -q 'ARM, EABI5.*stripped'
	@if command -v qemu-aarch64-static >/dev/null; then \
	  dir=$$(mktemp -d); \
	  qemu-aarch64-static -L /usr/aarch64-linux-gnu $(DIST_ARM64) --listen 127.0.0.1:18801 --broker off --hw sim --data $$dir & pid=$$!; \
	  ok=; for i in $$(seq 1 100); do curl -sf http://127.0.0.1:18801/api/hw | grep -q '"backend":"sim"' && { ok=1; break; }; sleep 0.2; done; \
	  kill $$pid; wait $$pid 2>/dev/null; rm -rf $$dir; \
	  [ -n "$$ok" ] || { echo "dist-check: the arm64 binary did not answer under qemu" >&2; exit 1; }; \
	  echo "dist-check: arm64 binary runs under qemu and serves /api/hw"; \
	else echo "dist-check: qemu-aarch64-static missing (apt-get install qemu-user-static): run check skipped"; fi

# deb packages each dist binary with dpkg-deb: /usr/bin/flowgate, a
# systemd unit (user flowgate in the gpio and i2c groups, data in
# /var/lib/flowgate) and /etc/flowgate/settings.yaml (cmd/flowgate/deb/:
# editor and broker on loopback until `flowgate admin init` sets a login).
DEB_VERSION := $(shell echo $(VERSION) | sed 's/^v//; s/[^0-9A-Za-z.+~]/+/g; s/^[^0-9]/0+&/')
deb: dist
	@set -e; for pair in arm64:$(DIST_ARM64) armhf:$(DIST_ARMV7); do \
	  arch=$${pair%%:*}; bin=$${pair#*:}; root=bin/deb-$$arch; rm -rf $$root; \
	  mkdir -p $$root/DEBIAN $$root/usr/bin $$root/lib/systemd/system $$root/etc/flowgate; \
	  install -m 0755 $$bin $$root/usr/bin/flowgate; \
	  printf '%s\n' 'Package: flowgate' 'Version: $(DEB_VERSION)' "Architecture: $$arch" \
	    'Maintainer: Flowgate <flowgate@localhost>' 'Depends: libc6' 'Section: net' 'Priority: optional' \
	    'Description: Node-RED compatible flow engine in one binary' \
	    ' Flowgate runs Node-RED flows, with an embedded MQTT broker, SQLite storage and Raspberry Pi GPIO and I2C.' \
	    > $$root/DEBIAN/control; \
	  echo /etc/flowgate/settings.yaml > $$root/DEBIAN/conffiles; \
	  install -m 0644 cmd/flowgate/deb/settings.yaml $$root/etc/flowgate/settings.yaml; \
	  printf '%s\n' '#!/bin/sh' 'set -e' \
	    'getent group gpio >/dev/null || addgroup --system gpio' 'getent group i2c >/dev/null || addgroup --system i2c' \
	    'id flowgate >/dev/null 2>&1 || adduser --system --group --home /var/lib/flowgate --no-create-home flowgate' \
	    'adduser flowgate gpio >/dev/null; adduser flowgate i2c >/dev/null' \
	    'install -d -o flowgate -g flowgate -m 0750 /var/lib/flowgate' \
	    'if [ -d /run/systemd/system ]; then systemctl daemon-reload; systemctl enable --now flowgate.service || true; fi' \
	    'echo "Flowgate: editor on http://127.0.0.1:1880 and MQTT on 127.0.0.1:1883 (this machine only)."' \
	    'echo "To open the editor to the network: sudo flowgate admin init --settings /etc/flowgate/settings.yaml, then set uiHost: 0.0.0.0 there and restart."' \
	    > $$root/DEBIAN/postinst; chmod 0755 $$root/DEBIAN/postinst; \
	  printf '%s\n' '#!/bin/sh' 'set -e' \
	    'if [ -d /run/systemd/system ] && [ "$$1" = remove ]; then systemctl disable --now flowgate.service || true; fi' \
	    > $$root/DEBIAN/prerm; chmod 0755 $$root/DEBIAN/prerm; \
	  printf '%s\n' '[Unit]' 'Description=Flowgate flow engine' 'After=network-online.target' 'Wants=network-online.target' '' \
	    '[Service]' 'User=flowgate' 'Group=flowgate' 'SupplementaryGroups=gpio i2c' \
	    'ExecStart=/usr/bin/flowgate run --settings /etc/flowgate/settings.yaml' \
	    'Restart=on-failure' 'RestartSec=2' 'StateDirectory=flowgate' \
	    'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'ReadWritePaths=/var/lib/flowgate' \
	    'DevicePolicy=closed' 'DeviceAllow=char-gpiochip rw' 'DeviceAllow=char-i2c rw' 'DeviceAllow=/dev/gpiomem rw' \
	    '' '[Install]' 'WantedBy=multi-user.target' > $$root/lib/systemd/system/flowgate.service; \
	  dpkg-deb --root-owner-group --build $$root bin/flowgate_$(DEB_VERSION)_$$arch.deb; \
	done

clean:
	rm -rf bin

# nodered-examples deploys every example flow Node-RED 4 ships
# (@node-red/nodes/examples, 113 flows) to a fresh Flowgate and fails on
# any refused deploy: Flowgate deploys what Node-RED deploys. It uses the
# Node-RED that bench-compare installs (npm, once, into
# ~/.cache/flowgate-bench). Not in make test: it needs the npm registry.
NR_DIR := $(HOME)/.cache/flowgate-bench/node-red-4
.PHONY: nodered-examples
nodered-examples: SHELL := /bin/bash
nodered-examples: build
	@test -d $(NR_DIR)/node_modules/@node-red/nodes/examples || { mkdir -p $(NR_DIR) && cd $(NR_DIR) && npm install --no-audit --no-fund node-red@4 >/dev/null; }
	@dir=$$(mktemp -d); ./$(BIN) --listen 127.0.0.1:18901 --broker off --hw sim --data $$dir >$$dir/log 2>&1 & pid=$$!; \
	  for i in $$(seq 1 100); do curl -sf http://127.0.0.1:18901/flows >/dev/null && break; sleep 0.1; done; \
	  ok=0; bad=0; \
	  while IFS= read -r -d '' f; do \
	    code=$$(curl -s -o $$dir/resp -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "@$$f" http://127.0.0.1:18901/flows); \
	    if [ "$$code" -lt 300 ]; then ok=$$((ok+1)); else bad=$$((bad+1)); echo "refused ($$code): $$f: $$(head -c 300 $$dir/resp)"; fi; \
	  done < <(find $(NR_DIR)/node_modules/@node-red/nodes/examples -name '*.json' -print0); \
	  kill $$pid; wait $$pid 2>/dev/null; rm -rf $$dir; \
	  echo "Node-RED example flows: $$ok deployed, $$bad refused"; [ $$bad -eq 0 ]
