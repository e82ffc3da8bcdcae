#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (or reuse) the xpmem debug test kernel: Debian's linux-source-6.1
# configured from allnoconfig + debug.config (KASAN, lockdep, kmemleak, ...).
#
# Usage:
#   build.sh           build if needed; last stdout line:
#                        KERNEL=<bzImage> KDIR=<tree for make -C KDIR M=...>
#   build.sh --print   same line without building; exit 1 if not built yet
#
# Environment:
#   XPMEM_CACHE        cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/xpmem)
#   XPMEM_JOBS         make -j value (default 2)
#
# The result lives in $XPMEM_CACHE/debug-kernel/<key>/ where <key> hashes the
# linux-source package version, the compiler version, the option lines of
# debug.config and the non-comment lines of this script, so a change to any of
# them builds a new tree. It is built in a
# temporary directory and renamed into place only after the config check,
# the kernel build and an out-of-tree module test build all succeeded.
# Progress goes to stderr, the full build log to a file named on failure.
#
# Needs root only when build packages are missing (it installs them with
# apt-get from the host's configured mirrors).

set -euo pipefail

SRC_PKG=linux-source-6.1
SRC_TAR=/usr/src/linux-source-6.1.tar.xz
BUILD_DEPS=(build-essential bc bison flex libelf-dev libssl-dev xz-utils
            cpio rsync kmod python3 "$SRC_PKG")

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/debug.config
self=$here/$(basename "${BASH_SOURCE[0]}")
cache_root=${XPMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xpmem}
base=$cache_root/debug-kernel
jobs=${XPMEM_JOBS:-2}

msg() { echo "debug-kernel: $*" >&2; }
die() { msg "error: $*"; exit 1; }

mode=build
case "${1:-}" in
    "") ;;
    --print) mode=print ;;
    -h|--help) sed -n '3,25p' "$self" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (use --print or nothing)" ;;
esac

pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

install_deps() {
    local missing=() p
    for p in "${BUILD_DEPS[@]}"; do
        pkg_installed "$p" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing packages (${missing[*]}); run as root or install them"
    msg "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
        apt-get update -q >&2
        apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
    fi
}

compute_key() {
    local ver ccver
    ver=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) || return 1
    [ -n "$ver" ] || return 1
    ccver=$(gcc --version 2>/dev/null | head -n1)
    {
        echo "src=$SRC_PKG $ver"
        echo "cc=$ccver"
        # only the lines that matter: comment edits do not force a rebuild
        grep -E '^(CONFIG_|# CONFIG_|# require: )' "$fragment" | sha256sum
        grep -vE '^[[:space:]]*(#|$)' "$self" | sha256sum
    } | sha256sum | cut -c1-16
}

print_result() {
    echo "KERNEL=$1/bzImage KDIR=$1/linux"
}

# ------------------------------------------------------------------ --print
if [ "$mode" = print ]; then
    key=$(compute_key) || { msg "$SRC_PKG is not installed: not built"; exit 1; }
    dir=$base/$key
    if [ -f "$dir/.complete" ]; then
        print_result "$dir"
        exit 0
    fi
    msg "not built yet (expected $dir)"
    exit 1
fi

# ------------------------------------------------------------------ build
[ -f "$fragment" ] || die "missing $fragment"
install_deps
[ -f "$SRC_TAR" ] || die "$SRC_TAR not found after installing $SRC_PKG"
key=$(compute_key) || die "cannot read the $SRC_PKG version"
dir=$base/$key
mkdir -p "$base/logs"

if [ -f "$dir/.complete" ]; then       # fast path, no lock needed
    print_result "$dir"
    exit 0
fi
# One lock per key: a second caller for the same key waits and then reuses
# the result; a build for another key does not block it.
exec 9>"$base/.lock-$key"
flock 9

if [ -f "$dir/.complete" ]; then
    msg "reusing $dir"
    print_result "$dir"
    exit 0
fi
[ -e "$dir" ] && { msg "removing incomplete $dir"; rm -rf "$dir"; }
rm -rf "$base/.build-$key".* "$base/.modtest-$key".* "$base/.broken-$key".*  # killed runs

log=$base/logs/$key.log
tmp=$base/.build-$key.$$
rm -rf "$tmp"
mkdir -p "$tmp"
: > "$log"

# A failed tree is kept (one per key) as $base/.failed-<key> for inspection.
fail() {
    msg "FAILED: $*"
    msg "build log: $log"
    tail -n 40 "$log" | sed 's/^/  | /' >&2 || true
    if [ -d "$tmp" ]; then
        rm -rf "$base/.failed-$key"
        mv "$tmp" "$base/.failed-$key" && msg "failed tree kept in $base/.failed-$key"
    fi
    exit 1
}
trap 'rm -rf "$tmp"' EXIT
# run CMD...: append its output to the log, fail with a description if it fails
run() {
    local what=$1; shift
    echo "### $what: $*" >> "$log"
    "$@" >> "$log" 2>&1 || fail "$what"
}

start=$(date +%s)
msg "building in $tmp (log $log, -j$jobs)"

run "extract $SRC_TAR" tar -C "$tmp" -xf "$SRC_TAR"
mv "$tmp"/linux-source-* "$tmp/linux" || fail "unexpected tarball layout"
ktree=$tmp/linux
mk=(nice -n 10 make -C "$ktree" ARCH=x86_64 "-j$jobs")

# Kconfig input: the CONFIG_ lines and "# ... is not set" lines of the fragment.
grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' "$fragment" \
    > "$tmp/allconfig"
run "allnoconfig" env KCONFIG_ALLCONFIG="$tmp/allconfig" "${mk[@]}" allnoconfig
run "olddefconfig" "${mk[@]}" olddefconfig

# Every requested value must be in .config exactly.
# shellcheck disable=SC2178
# (the scalar "missing" here; install_deps has a local array of that name)
missing=0
# shellcheck disable=SC2178
# (the scalar "missing" here; install_deps has a local array of that name)
while IFS= read -r line; do
    case "$line" in
        "# require: "*) want=${line#"# require: "} ;;
        CONFIG_*=*) want=$line ;;
        "# CONFIG_"*" is not set") want=$line ;;
        *) continue ;;
    esac
    if [[ $want == "# CONFIG_"* ]]; then
        sym=${want#"# "}; sym=${sym%% *}
        if grep -q "^$sym=" "$ktree/.config"; then
            msg "config: $sym must be unset, got: $(grep "^$sym=" "$ktree/.config")"
            missing=1
        fi
    else
        sym=${want%%=*}
        if ! grep -qxF "$want" "$ktree/.config"; then
            got=$(grep -E "^$sym=|^# $sym is not set" "$ktree/.config" || echo "absent")
            msg "config: wanted $want, got: $got"
            missing=1
        fi
    fi
done < "$fragment"
cp "$ktree/.config" "$base/logs/$key.config"
# shellcheck disable=SC2128
# (the scalar "missing" here; install_deps has a local array of that name)
[ "$missing" -eq 0 ] || fail "config check (options above were dropped by Kconfig; .config saved as $base/logs/$key.config)"
msg "config check passed"

# `make modules` (only test_hmm.ko here) is what writes Module.symvers with
# the vmlinux exports; bzImage alone only leaves vmlinux.symvers.
run "make bzImage modules" "${mk[@]}" bzImage modules
run "make modules_prepare" "${mk[@]}" modules_prepare
[ -s "$ktree/Module.symvers" ] || fail "no Module.symvers after the build"
cp "$ktree/arch/x86/boot/bzImage" "$tmp/bzImage"
cp "$ktree/.config" "$tmp/config"
krel=$(make -s -C "$ktree" ARCH=x86_64 kernelrelease 2>>"$log") || fail "kernelrelease"
echo "$krel" > "$tmp/kernelrelease"

# Drop what no out-of-tree build needs: the big intermediate link objects.
rm -f "$ktree/vmlinux.o" "$ktree/vmlinux.a"

# The tree is renamed before use, so test the external module build at the
# final path (an in-tree build is relocatable; this proves it each time).
mv "$tmp" "$dir" || fail "rename to $dir"
trap - EXIT
tmp=$base/.modtest-$key.$$
mkdir -p "$tmp"
cat > "$tmp/xpmem_dk_probe.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0-only
#include <linux/module.h>
#include <linux/init.h>
static int __init probe_init(void) { return 0; }
static void __exit probe_exit(void) { }
module_init(probe_init);
module_exit(probe_exit);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := xpmem_dk_probe.o' > "$tmp/Kbuild"
echo "### module test build" >> "$log"
if ! make -C "$dir/linux" M="$tmp" modules >> "$log" 2>&1 \
   || [ "$(modinfo -F vermagic "$tmp/xpmem_dk_probe.ko" | cut -d' ' -f1)" != "$krel" ]; then
    mv "$dir" "$base/.broken-$key.$$" 2>/dev/null || rm -rf "$dir"
    fail "out-of-tree module test build against $dir/linux"
fi
rm -rf "$tmp"
touch "$dir/.complete"

msg "built $krel in $(( $(date +%s) - start )) s: $dir"
print_result "$dir"
