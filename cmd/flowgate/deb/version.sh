#!/bin/sh
# version.sh [DESCRIBE COUNT]: the Debian version of this build, from
# `git describe --tags --long --dirty` and the commit count, so that
# versions sort in build order:
#   v0.2.0-0-gabc1234          0.2.0               (a release tag)
#   v0.2.0-5-gabc1234          0.2.0+git5.abc1234  (after 0.2.0, before 0.2.1)
#   no tag, 191 commits        0.0.0+git191.abc1234
#   v0.2.0-rc1-0-gabc1234      0.2.0~rc1           (before 0.2.0)
#   ... -dirty                 ....dirty           (uncommitted changes)
# With arguments (for tests) it formats them instead of asking git.
set -eu
if [ $# -ge 1 ]; then
	describe=$1 count=${2:-0}
else
	describe=$(git describe --tags --long --dirty --match 'v[0-9]*' 2>/dev/null || true)
	count=$(git rev-list --count HEAD 2>/dev/null || echo 0)
	if [ -z "$describe" ]; then
		describe=$(git describe --always --dirty 2>/dev/null || echo unknown)
	fi
fi
dirty=
case $describe in *-dirty) dirty=.dirty describe=${describe%-dirty} ;; esac
case $describe in
v[0-9]*-*-g*)
	hash=${describe##*-g}
	rest=${describe%-g*}
	n=${rest##*-}
	tag=${rest%-*}
	tag=$(echo "${tag#v}" | sed 's/-/~/g; s/[^0-9A-Za-z.~+]/./g')
	if [ "$n" = 0 ]; then
		echo "$tag${dirty:+~dirty}"
	else
		echo "$tag+git$n.$hash$dirty"
	fi
	;;
*)
	echo "0.0.0+git$count.$(echo "$describe" | sed 's/[^0-9A-Za-z]//g')$dirty"
	;;
esac
