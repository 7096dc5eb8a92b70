#!/bin/sh
# install.sh: installs Flowgate on a Raspberry Pi (or any Linux) with one
# command, without Go, Node or compilers:
#   curl -fsSL https://github.com/flowgate/flowgate/releases/latest/download/install.sh | sudo sh
# It reads SHA256SUMS from the release, picks the file for this machine,
# checks its checksum and installs it:
#   Debian / Raspberry Pi OS (dpkg): the .deb (a systemd service, user
#     flowgate, data in /var/lib/flowgate): arm64; armhf on ARMv7 and
#     later; armhf-armv6 on a Pi 1, Zero or Zero W (ARMv6, also under a
#     32-bit userland on a 64-bit kernel: /proc/cpuinfo decides);
#   other Linux: the tarball's binary into /usr/local/bin.
# Environment: FLOWGATE_URL (the release's base URL), FLOWGATE_DRY_RUN=1
# (download and check, install nothing); for tests, FLOWGATE_UNAME_M,
# FLOWGATE_DPKG_ARCH (none: no dpkg) and FLOWGATE_CPUINFO (a file).
set -eu
url=${FLOWGATE_URL:-https://github.com/flowgate/flowgate/releases/latest/download}
fail() { echo "install.sh: $*" >&2; exit 1; }

machine=${FLOWGATE_UNAME_M:-$(uname -m)}
if [ -n "${FLOWGATE_DPKG_ARCH:-}" ]; then
	dpkg_arch=$FLOWGATE_DPKG_ARCH
elif command -v dpkg >/dev/null 2>&1; then
	dpkg_arch=$(dpkg --print-architecture)
else
	dpkg_arch=none
fi
cpuinfo=${FLOWGATE_CPUINFO:-/proc/cpuinfo}

# armv6: an ARMv6 CPU (ARM1176: Pi 1, Zero, Zero W), which runs no ARMv7 code
armv6() {
	case $machine in armv6*) return 0 ;; esac
	grep -qE '^(CPU architecture[[:space:]]*:[[:space:]]*6|model name[[:space:]]*:.*ARMv6)' "$cpuinfo" 2>/dev/null
}

case $dpkg_arch in
arm64) want='_arm64\.deb$' ;;
armhf) if armv6; then want='_armhf-armv6\.deb$'; else want='_armhf\.deb$'; fi ;;
none)
	case $machine in
	aarch64 | arm64) want='-linux-arm64\.tar\.gz$' ;;
	armv7* | armv8l) if armv6; then want='-linux-armv6\.tar\.gz$'; else want='-linux-armv7\.tar\.gz$'; fi ;;
	armv6*) want='-linux-armv6\.tar\.gz$' ;;
	*) fail "no Flowgate build for $machine (builds: arm64, armv7, armv6)" ;;
	esac
	;;
*) fail "no Flowgate package for Debian architecture $dpkg_arch (packages: arm64, armhf)" ;;
esac

command -v curl >/dev/null || fail "curl missing: sudo apt-get install curl"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsSL "$url/SHA256SUMS" -o "$tmp/SHA256SUMS" || fail "cannot download $url/SHA256SUMS"
file=$(awk '{print $2}' "$tmp/SHA256SUMS" | sed 's/^\*//' | grep -E -e "$want" | head -1)
[ -n "$file" ] || fail "no file matching $want in $url/SHA256SUMS"
echo "install.sh: $machine, dpkg ${dpkg_arch}: $file"
curl -fsSL "$url/$file" -o "$tmp/$file" || fail "cannot download $url/$file"
(cd "$tmp" && awk -v f="$file" '$2 == f || $2 == "*" f' SHA256SUMS | sha256sum -c --quiet -) || fail "$file: checksum mismatch"
if [ "${FLOWGATE_DRY_RUN:-}" = 1 ]; then
	exit 0
fi
[ "$(id -u)" = 0 ] || fail "run as root (sudo sh install.sh)"
case $file in
*.deb)
	apt-get install -y "$tmp/$file"
	echo "install.sh: installed; logs: journalctl -u flowgate; editor: http://127.0.0.1:1880"
	;;
*.tar.gz)
	tar -xzf "$tmp/$file" -C "$tmp"
	install -m 0755 "$tmp/flowgate" /usr/local/bin/flowgate
	echo "install.sh: /usr/local/bin/flowgate installed; start it with: flowgate --data ~/.flowgate"
	;;
esac
