#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The consumers built against the installed packages run in a QEMU guest.
#
#   tests/packaging/consumers-guest.sh [SUITE] [DEBDIR]
#
# SUITE    a root of the test bed with a kernel in tests/vm/kernels.conf
#          (default bookworm: the 6.1 guest)
# DEBDIR   the packages built by make-debs.sh (default build/packages/)
#
# 1. deb-install.sh installs libxpmem0 + libxpmem-dev in an overlay of
#    the root and builds tests/packaging/consumer/consumer.c three ways: with
#    cc $(pkg-config --cflags --libs xpmem), with pkg-config cray-xpmem and
#    with CMake find_package(xpmem); XPMEM_CONSUMER_OUT makes it copy the
#    three executables and the packaged libxpmem.so.0* out before the purge;
# 2. they are staged as a guest dir (executables + runlist) and
#    tests/vm/run.sh -k <kernel> -g <dir> boots the guest (module: the bed's
#    usual DKMS build from the xpmem-dkms package).  Each consumer checks
#    xpmem_version() > 0, makes a segment of its own buffer, gets,
#    attaches, checks the data through the attachment, detaches, releases,
#    removes, and prints the file libxpmem was loaded from;
# 3. the library: mkinitramfs.sh packs the libraries ldd resolves on the
#    host, and the guest's /init runs the tests with LD_LIBRARY_PATH=/usr/lib.
#    LD_LIBRARY_PATH=<the packaged copy> makes ldd resolve libxpmem.so.0 to
#    the packaged file, which is packed as /usr/lib/libxpmem.so.0*; after the
#    run the file each consumer reports is taken out of the initramfs and
#    must be byte-identical to the packaged library.
# Logs: build/vm-logs/packaging-consumers/ (console.log, summary.txt).
# Exit: 0 pass, 1 fail, 77 skipped (not root, no root, no QEMU, no packages).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
XPMEM_SH_TAG=packaging-consumers-guest
# shellcheck source=../lib/xpmem-sh.sh
. "$top/tests/lib/xpmem-sh.sh"
suite=${1:-bookworm}
debdir=${2:-$top/build/packages}

[ "$(id -u)" = 0 ] || skip "needs root (overlay mount, chroot)"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
cache=$(xpmem_cache)
[ -x "$cache/roots/$suite/usr/bin/apt-get" ] || skip "no build root at $cache/roots/$suite"
kernel=$(kconf | awk -v r="$suite" '$2 == r && !n++ { print $1 }')
[ -n "$kernel" ] || fail "no kernel with root $suite in tests/vm/kernels.conf"
ls "$debdir"/libxpmem0_*.deb "$debdir"/libxpmem-dev_*.deb >/dev/null 2>&1 ||
    skip "no libxpmem0/libxpmem-dev packages in $debdir (run packaging/make-debs.sh)"
debdir=$(cd "$debdir" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/xpmem-consumers.XXXXXX")
trap 'rm -rf "$work"' EXIT
out=$work/out

# --- 1. build against the installed packages ------------------------------
say "building the consumers in an overlay of $suite (deb-install.sh)"
rc=0
XPMEM_TEST_PKGS="libxpmem0 libxpmem-dev" XPMEM_CONSUMER_OUT=$out \
    "$top/tests/packaging/deb-install.sh" "$suite" "$debdir" > "$work/install.log" 2>&1 || rc=$?
sed 's/^/  | /' "$work/install.log"
[ $rc = 77 ] && skip "deb-install.sh skipped"
[ $rc = 0 ] || fail "deb-install.sh exited $rc"
consumers="consumer-pkgconfig-xpmem consumer-pkgconfig-cray-xpmem consumer-cmake"
for c in $consumers; do [ -x "$out/$c" ] || fail "$c was not copied out"; done
lib=$(readlink -f "$out/lib/libxpmem.so.0")
[ -f "$lib" ] || fail "the packaged libxpmem.so.0 was not copied out"
libsum=$(sha256sum < "$lib" | cut -d' ' -f1)
say "packaged library: $(cd "$out/lib" && printf '%s ' *)(sha256 $libsum)"

# --- 2. the guest ---------------------------------------------------------
gdir=$work/guest
mkdir -p "$gdir"
for c in $consumers; do
    cp "$out/$c" "$gdir/$c"
    echo "$c 120" >> "$gdir/runlist"
done
# What the bed will pack for them: ldd on this host with the packaged copy
# first in the search path.
for c in $consumers; do
    r=$(LD_LIBRARY_PATH=$out/lib ldd "$gdir/$c" | sed -n 's/.*libxpmem.so.0 => \([^ ]*\).*/\1/p')
    [ "$(readlink -f "$r")" = "$lib" ] || fail "$c: ldd resolves libxpmem.so.0 to '$r', not the packaged copy"
done
lbase=$top/build/vm-logs
ldir=$lbase/packaging-consumers
say "booting the $kernel guest with the consumers (run.sh -k $kernel -g $gdir)"
rc=0
LD_LIBRARY_PATH=$out/lib XPMEM_VM_QUIET=1 \
    "$top/tests/vm/run.sh" -k "$kernel" -g "$gdir" -l "$lbase" -n packaging-consumers || rc=$?
clog=$ldir/console.log
[ -f "$clog" ] || fail "no console log (run.sh exit $rc)"
tr -d '\r' < "$clog" > "$work/console.txt"
grep -E '^@@XPMEM-(INIT|MODULE)|^libxpmem: |^module [0-9]|^segment |^FAIL|^no xpmem' "$work/console.txt" | sed 's/^/  guest| /'
[ $rc = 0 ] || fail "run.sh exited $rc (see $ldir/summary.txt)"
for c in $consumers; do
    grep -qx "@@XPMEM-RESULT $c PASS [0-9.]*" "$work/console.txt" || fail "$c did not pass in the guest"
done

# --- 3. the library they loaded --------------------------------------------
mkdir "$work/initrd"
(cd "$work/initrd" && zcat "$ldir/initramfs.cpio.gz" | cpio -id --quiet)
paths=$(sed -n 's/^libxpmem: //p' "$work/console.txt" | sort -u)
[ "$(grep -c . <<<"$paths")" = 1 ] || fail "the consumers loaded libxpmem from: ${paths//$'\n'/ }"
[ -f "$work/initrd$paths" ] || fail "$paths is not in the initramfs"
gsum=$(sha256sum < "$work/initrd$paths" | cut -d' ' -f1)
[ "$gsum" = "$libsum" ] || fail "the guest's $paths (sha256 $gsum) is not the packaged library ($libsum)"
say "the three consumers loaded $paths in the guest: the packaged library (sha256 $gsum)"
say "PASS ($(tail -n1 "$ldir/summary.txt"))"
