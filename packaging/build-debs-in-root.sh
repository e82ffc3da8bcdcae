#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the Debian packages inside a build root of another suite (e.g.
# bullseye), for that suite: its glibc, its dkms (bullseye's dkms 2.8 does
# not satisfy the "dkms (>= 3.0.3-4~)" dependency dh_dkms writes on
# bookworm for BUILD_EXCLUSIVE_CONFIG; built there, dh_dkms writes what that
# suite's dkms needs).
#
#   packaging/build-debs-in-root.sh <root-or-suite> [OUTDIR]
#
# OUTDIR defaults to build/packages/<suite>/. The source package is made on
# the host from the committed tree (make-debs.sh, source only), unpacked in
# an overlay of the root (the root itself is not modified), its build
# dependencies installed there with apt-get build-dep, and built with
# dpkg-buildpackage -b. The version gets the suffix ~<codename>1.
# XPMEM_DEB_INDEP=1 builds xpmem-dkms alone (dpkg-buildpackage -A), which is
# what the test bed needs; XPMEM_WORKTREE=1 (make-debs.sh) takes the working
# tree instead of the committed one. OVERLAY_UPPER=<dir> keeps the overlay's
# upper layer (the installed build dependencies) in <dir> for the next build
# (root-overlay.sh).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
XPMEM_SH_TAG=build-debs-in-root
# shellcheck source=root-overlay.sh
. "$top/packaging/root-overlay.sh"
[ $# -ge 1 ] || { usage; exit 2; }
root=$(resolve_root "$1")
[ "$(id -u)" = 0 ] || skip "needs root (overlay mount, chroot)"
[ -x "$root/usr/bin/apt-get" ] || skip "no build root at $root"
# shellcheck source=/dev/null # the root's os-release
codename=$(. "$root/etc/os-release" && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || codename=$(basename "$root")
outdir=${2:-$top/build/packages/$codename}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

src=$(mktemp -d "${TMPDIR:-/tmp}/xpmem-src.XXXXXX")
if [ "${XPMEM_WORKTREE:-0}" = 1 ]; then say "source package from the working tree (XPMEM_WORKTREE=1)"
else say "source package from the committed tree"; fi
"$top/packaging/make-debs.sh" "$src" -- -S -d > "$src.log" 2>&1 ||
    { tail -n 30 "$src.log"; rm -rf "$src"; fail "make-debs.sh -S"; }
dsc=$(find "$src" -maxdepth 1 -name 'xpmem_*.dsc' -print -quit)

overlay_root "$root"
rm -rf "$MNT/build"     # a kept layer (OVERLAY_UPPER) has the last build
mkdir -p "$MNT/build"
cp "$dsc" "$src"/xpmem_*.orig.tar.* "$src"/xpmem_*.debian.tar.* "$MNT/build/"
rm -rf "$src" "$src.log"
log=$WORK/build.log
bopt=-b
[ "${XPMEM_DEB_INDEP:-0}" = 1 ] && bopt=-A
say "root $root ($codename): apt-get build-dep, dpkg-buildpackage $bopt"
in_root "${APT[@]}" update > "$log" 2>&1 || { tail -n 20 "$log"; fail "apt-get update"; }
in_root "${APT[@]}" install dpkg-dev >> "$log" 2>&1 || { tail -n 20 "$log"; fail "install dpkg-dev"; }
in_root sh -ec "cd /build && dpkg-source -x $(basename "$dsc") xpmem" >> "$log" 2>&1 ||
    { tail -n 20 "$log"; fail "dpkg-source -x"; }
# Version for this suite: 3.0.0-1 -> 3.0.0-1~<codename>1.
in_root sed -i "1s/(\([^)]*\))/(\1~${codename}1)/;1s/) [a-z-]*;/) $codename;/" /build/xpmem/debian/changelog
in_root sh -ec 'cd /build/xpmem && head -n1 debian/changelog'
in_root "${APT[@]}" build-dep ./build/xpmem >> "$log" 2>&1 ||
    in_root sh -ec "cd /build/xpmem && ${APT[*]} build-dep ." >> "$log" 2>&1 ||
    { tail -n 30 "$log"; fail "apt-get build-dep"; }
in_root sh -ec "cd /build/xpmem && nice dpkg-buildpackage -us -uc $bopt -j2" >> "$log" 2>&1 ||
    { tail -n 60 "$log"; fail "dpkg-buildpackage in the root (log above)"; }
grep -E "tests passed|tests failed" "$log" | sed 's/^/  | /' || true
cp "$MNT"/build/*.deb "$outdir/"
cp "$MNT"/build/*.changes "$MNT"/build/*.buildinfo "$outdir/" 2>/dev/null || true
say "packages for $codename in $outdir:"
find "$outdir" -mindepth 1 -maxdepth 1 -printf '  %f\n' | sort
