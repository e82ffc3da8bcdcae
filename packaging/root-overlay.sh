# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Sourced by the packaging scripts that work in a build root of the test bed
# (${XPMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xpmem}/roots/<suite>).
# The root is never modified: it is the read-only lower layer of an overlay
# mount whose upper layer is a scratch directory removed at the end.
#
#   overlay_root <root-or-suite>    sets ROOT, MNT, WORK; mounts; trap cleanup
#   in_root <command...>            runs in the overlay with a clean environment
#   APT=(...)                       apt-get options for non-interactive use
#   KEEP_OVERLAY=1                  leave it mounted at the end (prints where)
#   OVERLAY_UPPER=<dir>             keep the upper layer in <dir>/upper (and
#                                   the overlay work dir in <dir>/work): what
#                                   is installed survives for the next mount,
#                                   the root itself still stays untouched
#                                   (the test bed's DKMS installs)
# It sources tests/lib/xpmem-sh.sh (say, fail, skip, usage, xpmem_cache).

# shellcheck source=../tests/lib/xpmem-sh.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/lib/xpmem-sh.sh"

resolve_root() {
    if [ -d "$1" ]; then printf '%s\n' "$(cd "$1" && pwd)"; else printf '%s\n' "$(xpmem_cache)/roots/$1"; fi
}

overlay_cleanup() {
    local rc=$?
    if [ "${KEEP_OVERLAY:-0}" = 1 ]; then
        echo "kept: chroot $MNT (umount -R $MNT; rm -rf $WORK)" >&2
        exit $rc
    fi
    local m
    for m in dev/pts dev proc sys; do
        if mountpoint -q "$MNT/$m"; then umount -l "$MNT/$m" || true; fi
    done
    if mountpoint -q "$MNT"; then umount -l "$MNT" || true; fi
    rm -rf --one-file-system "$WORK"
    exit $rc
}

overlay_root() {
    ROOT=$(resolve_root "$1")
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/xpmem-root.XXXXXX")
    MNT=$WORK/merged
    local layers=$WORK
    if [ -n "${OVERLAY_UPPER:-}" ]; then
        layers=$OVERLAY_UPPER
        # A work dir left by an interrupted mount is reset.
        rm -rf --one-file-system "$layers/work"
    fi
    mkdir -p "$layers/upper" "$layers/work" "$MNT"
    trap overlay_cleanup EXIT
    trap 'exit 1' INT TERM
    mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$layers/upper,workdir=$layers/work" "$MNT"
    mount -t proc proc "$MNT/proc"
    mount -t sysfs sysfs "$MNT/sys"
    mount --bind /dev "$MNT/dev"
    mount -t devpts devpts "$MNT/dev/pts" -o newinstance,ptmxmode=0666 2>/dev/null || true
    cp -L /etc/resolv.conf "$MNT/etc/resolv.conf" 2>/dev/null || true
    printf '#!/bin/sh\nexit 101\n' > "$MNT/usr/sbin/policy-rc.d"
    chmod 0755 "$MNT/usr/sbin/policy-rc.d"
}

in_root() {
    chroot "$MNT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"
}

# shellcheck disable=SC2034 # used by the scripts that source this file
APT=(apt-get -y -o Dpkg::Use-Pty=false -o APT::Install-Recommends=false
     -o Acquire::Check-Valid-Until=false -o Acquire::Retries=3)
