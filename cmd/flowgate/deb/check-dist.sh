#!/bin/sh
# check-dist.sh ARM64 ARMV7 ARMV6: checks `make dist`'s binaries.
#
# Each binary: the ELF machine, stripped, no glibc floor above
# GLIBC_FLOOR (default 2.31, Raspberry Pi OS bullseye; a static binary has
# none), and, when qemu-user-static is installed, a run on the oldest CPU
# it is built for: start, serve the editor, deploy an http in → change →
# http response flow and answer through it, write and read the SQLite
# time-series store. The armv6 binary must hold ARMv6 code only: readelf's
# Tag_CPU_arch at most v6 and no Thumb-2, since a Pi Zero or Pi 1 (ARM1176)
# stops with SIGILL on an ARMv7 instruction.
set -eu
GLIBC_FLOOR=${GLIBC_FLOOR:-2.31}
PORT=${PORT:-18801}
fail() { echo "dist-check: $*" >&2; exit 1; }

# glibc_floor BIN prints the highest GLIBC_x.y symbol version BIN needs,
# or "none" for a static binary.
glibc_floor() {
	if ! readelf -d "$1" | grep -q NEEDED; then echo none; return; fi
	readelf -V "$1" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1
}

# run BIN QEMU CPU: runs BIN under qemu-user on CPU and talks to it.
run() {
	bin=$1 qemu=$2 cpu=$3
	dir=$(mktemp -d)
	"$qemu" -cpu "$cpu" "$bin" --listen 127.0.0.1:$PORT --broker off --hw sim --data "$dir" >"$dir/log" 2>&1 &
	pid=$!
	base=http://127.0.0.1:$PORT
	ok=
	for _ in $(seq 1 300); do
		if curl -sf $base/ 2>/dev/null | grep -qi '<html'; then ok=1; break; fi
		kill -0 $pid 2>/dev/null || break
		sleep 0.2
	done
	result=
	if [ -z "$ok" ]; then
		result="did not serve the editor: $(tail -5 "$dir/log")"
	elif ! curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary '[{"id":"t","type":"tab"},
		{"id":"h","type":"http in","z":"t","url":"/dist-check","method":"get","wires":[["c"]]},
		{"id":"c","type":"change","z":"t","rules":[{"t":"set","p":"payload","pt":"msg","to":"flowgate answers","tot":"str"}],"wires":[["r"]]},
		{"id":"r","type":"http response","z":"t","wires":[]}]' $base/flows; then
		result="refused the deploy"
	elif [ "$(curl -sf $base/dist-check)" != "flowgate answers" ]; then
		result="deployed flow did not answer"
	elif ! curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
		-d '[{"topic":"check","payload":{"t":21.5},"ts":1700000000000}]' $base/api/data ||
		! curl -sf $base/api/data/1 | grep -q '"t":21.5'; then
		result="the SQLite time-series store failed"
	fi
	kill $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	rm -rf "$dir"
	[ -z "$result" ] || fail "$bin under $qemu -cpu $cpu: $result"
	echo "dist-check: $bin runs under $qemu -cpu $cpu: editor, deploy, http answer, SQLite"
}

check() {
	bin=$1 magic=$2 qemu=$3 cpu=$4
	[ -f "$bin" ] || fail "$bin missing: make dist"
	file "$bin" | grep -q "$magic" || fail "$bin: not $magic: $(file "$bin")"
	file "$bin" | grep -q ', stripped' || fail "$bin: not stripped"
	floor=$(glibc_floor "$bin")
	if [ "$floor" != none ] && [ "$(printf '%s\n%s\n' "$floor" "$GLIBC_FLOOR" | sort -V | tail -1)" != "$GLIBC_FLOOR" ]; then
		fail "$bin needs glibc $floor, above the floor $GLIBC_FLOOR: $(objdump -T "$bin" | grep "GLIBC_$floor" | awk '{print $NF}' | tr '\n' ' ')"
	fi
	echo "dist-check: $bin: $magic, stripped, glibc floor: $floor (allowed: $GLIBC_FLOOR)"
	if command -v "$qemu" >/dev/null; then
		run "$bin" "$qemu" "$cpu"
	else
		echo "dist-check: $qemu missing (apt-get install qemu-user-static): run check of $bin skipped"
	fi
}

[ $# -eq 3 ] || fail "usage: check-dist.sh ARM64 ARMV7 ARMV6"
check "$1" 'ARM aarch64' qemu-aarch64-static cortex-a53
check "$2" 'ARM, EABI5' qemu-arm-static cortex-a7
check "$3" 'ARM, EABI5' qemu-arm-static arm1176
attrs=$(readelf -A "$3")
echo "$attrs" | grep -Eq 'Tag_CPU_arch: v(4|5|6)' || fail "$3: not ARMv6 code: $(echo "$attrs" | grep Tag_CPU_arch:)"
echo "$attrs" | grep -q 'Thumb-2' && fail "$3 holds Thumb-2 code, which an ARMv6 does not run"
echo "dist-check: $3: $(echo "$attrs" | grep -E 'Tag_CPU_arch:|Tag_THUMB_ISA_use:' | tr -s ' \n' ' ')"
