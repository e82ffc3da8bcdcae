#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build Open MPI from Debian's source package with its XPMEM single-copy
# mechanism (btl/vader) against this project's libxpmem, and cache it.
#
#   tests/clients/openmpi-build.sh [-f]
#
#   -f   rebuild even if the cached installation exists
#
# Prints "PREFIX=<dir>" last: $XPMEM_CACHE/clients/openmpi-<ver>-xpmemabi<abi>
# Configure as Debian does for PMIx/libevent/hwloc (external; Debian's source
# has no bundled PMIx), plus --with-xpmem (configure aborts without it),
# --with-cma, --disable-dlopen (components inside the libraries), no
# Fortran, OpenSHMEM, UCX, verbs or OFI.  Niced (19), make -j2 at most.
# Environment as ucx-build.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

force=0
while getopts fh o; do
    case $o in f) force=1 ;; *) sed -n '3,16p' "$0"; exit 2 ;; esac
done
jobs=${XPMEM_CLIENTS_JOBS:-2}
[ "$jobs" -le 2 ] 2>/dev/null || jobs=2

xpmem_ensure_lib || die "libxpmem is not built"
abi=$(xpmem_abi_key) || die "cannot determine the libxpmem ABI"
cdir=$(clients_dir)
src_apt_init || die "cannot reach the Debian archive"
dver=$(src_version openmpi)
[ -n "$dver" ] || die "no source package 'openmpi' in $CLIENTS_SUITE"
ver=$(upstream_version "$dver")
prefix="$cdir/openmpi-$ver-xpmemabi$abi"
if [ "$force" = 0 ] && [ -f "$prefix/.complete" ]; then
    log "cached: $prefix"; echo "PREFIX=$prefix"; exit 0
fi

ensure_pkgs build-essential dpkg-dev autoconf automake libtool pkg-config flex \
    perl file libpmix-dev libevent-dev libhwloc-dev zlib1g-dev ||
    die "cannot install build dependencies"
pmix=$(dirname "$(dirname "$(find /usr/lib -path '*/pmix2/include/pmix.h' -print -quit)")")
[ -d "$pmix" ] || die "PMIx headers (libpmix-dev) not found"

work="$cdir/build-openmpi-$ver"
rm -rf "$work" "$prefix"; mkdir -p "$work"
logf="$work/build.log"
log "Open MPI $dver: source and build in $work (log: $logf)"
(cd "$work" && src_apt source -qq "openmpi=$dver") > "$logf" 2>&1 ||
    { tail -n 20 "$logf" >&2; die "apt-get source openmpi=$dver failed"; }
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'openmpi-*' -print -quit)
[ -x "$srcdir/autogen.pl" ] || die "no Open MPI source tree in $work"
xp="$work/xpmem-dev"
xpmem_stage_dev "$xp" || die "cannot install libxpmem"

export CFLAGS="-O2 -g"
# Open MPI's own tools link against libopen-pal, which needs libxpmem.so.0.
export LDFLAGS="-Wl,-rpath-link,$xp/lib"
# Debian's patches touch the autotools inputs; regenerate as debian/rules does.
time_it t_autogen bash -c "cd '$srcdir' && nice -n 19 ./autogen.pl --force" >> "$logf" 2>&1 ||
    { tail -n 40 "$logf" >&2; die "autogen.pl failed"; }
mkdir -p "$work/obj"
time_it t_configure bash -c "cd '$work/obj' && nice -n 19 '$srcdir/configure' \
    --prefix='$prefix' --with-xpmem='$xp' --with-cma \
    --with-pmix='$pmix' --with-libevent=external --with-hwloc=external \
    --disable-dlopen --disable-mpi-fortran --disable-oshmem --disable-mpi-cxx \
    --without-ucx --without-verbs --without-ofi --without-psm --without-psm2 \
    --without-tm --without-slurm --disable-man-pages --enable-shared --disable-static" >> "$logf" 2>&1 ||
    { tail -n 40 "$logf" >&2; die "configure failed"; }
grep -q 'OPAL_BTL_VADER_HAVE_XPMEM 1\|define OPAL_HAVE_XPMEM 1\|BTL_VADER_HAVE_XPMEM 1' "$work/obj/opal/include/opal_config.h" ||
    grep -rq 'HAVE_XPMEM 1' "$work/obj/opal/include/" ||
    die "Open MPI configure did not enable XPMEM"
time_it t_make bash -c "cd '$work/obj' && nice -n 19 make -j$jobs" >> "$logf" 2>&1 ||
    { tail -n 40 "$logf" >&2; die "make failed"; }
dest="$work/dest"
time_it t_install bash -c "cd '$work/obj' && nice -n 19 make install DESTDIR='$dest'" >> "$logf" 2>&1 ||
    { tail -n 30 "$logf" >&2; die "make install failed"; }
lib=$(find "$dest$prefix/lib" -name 'libopen-pal.so.*' -type f -print -quit)
[ -n "$lib" ] && readelf -d "$lib" | grep -q 'NEEDED.*libxpmem.so.0' ||
    die "libopen-pal does not link libxpmem"
mv "$dest$prefix" "$prefix"
cp "$logf" "$prefix/build.log"
cat > "$prefix/build-info.txt" <<EOT
client=openmpi
debian_version=$dver
upstream_version=$ver
xpmem_abi=$abi
xpmem_lib_sha256=$(sha256sum "$xp/lib/libxpmem.so.0" | cut -d' ' -f1)
built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
jobs=$jobs
autogen_s=$t_autogen
configure_s=$t_configure
make_s=$t_make
install_s=$t_install
EOT
touch "$prefix/.complete"
rm -rf "$work"
log "Open MPI $ver built: autogen ${t_autogen}s, configure ${t_configure}s, make -j$jobs ${t_make}s, install ${t_install}s"
echo "PREFIX=$prefix"
