#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Create (or verify) the cached build root of one kernel of the matrix:
# a debootstrap --variant=minbase tree of that suite with its gcc, make,
# the headers of one concrete kernel ABI and the kernel image extracted from
# the matching linux-image package.
#
#   tests/vm/mkroot.sh <kernel-name>...     (names from kernels.conf)
#   tests/vm/mkroot.sh --all
#   tests/vm/mkroot.sh --force <name>       (rebuild even if present)
#
# The root goes to $XPMEM_CACHE/roots/<root> (default ~/.cache/xpmem).  It is
# built in a temporary directory and renamed into place when complete, so a
# root either exists whole or not at all.  Must run as root.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

force=0
names=()
for a in "$@"; do
    case $a in
    --force) force=1 ;;
    --all) mapfile -t -O "${#names[@]}" names < <(kconf | awk '$2 != "-" {print $1}') ;;
    -h|--help) usage; exit 0 ;;
    *) names+=("$a") ;;
    esac
done
[ ${#names[@]} -gt 0 ] || die "usage: $0 [--force] <kernel-name>... | --all"
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
"$SRC_DIR/.ci/deps.sh" testbed >&2 || die "cannot install the test bed's packages (.ci/deps.sh testbed)"

cache=$(xpmem_cache)
mkdir -p "$cache/roots" "$cache/debs"

APT_OPTS=(-o Acquire::Check-Valid-Until=false -o APT::Install-Recommends=false
          -o Dpkg::Use-Pty=false -o Acquire::Retries=3)

in_root() {     # in_root <dir> <command...>
    local r=$1; shift
    chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"
}

build_one() {
    local name=$1 line root base extra headers
    line=$(kconf_line "$name")
    [ -n "$line" ] || die "unknown kernel '$name' (see kernels.conf)"
    read -r _ root base extra headers <<<"$line"
    [ "$root" != "-" ] || { log "$name: no root needed"; return 0; }
    if [ $force = 0 ] && root_ok "$root"; then
        log "$name: root $(root_dir "$root") ok (kernel $(root_kver "$root"))"
        return 0
    fi
    local mirror keyring final tmp t0
    mirror=$(xpmem_mirror)
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    final=$(root_dir "$root")
    tmp="$cache/roots/.tmp-$root.$$"
    t0=$(date +%s)
    local extra_s=""
    [ "$extra" = "-" ] || extra_s=" + $extra"
    log "$name: building root $final (suite $base$extra_s) ..."
    safe_rm "$tmp"
    # shellcheck disable=SC2064
    trap "umount_below '$tmp'; safe_rm '$tmp'" EXIT

    local gpg=(--keyring="$keyring")
    [ -f "$keyring" ] || { log "no $keyring; debootstrap without signature check"; gpg=(--no-check-gpg); }
    debootstrap --variant=minbase --include=gcc,make,libc6-dev,ca-certificates \
        --cache-dir="$cache/debs" "${gpg[@]}" "$base" "$tmp" "$mirror" \
        > "$cache/roots/.log-$root" 2>&1 || {
            tail -n 30 "$cache/roots/.log-$root" >&2; die "$name: debootstrap failed"; }

    # apt inside the root: suite(s) from the same mirror, no expiry check
    # (snapshot-like mirrors keep old Release files).
    {
        echo "deb $mirror $base main"
        [ "$extra" = "-" ] || echo "deb $mirror $extra main"
    } > "$tmp/etc/apt/sources.list"
    printf 'Acquire::Check-Valid-Until "false";\nAPT::Install-Recommends "false";\n' \
        > "$tmp/etc/apt/apt.conf.d/90xpmem"
    mount -t proc proc "$tmp/proc"
    local tgt=()
    [ "$extra" = "-" ] || tgt=(-t "$extra")
    {
        in_root "$tmp" apt-get "${APT_OPTS[@]}" update
        in_root "$tmp" apt-get "${APT_OPTS[@]}" -y "${tgt[@]}" install "$headers" make gcc
        # pahole where the kernel builds module BTF (6.12+); harmless elsewhere
        in_root "$tmp" apt-get "${APT_OPTS[@]}" -y "${tgt[@]}" install dwarves || true
    } >> "$cache/roots/.log-$root" 2>&1 || {
        tail -n 30 "$cache/roots/.log-$root" >&2; die "$name: apt-get in root failed"; }

    # The concrete ABI the metapackage resolved to.
    local hdr kver
    hdr=$(find "$tmp/usr/src" -mindepth 1 -maxdepth 1 -name 'linux-headers-*-amd64' -printf '%f\n' 2>/dev/null |
          sort -V | tail -n 1 || true)
    [ -n "$hdr" ] || die "$name: no /usr/src/linux-headers-*-amd64 in root"
    kver=${hdr#linux-headers-}

    # Kernel image: download the .deb (not installed) and extract vmlinuz.
    # Debian ships it in linux-image-<kver>[-unsigned] up to 6.x and in
    # linux-binary-<kver> (linux-image-<kver> being a metapackage) from 7.x.
    local pkg img found=
    mkdir -p "$tmp/var/tmp/img"
    chmod 0777 "$tmp/var/tmp/img"
    for pkg in "linux-image-$kver-unsigned" "linux-binary-$kver-unsigned" \
               "linux-binary-$kver" "linux-image-$kver"; do
        rm -rf "$tmp"/var/tmp/img/*
        in_root "$tmp" sh -c "cd /var/tmp/img && apt-get ${APT_OPTS[*]} download $pkg" \
            >> "$cache/roots/.log-$root" 2>&1 || continue
        mkdir -p "$tmp/var/tmp/img/x"
        dpkg-deb -x "$tmp"/var/tmp/img/*.deb "$tmp/var/tmp/img/x"
        for img in "boot/vmlinuz-$kver" "usr/lib/modules/$kver/vmlinuz" "lib/modules/$kver/vmlinuz"; do
            if [ -f "$tmp/var/tmp/img/x/$img" ]; then found=$pkg; break 2; fi
        done
    done
    [ -n "$found" ] || die "$name: no package of $kver holds its vmlinuz"
    pkg=$found
    cp "$tmp/var/tmp/img/x/$img" "$tmp/boot/vmlinuz-$kver"
    local f
    for f in config System.map; do
        [ -f "$tmp/var/tmp/img/x/boot/$f-$kver" ] && cp "$tmp/var/tmp/img/x/boot/$f-$kver" "$tmp/boot/"
    done
    rm -rf "$tmp/var/tmp/img"
    in_root "$tmp" apt-get clean >/dev/null 2>&1 || true

    umount_below "$tmp"
    local gccv
    # shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
    gccv=$(in_root "$tmp" dpkg-query -W -f '${Version}' "linux-headers-$kver" 2>/dev/null || true)
    cat > "$tmp/.xpmem-root" <<EOT
name=$name
suite=$base$extra_s
kver=$kver
headers_version=$gccv
image_package=$pkg
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOT
    trap - EXIT
    # Atomic replace: move any old tree aside, rename, then delete the old one.
    if [ -e "$final" ]; then
        umount_below "$final"
        mv "$final" "$cache/roots/.old-$root.$$"
    fi
    mv "$tmp" "$final"
    safe_rm "$cache/roots/.old-$root.$$"
    root_ok "$root" || die "$name: root incomplete after build"
    log "$name: root ready: $final kernel $kver ($pkg) in $(( $(date +%s) - t0 )) s"
}

for n in "${names[@]}"; do build_one "$n"; done; exit 0
