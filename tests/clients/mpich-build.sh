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

force=0
while getopts fh o; do
    case $o in f) force=1 ;; *) sed -n '3,17p' "$0"; exit 2 ;; esac
done
jobs=${XPMEM_CLIENTS_JOBS:-2}
[ "$jobs" -le 2 ] 2>/dev/null || jobs=2

xpmem_ensure_lib || die "libxpmem is not built"
abi=$(xpmem_abi_key) || die "cannot determine the libxpmem ABI"
ucx=$("$CLIENTS_DIR/ucx-build.sh" | sed -n 's/^PREFIX=//p' | tail -n 1)
[ -f "$ucx/.complete" ] || die "UCX is not built"
ucxver=$(sed -n 's/^upstream_version=//p' "$ucx/build-info.txt")
cdir=$(clients_dir)

src_apt_init || die "cannot reach the Debian archive"
dver=$(src_version mpich)
[ -n "$dver" ] || die "no source package 'mpich' in $CLIENTS_SUITE"
ver=$(upstream_version "$dver")
prefix="$cdir/mpich-$ver-ucx$ucxver-xpmemabi$abi"
if [ "$force" = 0 ] && [ -f "$prefix/.complete" ]; then
    log "cached: $prefix"; echo "PREFIX=$prefix"; exit 0
fi

ensure_pkgs build-essential dpkg-dev pkg-config file python3 || die "cannot install build dependencies"

work="$cdir/build-mpich-$ver"
rm -rf "$work" "$prefix"; mkdir -p "$work"
logf="$work/build.log"
log "MPICH $dver: source and build in $work (log: $logf)"
(cd "$work" && src_apt source -qq "mpich=$dver") > "$logf" 2>&1 ||
    { tail -n 20 "$logf" >&2; die "apt-get source mpich=$dver failed"; }
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'mpich-*' -print -quit)
[ -x "$srcdir/configure" ] || die "no MPICH source tree in $work"
xp="$work/xpmem-dev"
xpmem_stage_dev "$xp" || die "cannot install libxpmem"

export CFLAGS="-O2 -g"
mkdir -p "$work/obj"
time_it t_configure bash -c "cd '$work/obj' && LD_LIBRARY_PATH='$xp/lib' nice -n 19 '$srcdir/configure' \
    --prefix='$prefix' --with-device=ch4:ucx --with-ucx='$ucx' \
    --with-ch4-shmmods=posix,xpmem --with-xpmem='$xp' \
    --with-pm=hydra --with-datatype-engine=dataloop \
    --enable-fortran=no --disable-cxx --disable-romio --disable-doc \
    --enable-shared --disable-static --enable-fast=O2" >> "$logf" 2>&1 ||
    { tail -n 40 "$logf" >&2; die "configure failed"; }
time_it t_make bash -c "cd '$work/obj' && nice -n 19 make -j$jobs" >> "$logf" 2>&1 ||
    { tail -n 40 "$logf" >&2; die "make failed"; }
dest="$work/dest"
time_it t_install bash -c "cd '$work/obj' && nice -n 19 make install DESTDIR='$dest'" >> "$logf" 2>&1 ||
    { tail -n 30 "$logf" >&2; die "make install failed"; }
# The library must call into libxpmem (the xpmem IPC module is built in).
lib=$(find "$dest$prefix/lib" -name 'libmpi.so.*' -type f -print -quit)
[ -n "$lib" ] && readelf -d "$lib" | grep -q 'NEEDED.*libxpmem.so.0' ||
    die "libmpi does not link libxpmem"
mv "$dest$prefix" "$prefix"
cp "$logf" "$prefix/build.log"
cat > "$prefix/build-info.txt" <<EOT
client=mpich
debian_version=$dver
upstream_version=$ver
ucx=$ucx
xpmem_abi=$abi
xpmem_lib_sha256=$(sha256sum "$xp/lib/libxpmem.so.0" | cut -d' ' -f1)
built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
jobs=$jobs
configure_s=$t_configure
make_s=$t_make
install_s=$t_install
EOT
touch "$prefix/.complete"
rm -rf "$work"
log "MPICH $ver built: configure ${t_configure}s, make -j$jobs ${t_make}s, install ${t_install}s"
echo "PREFIX=$prefix"
