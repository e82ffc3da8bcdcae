#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build MPICH from Debian's source package with its XPMEM shared-memory IPC
# module (ch4:shm:ipc:xpmem) against this project's libxpmem, over the UCX
# netmod of the UCX built by ucx-build.sh, and cache the installation.
#
#   tests/clients/mpich-build.sh [-f]
#
#   -f   rebuild even if the cached installation exists
#
# Prints "PREFIX=<dir>" last:
#   $XPMEM_CACHE/clients/mpich-<ver>-ucx<ucxver>-xpmemabi<abi>
# Configure: --with-device=ch4:ucx --with-ch4-shmmods=posix,xpmem (XPMEM
# mandatory: configure fails without it) --with-datatype-engine=dataloop,
# no Fortran, C++ bindings or ROMIO.  Niced (19), make -j2 at most.
# Environment as ucx-build.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

client_args "$@"
client_init
client_ucx MPICH
ucx=$UCX ucxver=$UCXVER

src_apt_init || die "cannot reach the Debian archive"
client_version mpich
prefix="$CDIR/mpich-$VER-ucx$ucxver-xpmemabi$ABI"
client_cached "$prefix"

ensure_pkgs build-essential dpkg-dev pkg-config file python3 || die "cannot install build dependencies"

work="$CDIR/build-mpich-$VER"
rm -rf "$prefix"
client_fetch mpich "$work"
[ -x "$SRCDIR/configure" ] || die "no MPICH source tree in $work"

export CFLAGS="-O2 -g"
mkdir -p "$work/obj"
t_configure=0 t_make=0 t_install=0   # set by client_step
client_step t_configure configure "$work/obj" env "LD_LIBRARY_PATH='$XP/lib'" "'$SRCDIR/configure'" \
    "--prefix='$prefix' --with-device=ch4:ucx --with-ucx='$ucx'" \
    "--with-ch4-shmmods=posix,xpmem --with-xpmem='$XP'" \
    --with-pm=hydra --with-datatype-engine=dataloop \
    --enable-fortran=no --disable-cxx --disable-romio --disable-doc \
    --enable-shared --disable-static --enable-fast=O2
client_step t_make make "$work/obj" make "-j$JOBS"
dest="$work/dest"
client_step t_install "make install" "$work/obj" make install "DESTDIR='$dest'"
# The library must call into libxpmem (the xpmem IPC module is built in).
lib=$(find "$dest$prefix/lib" -name 'libmpi.so.*' -type f -print -quit)
if [ -z "$lib" ] || ! readelf -d "$lib" | grep -q 'NEEDED.*libxpmem.so.0'; then
    die "libmpi does not link libxpmem"
fi
log "MPICH $VER built: configure ${t_configure}s, make -j$JOBS ${t_make}s, install ${t_install}s"
client_finish "$prefix" "$dest" client=mpich "debian_version=$DVER" "upstream_version=$VER" \
    "ucx=$ucx" "configure_s=$t_configure" "make_s=$t_make" "install_s=$t_install"
