#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kmod-xpmem RPM's module loads in a guest running the kernel it was
# built for.
#
#   tests/packaging/kmod-guest.sh [RPMDIR]      (default build/packages/rpm/)
#
# RPMDIR holds the RPMs of rpm.sh, kmod-xpmem built for the kernel
# whose headers this host has (/lib/modules/<kver>/build).
#
# 1. xpmem.ko is extracted from kmod-xpmem (rpm2cpio); its vermagic must
#    name the <kver> of its /lib/modules/<kver>/extra/xpmem/ path;
# 2. the kernel <kver> itself is booted:
#    - when a root of tests/vm/kernels.conf has exactly that kernel, with
#      tests/vm/run.sh -k <name> -m <that xpmem.ko>;
#    - otherwise (this host's headers are a newer ABI of the series than
#      the root's, e.g. 6.1.0-56 against the bookworm root's 6.1.0-50: the
#      symbol CRCs differ, the module could not load there) its image
#      vmlinuz-<kver>, taken from /boot, from the cache
#      $XPMEM_CACHE/kernels/<kver>/, or extracted from the Debian package
#      linux-image-<kver>-unsigned (or linux-image-<kver>) fetched with
#      apt-get download into that cache, is booted by run.sh as the kernel
#      of the same series (name from kernels.conf, e.g. 6.1) through a
#      stand-in root: a scratch XPMEM_CACHE whose roots/<root> holds only
#      what run.sh looks at with -m (.xpmem-root naming <kver>, the image in
#      boot/, a headers Makefile, make);
#    with a small subset of the guest suite (build/guest, default
#    '^(version_matches|data_attacher_reads)$', XPMEM_KMOD_VM_TESTS);
# 3. the guest must report that it booted <kver>, that it loaded this very
#    module (srcversion) and every test must pass.
# Logs: build/vm-logs/packaging-kmod/.
# Exit: 0 pass, 1 fail, 77 skipped (no rpm2cpio, no QEMU, no kmod-xpmem
# built, no staged guest tests, no image of that kernel to be had).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
XPMEM_SH_TAG=packaging-kmod-guest
# shellcheck source=../lib/xpmem-sh.sh
. "$top/tests/lib/xpmem-sh.sh"
rpmdir=${1:-$top/build/packages/rpm}
tests=${XPMEM_KMOD_VM_TESTS:-'^(version_matches|data_attacher_reads)$'}

command -v rpm2cpio >/dev/null || skip "rpm2cpio not installed (apt-get install rpm2cpio)"
command -v modinfo >/dev/null || skip "modinfo not in PATH (kmod)"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
[ -f "$top/build/guest/runlist" ] || skip "no staged guest tests in build/guest (cmake --build build)"
kmod=$(find "$rpmdir" -maxdepth 1 -name 'kmod-xpmem-*.x86_64.rpm' 2>/dev/null | sort | head -n1 || true)
[ -n "$kmod" ] || skip "no kmod-xpmem RPM in $rpmdir (rpm.sh builds it when the host has kernel headers)"
cache=$(xpmem_cache)

work=$(mktemp -d "${TMPDIR:-/tmp}/xpmem-kmod.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- 1. the module ----------------------------------------------------------
(cd "$work" && mkdir k && cd k && rpm2cpio "$kmod" | cpio -idm --quiet)
kofile=$(cd "$work/k" || exit 0
    find lib/modules -mindepth 4 -maxdepth 4 -path 'lib/modules/*/extra/xpmem/xpmem.ko' 2>/dev/null |
        sort | head -n1 || true)
[ -n "$kofile" ] || fail "$(basename "$kmod") has no /lib/modules/<kver>/extra/xpmem/xpmem.ko"
kver=${kofile#lib/modules/}; kver=${kver%%/*}
ko=$work/xpmem.ko
cp "$work/k/$kofile" "$ko"
vm=$(modinfo -F vermagic "$ko"); vm=${vm% }
src=$(modinfo -F srcversion "$ko")
[ "${vm%% *}" = "$kver" ] || fail "/$kofile has vermagic '$vm', want $kver"
say "$(basename "$kmod"): /$kofile, vermagic '$vm', srcversion $src"

# --- 2. a guest running that kernel -------------------------------------------
# kernels.conf lines with a Debian root: name root
mapfile -t kernels < <(kconf | awk '$2 != "-" && $5 !~ /^script:/ { print $1, $2 }')
name='' root='' xcache=''
for l in "${kernels[@]}"; do
    read -r n r <<<"$l"
    rk=$(sed -n 's/^kver=//p' "$cache/roots/$r/.xpmem-root" 2>/dev/null || true)
    if [ "$rk" = "$kver" ] && [ -f "$cache/roots/$r/boot/vmlinuz-$kver" ]; then name=$n root=$r; break; fi
done
if [ -n "$name" ]; then
    say "root $root of kernel $name runs $kver: booting it"
else
    # The kernel of the matrix of the same series (6.1.0-56-amd64 -> 6.1).
    series=${kver%%-*}
    for l in "${kernels[@]}"; do
        read -r n r <<<"$l"
        rk=$(sed -n 's/^kver=//p' "$cache/roots/$r/.xpmem-root" 2>/dev/null || true)
        [ -n "$rk" ] && [ "${rk%%-*}" = "$series" ] && { name=$n root=$r; break; }
    done
    [ -n "$name" ] || skip "no root of tests/vm/kernels.conf has a $series kernel (tests/vm/mkroot.sh)"
    say "root $root of kernel $name has $(sed -n 's/^kver=//p' "$cache/roots/$root/.xpmem-root"), not $kver: booting $kver itself"
    img=$cache/kernels/$kver/vmlinuz-$kver
    if [ -f "/boot/vmlinuz-$kver" ]; then img=/boot/vmlinuz-$kver
    elif [ ! -f "$img" ]; then
        command -v apt-get >/dev/null || skip "no vmlinuz-$kver and no apt-get to fetch it"
        mkdir -p "$work/dl" "$(dirname "$img")"
        got=
        for p in "linux-image-$kver-unsigned" "linux-image-$kver"; do
            if (cd "$work/dl" && apt-get download "$p" > /dev/null 2>&1); then got=$p; break; fi
        done
        [ -n "$got" ] || skip "no vmlinuz-$kver: linux-image-$kver(-unsigned) cannot be downloaded here"
        dpkg-deb --fsys-tarfile "$work/dl/${got}_"*.deb | tar -xO "./boot/vmlinuz-$kver" > "$img.tmp" ||
            fail "no ./boot/vmlinuz-$kver in $got"
        mv "$img.tmp" "$img"
        rm -rf "$work/dl"
        say "fetched $got, kept $img"
    fi
    say "kernel image $img"
    # The stand-in root: what run.sh (root_ok, the kernel image) reads when
    # the module is given with -m; nothing is built or chrooted into.
    xcache=$work/cache
    sr=$xcache/roots/$root
    mkdir -p "$sr/boot" "$sr/usr/src/linux-headers-$kver" "$sr/usr/bin"
    sed "s/^kver=.*/kver=$kver/" "$cache/roots/$root/.xpmem-root" > "$sr/.xpmem-root"
    ln -s "$img" "$sr/boot/vmlinuz-$kver"
    : > "$sr/usr/src/linux-headers-$kver/Makefile"
    ln -s "$(type -P true)" "$sr/usr/bin/make"
    # Complete for run.sh (lib.sh root_ok): else it would debootstrap one.
    if ! { [ -f "$sr/boot/vmlinuz-$kver" ] && [ -x "$sr/usr/bin/make" ] &&
        [ -f "$sr/usr/src/linux-headers-$kver/Makefile" ]; }; then
        fail "stand-in root $sr incomplete"
    fi
fi

lbase=$top/build/vm-logs
ldir=$lbase/packaging-kmod
say "booting: run.sh -k $name -m <the kmod's xpmem.ko> -t '$tests'"
rc=0
# The stand-in root has no modules of <kver> for the guest's disks, and
# the subset needs no disk.
env ${xcache:+XPMEM_CACHE=$xcache XPMEM_VM_DISKS=0} XPMEM_VM_QUIET=1 \
    "$top/tests/vm/run.sh" -k "$name" -m "$ko" -l "$lbase" -n packaging-kmod -t "$tests" || rc=$?
clog=$ldir/console.log
[ -f "$clog" ] || fail "no console log (run.sh exit $rc)"
tr -d '\r' < "$clog" > "$work/console.txt"
grep -E '^@@XPMEM-(INIT|MODULE|RESULT)' "$work/console.txt" | sed 's/^/  guest| /'
[ $rc = 0 ] || fail "run.sh exited $rc (see $ldir/summary.txt)"

# --- 3. what the guest says ---------------------------------------------------
grep -q "^@@XPMEM-INIT kernel $kver " "$work/console.txt" ||
    fail "the guest did not run $kver: $(grep -o '@@XPMEM-INIT kernel [^ ]*' "$work/console.txt" | head -n1)"
grep -q "^@@XPMEM-MODULE srcversion $src " "$work/console.txt" ||
    fail "the guest did not load srcversion $src: $(grep '^@@XPMEM-MODULE' "$work/console.txt" | tr '\n' ' ')"
n=0
while read -r t _; do
    case $t in ''|'#'*) continue ;; esac
    grep -q "^@@XPMEM-RESULT $t PASS " "$work/console.txt" || fail "$t did not pass"
    n=$((n + 1))
done < "$ldir/runlist"
[ $n -ge 2 ] || fail "only $n tests ran (filter '$tests')"
say "kmod-xpmem's xpmem.ko (vermagic '$vm') loaded in the $kver guest, srcversion $src; $n tests passed"
say "PASS ($(tail -n1 "$ldir/summary.txt"))"
