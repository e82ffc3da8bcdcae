#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The kernel modules the guest needs for its disks (virtio_blk, ext4 and
# what they depend on), for one kernel of kernels.conf.
#
#   tests/vm/guest-modules.sh <kernel>
#
# Prints the directory holding them, decompressed, with the file "order"
# (one .ko name a line, dependencies first: the guest insmods them in that
# order).  Prints nothing (exit 0) for a kernel without a Debian root (the
# debug kernel has no block layer).  The modules come from the root's
# /lib/modules/<kver> when its image package is installed there, otherwise
# from the package holding them (linux-modules-<kver> from 7.x, else the
# image package mkroot.sh took vmlinuz from), fetched once with apt-get
# download inside the root and not installed: the root stays as it is.
# Cache: $XPMEM_CACHE/guest-modules/<root>-<kver>/.
# XPMEM_VM_DISKS=0: prints nothing, the guest gets no disk modules (for a
# kernel booted without a root of its own, e.g. tests/packaging/kmod-guest.sh
# booting a newer ABI of a series than the root's).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# Wanted, in this order; the ones built into a kernel are simply absent.
WANT="crc32c_generic crc32c-intel crc32c_intel virtio_pci virtio_blk ext4"

k=${1:?usage: $0 <kernel>}
[ "${XPMEM_VM_DISKS:-1}" != 0 ] || exit 0
line=$(kconf_line "$k")
[ -n "$line" ] || die "unknown kernel '$k'"
read -r _ root _ _ headers <<<"$line"
case $headers in script:*) exit 0 ;; esac
[ "$root" != - ] || exit 0
root_ok "$root" || die "$k: no root $(root_dir "$root") (mkroot.sh $k)"
rdir=$(root_dir "$root") kver=$(root_kver "$root")
pkg=$(sed -n 's/^image_package=//p' "$rdir/.xpmem-root")
out="$(xpmem_cache)/guest-modules/$root-$kver"
[ -f "$out/order" ] && { echo "$out"; exit 0; }

mkdir -p "$(xpmem_cache)/guest-modules"
exec 9> "$(xpmem_cache)/guest-modules/.lock"
flock 9
[ -f "$out/order" ] && { echo "$out"; exit 0; }

tmp=$(mktemp -d "$(xpmem_cache)/guest-modules/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=''
for d in "$rdir/lib/modules/$kver" "$rdir/usr/lib/modules/$kver"; do
    [ -f "$d/modules.dep" ] && { src=$d; break; }
done
if [ -z "$src" ]; then
    [ "$(id -u)" = 0 ] || die "$k: fetching the modules of $kver needs root (chroot)"
    dl="$rdir/var/tmp/xpmem-guest-modules.$$"
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp' '$dl'" EXIT
    # Up to 6.x the modules are in the image package, from 7.x in
    # linux-modules-<kver>.
    for p in "linux-modules-$kver" "$pkg"; do
        [ -n "$p" ] || continue
        rm -rf "$dl" "$tmp/x"; mkdir -p "$dl"; chmod 0777 "$dl"
        log "$k: fetching $p for the guest's disk modules"
        chroot "$rdir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
            sh -c "cd /var/tmp/$(basename "$dl") && apt-get -qq -o Acquire::Check-Valid-Until=false -o Acquire::Retries=3 download $p" >&2 ||
            continue
        dpkg-deb -x "$dl"/*.deb "$tmp/x"
        # the package has no modules.dep (its postinst runs depmod): make one
        for d in lib usr/lib; do
            [ -d "$tmp/x/$d/modules/$kver/kernel" ] || continue
            depmod -b "$tmp/x/${d%lib}" "$kver" 2>/dev/null || die "$k: depmod of $p failed"
            src="$tmp/x/$d/modules/$kver"; break 2
        done
    done
    rm -rf "$dl"
    if [ -z "$src" ] || [ ! -f "$src/modules.dep" ]; then
        die "$k: no package of $kver with its modules (linux-modules-$kver, $pkg)"
    fi
fi

# Dependencies first (depth first, post-order), from modules.dep.
mkdir -p "$tmp/out"
declare -A done_
add() {     # add <path relative to the modules dir>
    local rel=$1 dep deps
    [ -n "${done_[$rel]:-}" ] && return 0
    done_[$rel]=1
    deps=$(awk -v m="$rel" -F': *' '$1 == m { print $2 }' "$src/modules.dep")
    for dep in $deps; do add "$dep"; done
    local base; base=$(basename "$rel")
    case $base in
    *.ko.xz) xz -dc "$src/$rel" > "$tmp/out/${base%.xz}"; base=${base%.xz} ;;
    *.ko.zst) zstd -qdc "$src/$rel" > "$tmp/out/${base%.zst}"; base=${base%.zst} ;;
    *.ko.gz) gzip -dc "$src/$rel" > "$tmp/out/${base%.gz}"; base=${base%.gz} ;;
    *) cp "$src/$rel" "$tmp/out/$base" ;;
    esac
    echo "$base" >> "$tmp/out/order"
}
: > "$tmp/out/order"
for m in $WANT; do
    rel=$(awk -F: -v m="$m" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n)
                               if (n == m) { print $1; exit } }' "$src/modules.dep")
    [ -n "$rel" ] && add "$rel"
done
rm -rf "$out"
mv "$tmp/out" "$out"
log "$k: guest modules in $out: $(tr '\n' ' ' < "$out/order")"
echo "$out"
