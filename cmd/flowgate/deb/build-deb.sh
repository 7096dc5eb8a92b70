#!/bin/sh
# build-deb.sh NAME ARCH BINARY VERSION MAINTAINER OUTDIR: packages one
# static Flowgate binary as OUTDIR/flowgate_VERSION_NAME.deb (`make deb`).
#
# The package is what debhelper would make, without a debian/ source
# tree: /usr/bin/flowgate, its man page, the systemd unit, the settings
# as a conffile, /usr/share/doc/flowgate/{copyright,changelog.gz} and the
# maintainer scripts of this directory (dh_installsystemd's logic). NAME
# armhf (the ARMv7 binary) gets the preinst that refuses an ARMv6 Pi.
# MAINTAINER is "Name <mail>"; the changelog's date is the last commit's,
# so that a rebuild of one commit gives the same package.
set -eu
name=$1 arch=$2 bin=$3 version=$4 maintainer=$5 out=$6
here=$(cd "$(dirname "$0")" && pwd)
root=$out/deb-$name
rm -rf "$root"
umask 022
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/flowgate" \
	"$root/usr/share/doc/flowgate" "$root/usr/share/man/man1" "$root/usr/share/lintian/overrides"
install -m 0755 "$bin" "$root/usr/bin/flowgate"
install -m 0644 "$here/flowgate.service" "$root/lib/systemd/system/flowgate.service"
install -m 0644 "$here/settings.yaml" "$root/etc/flowgate/settings.yaml"
gzip -9n <"$here/flowgate.1" >"$root/usr/share/man/man1/flowgate.1.gz"
mail=$(echo "$maintainer" | sed 's/.*<\(.*\)>.*/\1/')
sed "s|@MAINTAINER_MAIL@|$mail|" "$here/copyright" >"$root/usr/share/doc/flowgate/copyright"
date=$(git log -1 --format=%cD 2>/dev/null || date -R)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
printf '%s\n' "flowgate ($version) stable; urgency=medium" '' \
	"  * Build of commit $commit." \
	"  * Changes: https://github.com/flowgate/flowgate/commits/$commit" '' \
	" -- $maintainer  $date" | gzip -9n >"$root/usr/share/doc/flowgate/changelog.gz"
chmod 0644 "$root/usr/share/doc/flowgate/"* "$root/usr/share/man/man1/flowgate.1.gz"
# static on purpose: no glibc floor, every Pi OS release runs it (make dist)
echo 'flowgate: statically-linked-binary [usr/bin/flowgate]' >"$root/usr/share/lintian/overrides/flowgate"
chmod 0644 "$root/usr/share/lintian/overrides/flowgate"
for s in postinst prerm postrm; do install -m 0755 "$here/$s" "$root/DEBIAN/$s"; done
if [ "$name" = armhf ]; then
	sed "s|@VERSION@|$version|" "$here/preinst-armv7" >"$root/DEBIAN/preinst"
	chmod 0755 "$root/DEBIAN/preinst"
fi
echo /etc/flowgate/settings.yaml >"$root/DEBIAN/conffiles"
(cd "$root" && find usr lib -type f -exec md5sum {} + | sort -k2) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums" "$root/DEBIAN/conffiles"
size=$(du -sk --apparent-size "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: flowgate
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: adduser, init-system-helpers (>= 1.52)
Section: net
Priority: optional
Homepage: https://github.com/flowgate/flowgate
Description: Node-RED compatible flow engine in one binary
 Flowgate runs Node-RED flows with a browser editor, an embedded MQTT
 broker, SQLite storage and the Raspberry Pi's GPIO and I2C, as one static
 binary and a systemd service.
CONTROL
dpkg-deb --root-owner-group -Zxz --build "$root" "$out/flowgate_${version}_$name.deb" >/dev/null
echo "$out/flowgate_${version}_$name.deb"
