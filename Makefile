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

# dist cross-compiles Flowgate for the Raspberry Pi with cgo (SQLite) and
# the editor embedded, as static binaries, stripped (-s -w), sizes printed:
#   arm64  Pi 3/4/5, Zero 2 W on 64-bit Pi OS   (gcc-aarch64-linux-gnu)
#   armv7  Pi 2/3/4/5, Zero 2 W on 32-bit Pi OS (gcc-arm-linux-gnueabihf)
#   armv6  Pi 1, Zero, Zero W, and any 32-bit Pi (gcc-arm-linux-gnueabi)
# Static, because a binary linked against the build machine's glibc needs
# that glibc (Debian 12's 2.36 gives __libc_start_main@GLIBC_2.34, which
# Pi OS bullseye's 2.31 lacks); a static one needs only a Linux kernel.
# netgo/osusergo keep glibc's NSS (dlopen) out; SQLite's extension loading
# is left out for the same reason.
# armv6 uses Debian's armel toolchain: its libc.a and crt objects are
# ARMv5TE code, which an ARMv6 runs, whereas Debian's armhf ones are
# ARMv7 Thumb-2 (SIGILL on a Pi Zero whatever -march says). The C code
# is compiled for the ARMv6 with VFP (softfp: VFP instructions, armel
# calling convention); Go's own code is GOARM=6 (VFP).
# Not part of `make test`: each cross-build takes ~3 min on 2 cores from
# a cold cache. apt-get install gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf
# gcc-arm-linux-gnueabi (and qemu-user-static for dist-check).
DIST_ARM64 := bin/flowgate-linux-arm64
DIST_ARMV7 := bin/flowgate-linux-armv7
DIST_ARMV6 := bin/flowgate-linux-armv6
DIST_TAGS  := netgo,osusergo,sqlite_omit_load_extension
DIST_LDFLAGS := $(LDFLAGS) -linkmode external -extldflags -static
DIST_BUILD = CGO_ENABLED=1 GOOS=linux $(GO) build -trimpath -tags '$(DIST_TAGS)' -ldflags '$(DIST_LDFLAGS)'
.PHONY: dist dist-bins dist-arm64 dist-armv7 dist-armv6 dist-check deb
dist: web
	$(MAKE) dist-bins

# dist-bins cross-compiles with the editor as it is in web/dist.
dist-bins: dist-arm64 dist-armv7 dist-armv6
	@for f in $(DIST_ARM64) $(DIST_ARMV7) $(DIST_ARMV6); do \
	  stat -c '%n %s' $$f | awk '{printf "%-26s %5.1f MB (%d bytes)\n", $$1, $$2/1048576, $$2}'; done

dist-arm64:
	@command -v aarch64-linux-gnu-gcc >/dev/null || { echo "dist: aarch64-linux-gnu-gcc missing: apt-get install gcc-aarch64-linux-gnu" >&2; exit 1; }
	GOARCH=arm64 CC=aarch64-linux-gnu-gcc $(DIST_BUILD) -o $(DIST_ARM64) ./cmd/flowgate

dist-armv7:
	@command -v arm-linux-gnueabihf-gcc >/dev/null || { echo "dist: arm-linux-gnueabihf-gcc missing: apt-get install gcc-arm-linux-gnueabihf" >&2; exit 1; }
	GOARCH=arm GOARM=7 CC=arm-linux-gnueabihf-gcc $(DIST_BUILD) -o $(DIST_ARMV7) ./cmd/flowgate

dist-armv6:
	@command -v arm-linux-gnueabi-gcc >/dev/null || { echo "dist: arm-linux-gnueabi-gcc missing: apt-get install gcc-arm-linux-gnueabi" >&2; exit 1; }
	GOARCH=arm GOARM=6 CC=arm-linux-gnueabi-gcc CGO_CFLAGS='-O2 -march=armv6+fp -mfpu=vfp -mfloat-abi=softfp -marm' \
	  $(DIST_BUILD) -o $(DIST_ARMV6) ./cmd/flowgate

# dist-check checks the cross-built binaries (cmd/flowgate/deb/check-dist.sh):
# ELF machine, stripped, static (no GLIBC_ symbol versions, so no glibc
# floor), the armv6 one ARMv6 code only (readelf -A: Tag_CPU_arch v6, no
# Thumb-2), and, with qemu-user-static, each one under its oldest CPU
# (arm64: cortex-a53; armv7: cortex-a7; armv6: arm1176, the Pi Zero's):
# start, serve the editor, deploy a flow, answer through it.
dist-check:
	sh cmd/flowgate/deb/check-dist.sh $(DIST_ARM64) $(DIST_ARMV7) $(DIST_ARMV6)

# deb packages each dist binary (cmd/flowgate/deb/build-deb.sh) as
# debhelper would: /usr/bin/flowgate and its man page, a systemd unit
# (user flowgate in the gpio and i2c groups, data in /var/lib/flowgate,
# after time-sync.target), /etc/flowgate/settings.yaml as a conffile
# (editor and broker on loopback until `flowgate admin init` sets a
# login), copyright and changelog, and dh_installsystemd's maintainer
# scripts: enabled on first install only, restarted on upgrade, a unit the
# admin disabled stays disabled and stopped. Three packages: arm64; armhf
# with the ARMv7 binary (Pi 2 and later on 32-bit Pi OS); and
# flowgate_*_armhf-armv6.deb, Architecture armhf too (Pi OS calls its
# 32-bit port armhf on every Pi) with the ARMv6 binary (Pi 1, Zero, Zero
# W). The binaries are static, so the packages depend on no libc version.
# The ARMv7 package's preinst refuses an ARMv6 machine (uname -m armv6l),
# naming the package to install instead. Versions sort in build order
# (cmd/flowgate/deb/version.sh): 0.2.0 at tag v0.2.0, 0.2.0+git5.abc1234
# five commits later, 0.0.0+gitN.hash without a tag. lintian checks every
# package (apt-get install lintian) and fails the build on an error.
DEB_VERSION    := $(shell sh cmd/flowgate/deb/version.sh)
DEB_MAINTAINER ?= Flowgate Maintainers <flowgate@users.noreply.github.com>
deb: dist
	$(MAKE) deb-only

# deb-only packages the binaries `make dist` wrote, and runs lintian.
.PHONY: deb-only
deb-only:
	@command -v lintian >/dev/null || { echo "deb: lintian missing: apt-get install lintian" >&2; exit 1; }
	@set -e; for triple in arm64:arm64:$(DIST_ARM64) armhf:armhf:$(DIST_ARMV7) armhf-armv6:armhf:$(DIST_ARMV6); do \
	  name=$${triple%%:*}; rest=$${triple#*:}; arch=$${rest%%:*}; bin=$${rest#*:}; \
	  sh cmd/flowgate/deb/build-deb.sh $$name $$arch $$bin '$(DEB_VERSION)' '$(DEB_MAINTAINER)' bin; \
	done
	lintian --fail-on error bin/flowgate_$(DEB_VERSION)_*.deb

# release writes bin/release/: the three .deb files, a tarball per
# architecture (the static binary, its unit and settings), install.sh
# (cmd/flowgate/deb/install.sh: picks the file for the machine it runs on,
# ARMv6 included, and checks it) and SHA256SUMS over them all. Publish
# the directory as a GitHub release: install.sh downloads from
# releases/latest/download.
.PHONY: release release-only
release: deb
	$(MAKE) release-only

release-only:
	@set -e; rm -rf bin/release; mkdir -p bin/release; \
	  cp bin/flowgate_$(DEB_VERSION)_*.deb bin/release/; \
	  for pair in arm64:$(DIST_ARM64) armv7:$(DIST_ARMV7) armv6:$(DIST_ARMV6); do \
	    arch=$${pair%%:*}; bin=$${pair#*:}; d=bin/release/tar-$$arch; mkdir -p $$d; \
	    install -m 0755 $$bin $$d/flowgate; \
	    install -m 0644 cmd/flowgate/deb/flowgate.service cmd/flowgate/deb/settings.yaml $$d/; \
	    tar -C $$d --owner=0 --group=0 --sort=name -czf bin/release/flowgate-$(DEB_VERSION)-linux-$$arch.tar.gz .; \
	    rm -rf $$d; \
	  done; \
	  install -m 0755 cmd/flowgate/deb/install.sh bin/release/install.sh; \
	  cd bin/release && sha256sum flowgate* install.sh > SHA256SUMS && cat SHA256SUMS

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
