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

client_args "$@"
client_init

src_apt_init || die "cannot reach the Debian archive"
client_version openmpi
prefix="$CDIR/openmpi-$VER-xpmemabi$ABI"
client_cached "$prefix"

ensure_pkgs build-essential dpkg-dev autoconf automake libtool pkg-config flex \
    perl file libpmix-dev libevent-dev libhwloc-dev zlib1g-dev ||
    die "cannot install build dependencies"
pmix=$(dirname "$(dirname "$(find /usr/lib -path '*/pmix2/include/pmix.h' -print -quit)")")
[ -d "$pmix" ] || die "PMIx headers (libpmix-dev) not found"

work="$CDIR/build-openmpi-$VER"
rm -rf "$prefix"
client_fetch openmpi "$work"
[ -x "$SRCDIR/autogen.pl" ] || die "no Open MPI source tree in $work"

export CFLAGS="-O2 -g"
# Open MPI's own tools link against libopen-pal, which needs libxpmem.so.0.
export LDFLAGS="-Wl,-rpath-link,$XP/lib"
# Debian's patches touch the autotools inputs; regenerate as debian/rules does.
t_autogen=0 t_configure=0 t_make=0 t_install=0   # set by client_step
client_step t_autogen autogen.pl "$SRCDIR" ./autogen.pl --force
mkdir -p "$work/obj"
client_step t_configure configure "$work/obj" "'$SRCDIR/configure'" \
    "--prefix='$prefix' --with-xpmem='$XP' --with-cma" \
    "--with-pmix='$pmix'" --with-libevent=external --with-hwloc=external \
    --disable-dlopen --disable-mpi-fortran --disable-oshmem --disable-mpi-cxx \
    --without-ucx --without-verbs --without-ofi --without-psm --without-psm2 \
    --without-tm --without-slurm --disable-man-pages --enable-shared --disable-static
grep -q 'OPAL_BTL_VADER_HAVE_XPMEM 1\|define OPAL_HAVE_XPMEM 1\|BTL_VADER_HAVE_XPMEM 1' "$work/obj/opal/include/opal_config.h" ||
    grep -rq 'HAVE_XPMEM 1' "$work/obj/opal/include/" ||
    die "Open MPI configure did not enable XPMEM"
client_step t_make make "$work/obj" make "-j$JOBS"
dest="$work/dest"
client_step t_install "make install" "$work/obj" make install "DESTDIR='$dest'"
lib=$(find "$dest$prefix/lib" -name 'libopen-pal.so.*' -type f -print -quit)
if [ -z "$lib" ] || ! readelf -d "$lib" | grep -q 'NEEDED.*libxpmem.so.0'; then
    die "libopen-pal does not link libxpmem"
fi
log "Open MPI $VER built: autogen ${t_autogen}s, configure ${t_configure}s, make -j$JOBS ${t_make}s, install ${t_install}s"
client_finish "$prefix" "$dest" client=openmpi "debian_version=$DVER" "upstream_version=$VER" \
    "autogen_s=$t_autogen" "configure_s=$t_configure" "make_s=$t_make" "install_s=$t_install"
