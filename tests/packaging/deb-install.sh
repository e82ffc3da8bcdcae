#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install test of the Debian packages in a debootstrapped build root.
#
#   tests/packaging/deb-install.sh [--keep] <root> [DEBDIR]
#
# <root>   a root directory, or a suite name resolved to
#          ${XPMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xpmem}/roots/<suite>
# DEBDIR   the packages built by make-debs.sh (default build/packages/)
#
# The root itself is never modified: the test runs in an overlay mount (the
# root as the read-only lower layer, a scratch upper layer in /tmp) that is
# thrown away at the end (--keep leaves it mounted and prints where).
#
# Steps, each one fatal when it fails:
#   1. apt-get install of the local .deb files (dependencies such as dkms
#      come from the root's own apt sources);
#   2. DKMS built and installed xpmem for the root's kernel by itself: dkms
#      status says installed, the .ko is under /lib/modules/<kver>/updates/dkms/
#      and its vermagic names <kver>; the udev rule and modules-load file exist;
#   3. the consumer program tests/packaging/consumer/consumer.c builds and links
#      with pkg-config xpmem, pkg-config cray-xpmem and CMake
#      find_package(xpmem), resolves libxpmem.so.0 to the packaged library,
#      and runs (xpmem_version() fails cleanly: no module can be loaded in
#      a chroot);
#   4. apt-get purge leaves no file of the packages, no DKMS tree, no
#      module behind.
#
# Packages: XPMEM_TEST_PKGS overrides the list. By default: xpmem-dkms,
# libxpmem0, libxpmem-dev and xpmem-tools; on a root whose libc is older
# than the one libxpmem0 needs (bullseye with packages built on bookworm)
# only xpmem-dkms, and the consumer step is skipped. Without xpmem-dkms in
# the list step 2 is skipped.
# XPMEM_CONSUMER_OUT=<dir>: before the purge, copy the three consumers
# (consumer-pkgconfig-xpmem, consumer-pkgconfig-cray-xpmem, consumer-cmake)
# to <dir>/ and the packaged /usr/lib/<triplet>/libxpmem.so.0* to <dir>/lib/
# (consumers-guest.sh runs them in a QEMU guest).
# Exit: 0 pass, 1 fail, 77 skipped (root missing or not root).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck disable=SC2034 # read by tests/lib/xpmem-sh.sh, which root-overlay.sh sources
XPMEM_SH_TAG=packaging-deb-install
# shellcheck source=../../packaging/root-overlay.sh
. "$top/packaging/root-overlay.sh"

if [ "${1:-}" = "--keep" ]; then export KEEP_OVERLAY=1; shift; fi
[ $# -ge 1 ] || { usage; exit 2; }
root=$(resolve_root "$1")
debdir=${2:-$top/build/packages}

[ "$(id -u)" = 0 ] || skip "needs root (overlay mount, chroot)"
[ -x "$root/usr/bin/apt-get" ] || skip "no build root at $root"
debdir=$(cd "$debdir" && pwd)
ls "$debdir"/xpmem-dkms_*_all.deb >/dev/null 2>&1 || fail "no xpmem-dkms_*.deb in $debdir (run packaging/make-debs.sh)"

kver=$(sed -n 's/^kver=//p' "$root/.xpmem-root" 2>/dev/null || true)
[ -n "$kver" ] || kver=$(find "$root/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
if [ -z "$kver" ] || { [ ! -L "$root/lib/modules/$kver/build" ] && [ ! -d "$root/lib/modules/$kver/build" ]; }; then
    fail "no kernel headers in $root"
fi

# --- overlay ---------------------------------------------------------------
overlay_root "$root"
mnt=$MNT
work=$WORK

suite=$(sed -n 's/^suite=//p' "$root/.xpmem-root" 2>/dev/null || echo "?")
say "root $root (suite $suite, kernel $kver), packages from $debdir"

# --- which packages ------------------------------------------------------
# shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
root_libc=$(in_root dpkg-query -W -f '${Version}' libc6)
need_libc=$(dpkg-deb -f "$(find "$debdir" -maxdepth 1 -name 'libxpmem0_*.deb' | sort | head -n1)" Depends |
        sed -n 's/.*libc6 (>= \([^)]*\)).*/\1/p')
if [ -n "${XPMEM_TEST_PKGS:-}" ]; then
    pkgs=$XPMEM_TEST_PKGS
elif [ -n "$need_libc" ] && ! dpkg --compare-versions "$root_libc" ge "$need_libc"; then
    say "libc6 $root_libc in the root is older than the $need_libc libxpmem0 needs:" \
        "installing xpmem-dkms only (build the user-space packages in this suite to test them)"
    pkgs="xpmem-dkms"
else
    pkgs="xpmem-dkms libxpmem0 libxpmem-dev xpmem-tools"
fi
files=()
for p in $pkgs; do
    f=$(find "$debdir" -maxdepth 1 -name "${p}_*.deb" ! -name '*dbgsym*' | sort -V | tail -n1)
    [ -n "$f" ] || fail "no $p package in $debdir"
    files+=("$f")
done
mkdir -p "$mnt/tmp/xpmem-debs"
cp "${files[@]}" "$mnt/tmp/xpmem-debs/"

# --- 1. install ----------------------------------------------------------
log=$work/install.log
say "apt-get install $pkgs"
in_root "${APT[@]}" update > "$log" 2>&1 || { tail -n 20 "$log"; fail "apt-get update"; }
dkms_deb=$(find "$debdir" -maxdepth 1 -name 'xpmem-dkms_*_all.deb' | sort -V | tail -n1)
need_dkms=$(dpkg-deb -f "$dkms_deb" Depends | sed -n 's/.*dkms (>= \([^)]*\)).*/\1/p')
cand_dkms=$(in_root apt-cache policy dkms | sed -n 's/^ *Candidate: *//p')
if [ -n "$need_dkms" ] && ! dpkg --compare-versions "${cand_dkms:-0}" ge "$need_dkms"; then
    skip "${dkms_deb##*/} needs dkms >= $need_dkms, this suite has ${cand_dkms:-none};" \
        "build the packages in this suite: packaging/build-debs-in-root.sh $1"
fi
inroot_debs=()
for f in "${files[@]}"; do inroot_debs+=("/tmp/xpmem-debs/${f##*/}"); done
if ! in_root "${APT[@]}" install "${inroot_debs[@]}" >> "$log" 2>&1; then
    tail -n 40 "$log"
    fail "apt-get install of the packages failed"
fi
grep -E "^(Building for|Building initial module|Done\.|Skipped\.|xpmem\.ko|DKMS: install completed|Error|dkms)" "$log" |
    sed 's/^/  | /' || true

# --- 2. DKMS result ------------------------------------------------------
if echo " $pkgs " | grep -q " xpmem-dkms "; then
    status=$(in_root dkms status xpmem 2>&1 || true)
    say "dkms status: $status"
    echo "$status" | grep -q "$kver.*: installed" || {
        in_root sh -c 'cat /var/lib/dkms/xpmem/*/build/make.log 2>/dev/null | tail -n 40'
        fail "DKMS did not install xpmem for $kver"
    }
    ko=$(in_root sh -c "ls /lib/modules/$kver/updates/dkms/xpmem.ko* 2>/dev/null" | head -n1)
    [ -n "$ko" ] || fail "no xpmem.ko in /lib/modules/$kver/updates/dkms/"
    vermagic=$(in_root modinfo -F vermagic "$ko")
    [ "${vermagic%% *}" = "$kver" ] || fail "$ko has vermagic '$vermagic', want $kver"
    modver=$(in_root modinfo -F version "$ko")
    say "module: $ko (vermagic '$vermagic', version $modver)"
    # The roots hold the headers, not the kernel's modules: modules.dep exists
    # only where dkms ran depmod (newer dkms skip it for a kernel that is not
    # installed).
    if in_root test -f "/lib/modules/$kver/modules.dep"; then
        in_root grep -qw "xpmem" "/lib/modules/$kver/modules.dep" || fail "xpmem not in modules.dep of $kver (depmod not run)"
        say "xpmem is in /lib/modules/$kver/modules.dep"
    else
        say "no /lib/modules/$kver/modules.dep (kernel image not installed in the root): depmod check skipped"
    fi
    rule=$(in_root sh -c 'ls /usr/lib/udev/rules.d/56-xpmem.rules /lib/udev/rules.d/56-xpmem.rules 2>/dev/null' | head -n1)
    [ -n "$rule" ] || fail "no 56-xpmem.rules installed"
    in_root grep -q 'MODE="0666"' "$rule" || fail "$rule does not set mode 0666"
    in_root test -f /usr/lib/modules-load.d/xpmem.conf || fail "no /usr/lib/modules-load.d/xpmem.conf"
    say "udev rule $rule, /usr/lib/modules-load.d/xpmem.conf present"
else
    say "DKMS step skipped (xpmem-dkms not installed)"
fi

# --- 3. consumer ---------------------------------------------------------
if echo " $pkgs " | grep -q " libxpmem-dev "; then
    say "consumer builds (pkg-config xpmem, pkg-config cray-xpmem, CMake find_package)"
    in_root "${APT[@]}" install pkgconf cmake >> "$log" 2>&1 ||
        in_root "${APT[@]}" install pkg-config cmake >> "$log" 2>&1 ||
        { tail -n 20 "$log"; fail "cannot install pkg-config and cmake in the root"; }
    mkdir -p "$mnt/tmp/consumer"
    cp "$top/tests/packaging/consumer/consumer.c" "$mnt/tmp/consumer/consumer.c"
    cat > "$mnt/tmp/consumer/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.13)
project(consumer C)
find_package(xpmem 3 REQUIRED)
add_executable(consumer consumer.c)
target_link_libraries(consumer PRIVATE xpmem::xpmem)
EOF
    for pc in xpmem cray-xpmem; do
        in_root sh -ec "cd /tmp/consumer && pkg-config --modversion $pc &&
            gcc -Wall -Werror -o c-$pc consumer.c \$(pkg-config --cflags --libs $pc)" \
            > "$work/pc.log" 2>&1 || { cat "$work/pc.log"; fail "build with pkg-config $pc"; }
        say "  pkg-config $pc $(head -n1 "$work/pc.log"): built"
    done
    in_root sh -ec 'cd /tmp/consumer && cmake -S . -B b && cmake --build b' \
        > "$work/cmake.log" 2>&1 || { tail -n 30 "$work/cmake.log"; fail "build with find_package(xpmem)"; }
    say "  CMake find_package(xpmem): built"
    for exe in c-xpmem c-cray-xpmem b/consumer; do
        lib=$(in_root sh -c "ldd /tmp/consumer/$exe | sed -n 's/.*libxpmem.so.0 => \\([^ ]*\\).*/\\1/p'")
        case $lib in
        /usr/lib/*/libxpmem.so.0|/lib/*/libxpmem.so.0) ;;
        *) fail "$exe does not resolve libxpmem.so.0 to the packaged library ('$lib')" ;;
        esac
        rc=0
        out=$(in_root "/tmp/consumer/$exe" 2>&1) || rc=$?
        # 0 only if a module is loaded on this host; else the clean error.
        [ $rc = 0 ] || { [ $rc = 1 ] && grep -q '^no xpmem device: ' <<<"$out"; } ||
            fail "$exe exited $rc: $out"
        say "  $exe -> $lib: ${out//$'\n'/ }"
    done
    if [ -n "${XPMEM_CONSUMER_OUT:-}" ]; then
        mkdir -p "$XPMEM_CONSUMER_OUT/lib"
        cp "$mnt/tmp/consumer/c-xpmem" "$XPMEM_CONSUMER_OUT/consumer-pkgconfig-xpmem"
        cp "$mnt/tmp/consumer/c-cray-xpmem" "$XPMEM_CONSUMER_OUT/consumer-pkgconfig-cray-xpmem"
        cp "$mnt/tmp/consumer/b/consumer" "$XPMEM_CONSUMER_OUT/consumer-cmake"
        libdir=$(dirname "$(in_root dpkg -L libxpmem0 | grep '/libxpmem\.so\.0$' | head -n1)")
        [ "$libdir" != . ] || fail "libxpmem0 lists no libxpmem.so.0"
        cp -a "$mnt$libdir"/libxpmem.so.0* "$XPMEM_CONSUMER_OUT/lib/"
        say "  consumers and the packaged $libdir/libxpmem.so.0* copied to $XPMEM_CONSUMER_OUT"
    fi
    if echo " $pkgs " | grep -q " xpmem-tools "; then
        rc=0
        in_root xpmem-info --json --no-selftest > "$work/info.json" 2>&1 || rc=$?
        if ! { grep -q '"module_loaded": false' "$work/info.json" && [ $rc = 1 ]; }; then
            cat "$work/info.json"; fail "xpmem-info in the chroot: exit $rc"
        fi
        if command -v python3 >/dev/null; then
            python3 -m json.tool "$work/info.json" > /dev/null || fail "xpmem-info --json is not valid JSON"
        fi
        say "  xpmem-info --json: exit 1, module_loaded false (no module in a chroot), valid JSON"
    fi
else
    say "consumer step skipped (libxpmem-dev not installed)"
fi

# --- 4. purge ------------------------------------------------------------
owned=$work/owned.txt
for p in $pkgs; do in_root dpkg -L "$p"; done | sort -u > "$owned"
say "apt-get purge $pkgs"
read -ra pkg_list <<<"$pkgs"
in_root "${APT[@]}" purge "${pkg_list[@]}" >> "$log" 2>&1 || { tail -n 30 "$log"; fail "apt-get purge"; }
# shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
left=$(in_root dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' "${pkg_list[@]}" 2>/dev/null | grep -v '^un ' || true)
[ -z "$left" ] || fail "packages still known to dpkg after purge: $left"
leftover=()
while IFS= read -r f; do
    if [ -z "$f" ] || [ "$f" = "/." ]; then continue; fi
    if [ -e "$mnt$f" ] && [ ! -d "$mnt$f" ]; then leftover+=("$f"); fi
    if [ -d "$mnt$f" ] && [[ $f == /usr/src/xpmem* ]]; then leftover+=("$f"); fi
done < "$owned"
[ ${#leftover[@]} = 0 ] || fail "files left after purge: ${leftover[*]}"
in_root test ! -e /var/lib/dkms/xpmem || fail "/var/lib/dkms/xpmem left after purge"
in_root sh -c 'ls -d /usr/src/xpmem-* 2>/dev/null' | grep -q . && fail "/usr/src/xpmem-* left after purge"
mods=$(in_root find /lib/modules -name 'xpmem.ko*' 2>/dev/null || true)
[ -z "$mods" ] || fail "modules left after purge: $mods"
if in_root test -f "/lib/modules/$kver/modules.dep"; then
    in_root grep -qw xpmem "/lib/modules/$kver/modules.dep" && fail "xpmem still in modules.dep of $kver"
fi
# Nothing named after xpmem left by the install and the purge (dpkg's info
# files, DKMS build trees, module directories, udev and modules-load files),
# apart from what this test put in /tmp: whatever they created or changed is
# in the overlay's upper layer (the root itself has the bed's own
# /xpmem-build and /.xpmem-root; -type c are whiteouts of removed files).
named=$(cd "$work/upper" || exit 0; find . \( -path ./tmp -o -path ./proc -o -path ./sys -o -path ./dev \) -prune \
    -o -name '*xpmem*' ! -type c -print 2>/dev/null | sed 's|^\.||' || true)
[ -z "$named" ] || fail "left after purge: $named"
say "purge: no package file, no /var/lib/dkms/xpmem, no /usr/src/xpmem-*, no xpmem.ko, no file named *xpmem* left"
say "PASS ($suite, kernel $kver)"
