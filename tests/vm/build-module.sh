#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build xpmem.ko for one kernel of the matrix.
#
#   build-module.sh <kernel-name> <out-dir>
#
# Prints the path of the built module on stdout (<out-dir>/xpmem.ko); the
# build log goes to <out-dir>/module-build.log.  Kept separate from the
# runner so the build can be swapped (e.g. for a DKMS build inside the root).
#
# Root kernels (kernels.conf): driver/, include/ and VERSION are synced into
# the cached root and built there with the root's own compiler:
#   chroot <root> make -C /usr/src/linux-headers-<kver> M=/xpmem-build/<id>/driver modules
# Script kernels (debug): the script prints KERNEL=<bzImage> KDIR=<tree>; the module is
# built on the host with the host compiler against BUILD.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

name=${1:?kernel name}; out=${2:?out dir}
mkdir -p "$out"; out=$(cd "$out" && pwd)
blog="$out/module-build.log"
: > "$blog"
[ -d "$SRC_DIR/driver" ] || die "no driver/ in $SRC_DIR"
read -r _ root _ _ headers <<<"$(kconf_line "$name")"
[ -n "${headers:-}" ] || die "unknown kernel '$name'"

SYNC_EXCL=(--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c'
           --exclude='.*.cmd' --exclude='Module.symvers' --exclude='modules.order'
           --exclude='.tmp_versions' --exclude='*.a' --exclude='xpmem_compat_gen.h')
# Copies by content (--checksum) without keeping source mtimes: a changed file
# gets a new mtime, so Kbuild rebuilds it even if its own mtime went back in
# time; unchanged files keep theirs, so rebuilds stay incremental.
sync_src() {    # sync_src <dest dir>
    mkdir -p "$1"
    rsync -rlp --checksum --delete "${SYNC_EXCL[@]}" "$SRC_DIR/driver/" "$1/driver/"
    rsync -rlp --checksum --delete "$SRC_DIR/include/" "$1/include/"
    rsync -rlp --checksum "$SRC_DIR/VERSION" "$1/VERSION"
}
# One build directory per source tree, so two checkouts never share objects.
tree_id=$(printf '%s' "$SRC_DIR" | md5sum | cut -c1-10)
JOBS=${XPMEM_JOBS:-2}

t0=$(date +%s)
case $headers in
script:*)
    script="$SRC_DIR/${headers#script:}"
    [ -x "$script" ] || die "$name: $script not present (yet)"
    info=$("$script" 2>>"$blog" | tee -a "$blog")
    build=$(script_var KDIR "$info")
    [ -d "$build" ] || die "$name: $script gave no BUILD dir (see $blog)"
    exec 9> "$out/.lock"
    flock 9
    sync_src "$out/src"
    make -C "$build" M="$out/src/driver" -j"$JOBS" modules >> "$blog" 2>&1 ||
        { tail -n 40 "$blog" >&2; die "$name: module build failed (log: $blog)"; }
    ko="$out/src/driver/xpmem.ko"
    ;;
*)
    root_ok "$root" || die "$name: root $(root_dir "$root") missing or incomplete; run tests/vm/mkroot.sh $name"
    r=$(root_dir "$root"); kver=$(root_kver "$root")
    bdir=/xpmem-build/$tree_id
    mkdir -p "$r/xpmem-build"
    exec 9> "$r$bdir.lock"
    flock 9     # one build at a time per root and source tree
    sync_src "$r$bdir"
    echo "source: $SRC_DIR -> $r$bdir" >> "$blog"
    # /proc is needed (objtool of 7.3 reads it); it is mounted in a private
    # mount namespace, so it vanishes with the build and never leaks.
    unshare --mount --propagation private /bin/sh -c '
        mount -t proc proc "$1/proc" && shift && exec chroot "$@"' sh "$r" \
        "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
        make -C "/usr/src/linux-headers-$kver" M="$bdir/driver" -j"$JOBS" modules \
        >> "$blog" 2>&1 ||
        { tail -n 40 "$blog" >&2; die "$name: module build failed against $kver (log: $blog)"; }
    ko="$r$bdir/driver/xpmem.ko"
    ;;
esac
[ -f "$ko" ] || die "$name: build produced no xpmem.ko (log: $blog)"
cp "$ko" "$out/xpmem.ko"
log "$name: module built in $(( $(date +%s) - t0 )) s"
echo "$out/xpmem.ko"
