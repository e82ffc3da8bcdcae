#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Kernel upgrade test: with xpmem-dkms installed, installing another kernel
# (its headers and image) makes DKMS build and install xpmem for it by
# itself, and removing that kernel removes its module again.
#
#   tests/packaging/kernel-upgrade.sh <root-or-suite> [DEBDIR]
#
# <root>   a build root of the test bed, or a suite name resolved to
#          ${XPMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xpmem}/roots/<suite>
# DEBDIR   the packages built by make-debs.sh (default build/packages/)
#
# Runs in a throwaway overlay of the root (packaging/root-overlay.sh): the
# cached root is never modified. Steps, each fatal when it fails:
#   1. apt-get install xpmem-dkms: DKMS installs xpmem for the root's kernel;
#   2. apt-get install linux-headers-<kver2> linux-image-<kver2>, where
#      <kver2> is the root's kernel ABI in another flavour (default
#      cloud-amd64: the smallest image, with CONFIG_MMU_NOTIFIER and
#      CONFIG_HMM_MIRROR; XPMEM_UPGRADE_FLAVOUR overrides it, e.g. rt-amd64):
#      the kernel's postinst hooks run DKMS, which must leave
#      "xpmem/<ver>, <kver2>, ...: installed" in dkms status, a .ko under
#      /lib/modules/<kver2>/updates/dkms/ whose vermagic names <kver2>, xpmem
#      in that kernel's modules.dep, and the first kernel's module in place;
#   3. apt-get purge of that kernel: DKMS removes its module (prerm hook),
#      the first kernel's module stays.
# The kernel packages are kept in $XPMEM_CACHE/apt-archives/<suite>/ so that a
# second run downloads nothing.
# Exit: 0 pass, 1 fail, 77 skipped (root missing, not root, no such kernel).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck disable=SC2034 # read by tests/lib/xpmem-sh.sh, which root-overlay.sh sources
XPMEM_SH_TAG=packaging-kernel-upgrade
# shellcheck source=../../packaging/root-overlay.sh
. "$top/packaging/root-overlay.sh"
[ $# -ge 1 ] || { usage; exit 2; }
root=$(resolve_root "$1")
debdir=${2:-$top/build/packages}

[ "$(id -u)" = 0 ] || skip "needs root (overlay mount, chroot)"
[ -x "$root/usr/bin/apt-get" ] || skip "no build root at $root"
debdir=$(cd "$debdir" && pwd)
kver=$(sed -n 's/^kver=//p' "$root/.xpmem-root" 2>/dev/null || true)
[ -n "$kver" ] || fail "no kver in $root/.xpmem-root"
flavour=${XPMEM_UPGRADE_FLAVOUR:-cloud-amd64}
case $kver in
*-amd64) kver2=${kver%-amd64}-$flavour ;;
*) skip "kernel $kver is not an amd64 flavour" ;;
esac
[ "$kver2" != "$kver" ] || fail "XPMEM_UPGRADE_FLAVOUR names the root's own kernel"
# shellcheck source=/dev/null # the root's os-release
suite=$(. "$root/etc/os-release" && echo "${VERSION_CODENAME:-$(basename "$root")}")
archives=$(xpmem_cache)/apt-archives/$suite
mkdir -p "$archives"

overlay_root "$root"
log=$WORK/upgrade.log
say "root $root ($suite, kernel $kver); new kernel $kver2"
in_root "${APT[@]}" update > "$log" 2>&1 || { tail -n 20 "$log"; fail "apt-get update"; }

# --- 1. xpmem-dkms -------------------------------------------------------
dkms_cand=$(in_root apt-cache policy dkms | sed -n 's/^ *Candidate: *//p')
deb=
for f in "$debdir"/xpmem-dkms_*_all.deb "$debdir/$suite"/xpmem-dkms_*_all.deb; do
    [ -f "$f" ] || continue
    need=$(dpkg-deb -f "$f" Depends | sed -n 's/.*dkms (>= \([^)]*\)).*/\1/p')
    if [ -z "$need" ] || dpkg --compare-versions "${dkms_cand:-0}" ge "$need"; then deb=$f; break; fi
done
[ -n "$deb" ] || skip "no xpmem-dkms package in $debdir fits dkms ${dkms_cand:-none} of $suite"
mkdir -p "$MNT/tmp/xpmem-debs"
cp "$deb" "$MNT/tmp/xpmem-debs/"
say "apt-get install ${deb##*/}"
in_root "${APT[@]}" install "/tmp/xpmem-debs/${deb##*/}" >> "$log" 2>&1 ||
    { tail -n 30 "$log"; fail "apt-get install xpmem-dkms"; }
ver=$(dpkg-deb -f "$deb" Version); ver=${ver%-*}
in_root dkms status xpmem | grep -q "$kver.*: installed" ||
    { in_root dkms status; fail "xpmem not installed for $kver to begin with"; }

# --- 2. another kernel -----------------------------------------------------
img=
for p in "linux-image-$kver2" "linux-image-$kver2-unsigned"; do
    c=$(in_root apt-cache policy "$p" | sed -n 's/^ *Candidate: *//p')
    if [ -n "$c" ] && [ "$c" != "(none)" ]; then img=$p; break; fi
done
[ -n "$img" ] || skip "no linux-image-$kver2 in $suite"
hdr=linux-headers-$kver2
cp "$archives"/*.deb "$MNT/var/cache/apt/archives/" 2>/dev/null || true
say "apt-get install $hdr $img"
t0=$(date +%s)
in_root "${APT[@]}" install "$hdr" "$img" > "$WORK/kernel.log" 2>&1 ||
    { tail -n 40 "$WORK/kernel.log"; fail "apt-get install $hdr $img"; }
cat "$WORK/kernel.log" >> "$log"
# Keep the kernel packages (and what they pulled in) for the next run.
cp -u "$MNT"/var/cache/apt/archives/*.deb "$archives/" 2>/dev/null || true
say "installed in $(( $(date +%s) - t0 )) s; what DKMS printed:"
grep -E "dkms|DKMS|Building|Installing to|xpmem|Error" "$WORK/kernel.log" | grep -v "dependency tree" | sed 's/^/  | /' || true

status=$(in_root dkms status xpmem 2>&1 || true)
say "dkms status:"
printf '%s\n' "$status" | sed 's/^/  | /'
printf '%s\n' "$status" | grep -q "^xpmem/$ver, $kver2, [^:]*: installed" ||
    { in_root sh -c "tail -n 40 /var/lib/dkms/xpmem/$ver/$kver2/*/log/make.log /var/lib/dkms/xpmem/$ver/build/make.log 2>/dev/null" || true
      fail "DKMS did not install xpmem for the new kernel $kver2"; }
printf '%s\n' "$status" | grep -q "$kver, [^:]*: installed" ||
    fail "the module of the first kernel $kver is no longer installed"
ko=$(in_root sh -c "ls /lib/modules/$kver2/updates/dkms/xpmem.ko* 2>/dev/null" | head -n 1)
[ -n "$ko" ] || fail "no xpmem.ko in /lib/modules/$kver2/updates/dkms/"
vm=$(in_root modinfo -F vermagic "$ko")
[ "${vm%% *}" = "$kver2" ] || fail "$ko has vermagic '$vm', want $kver2"
say "module for $kver2: $ko, vermagic '${vm% }'"
in_root grep -qw xpmem "/lib/modules/$kver2/modules.dep" ||
    fail "xpmem is not in /lib/modules/$kver2/modules.dep (depmod not run)"
say "xpmem is in /lib/modules/$kver2/modules.dep: modprobe xpmem works after booting $kver2"

# --- 3. remove that kernel again ----------------------------------------------
say "apt-get purge $img $hdr"
in_root "${APT[@]}" purge "$img" "$hdr" >> "$log" 2>&1 ||
    { tail -n 30 "$log"; fail "apt-get purge of $kver2"; }
status=$(in_root dkms status xpmem 2>&1 || true)
printf '%s\n' "$status" | grep -q "$kver2" && fail "dkms status still lists $kver2: $status"
in_root sh -c "ls /lib/modules/$kver2/updates/dkms/xpmem.ko* 2>/dev/null" | grep -q . &&
    fail "xpmem.ko of $kver2 left after its kernel was purged"
printf '%s\n' "$status" | grep -q "$kver, [^:]*: installed" ||
    fail "purging $kver2 removed the module of $kver too"
say "after the purge: $status"
say "PASS ($suite: $kver -> +$kver2 -> -$kver2)"
