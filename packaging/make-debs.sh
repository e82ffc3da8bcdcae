#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the Debian packages from the committed tree (HEAD):
#   git archive -> xpmem_<ver>.orig.tar.gz -> extract -> cp -r packaging/deb
#   debian -> debian/changelog from VERSION -> dpkg-buildpackage -us -uc
#
# Usage: packaging/make-debs.sh [OUTDIR] [-- extra dpkg-buildpackage args]
#   OUTDIR  where the .deb/.dsc/.changes/.buildinfo land
#           (default: build/packages/ in the source tree)
# Environment:
#   XPMEM_DEB_REVISION    Debian revision (default 1)
#   XPMEM_DEB_DIST        changelog distribution (default unstable)
#   XPMEM_GIT_REF         what to export (default HEAD)
#   XPMEM_WORKTREE=1      export the working tree (tracked files with their
#                         uncommitted changes, and untracked files that are not
#                         ignored) instead of a commit
#   DEB_BUILD_OPTIONS     passed through (e.g. nocheck)
#   LINTIAN=1             run lintian -I -E --pedantic on the result
# Extra arguments after "--" go to dpkg-buildpackage, e.g. "-- -A" for the
# arch-independent xpmem-dkms alone (no CMake build; what the test bed uses).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
outdir=${1:-$top/build/packages}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

version=$(tr -d ' \n' < "$top/VERSION")
rev=${XPMEM_DEB_REVISION:-1}
dist=${XPMEM_DEB_DIST:-unstable}
ref=${XPMEM_GIT_REF:-HEAD}

work=$(mktemp -d "${TMPDIR:-/tmp}/xpmem-debs.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

cd "$top"
if [ "${XPMEM_WORKTREE:-0}" = 1 ]; then
    # The files as they are on disk (for testing uncommitted changes).
    mkdir -p "$work/xpmem-$version"
    # shellcheck disable=SC2016 # $f is the loop variable of the inner sh
    git ls-files -z -c -o --exclude-standard | xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
        tar --null -T - -cf - | tar -C "$work/xpmem-$version" -xf -
    tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner \
        -czf "$work/xpmem_$version.orig.tar.gz" "xpmem-$version"
    commit="$(git rev-parse --short HEAD)+worktree"
else
    git archive --format=tar --prefix="xpmem-$version/" "$ref" |
        gzip -n9 > "$work/xpmem_$version.orig.tar.gz"
    tar -C "$work" -xzf "$work/xpmem_$version.orig.tar.gz"
    commit=$(git rev-parse --short "$ref")
fi

src="$work/xpmem-$version"
if [ -e "$src/debian" ]; then
    echo "make-debs.sh: the exported tree already has debian/" >&2
    exit 1
fi
cp -r "$src/packaging/deb" "$src/debian"

maint=$(sed -n 's/^Maintainer: *//p' "$src/debian/control")
date=$(date -R -d "@$(git log -1 --format=%ct "${ref}")")
sed -e "s/@VERSION@-1/$version-$rev/" -e "s/@COMMIT@/$commit/" \
    -e "s/@MAINTAINER@/$maint/" -e "s/@DATE@/$date/" -e "s/ unstable;/ $dist;/" \
    -e "/^# SPDX-License-Identifier/d" "$src/debian/changelog.in" > "$src/debian/changelog"
rm -f "$src/debian/changelog.in"

cd "$src"
nice dpkg-buildpackage -us -uc -j2 "$@"

cd "$work"
for f in *.deb *.ddeb *.dsc *.debian.tar.* *.orig.tar.* *.changes *.buildinfo; do
    [ -e "$f" ] && cp -f "$f" "$outdir/"
done
echo "make-debs.sh: packages in $outdir:"
find "$outdir" -mindepth 1 -maxdepth 1 -printf '  %f\n' | sort

if [ "${LINTIAN:-0}" = 1 ]; then
    changes=$(find "$outdir" -maxdepth 1 -name "xpmem_$version-${rev}_*.changes" -print -quit)
    lintian -I -E --pedantic "$changes"
fi
