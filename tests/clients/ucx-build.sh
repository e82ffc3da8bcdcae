#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build UCX from Debian's source package against this project's libxpmem,
# with UCX's XPMEM transport switched on, and cache the installation.
#
#   tests/clients/ucx-build.sh [-f]
#
#   -f   rebuild even if the cached installation exists
#
# Prints the installation prefix on stdout (last line, "PREFIX=<dir>"):
#   ${XPMEM_CACHE:-${XDG_CACHE_HOME:-~/.cache}/xpmem}/clients/ucx-<ver>-xpmemabi<abi>
# where <abi> is libxpmem's SONAME major and newest symbol node (0.XPMEM_1.0).
# The source comes from "apt-get source ucx" run with a private apt
# configuration (deb-src of the host's Debian archive, or $XPMEM_MIRROR);
# the host's apt setup is not touched.  Build dependencies are installed by
# name.  Builds run niced with make -j2 (XPMEM_CLIENTS_JOBS).  Times of the
# steps go to <prefix>/build-info.txt.
#
# Environment: XPMEM_CACHE, XPMEM_MIRROR, XPMEM_BUILD_DIR (default build/),
# XPMEM_CLIENTS_SUITE (default bookworm), XPMEM_CLIENTS_JOBS (default 2).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

force=0
while getopts fh o; do
    case $o in f) force=1 ;; *) sed -n '3,21p' "$0"; exit 2 ;; esac
done

jobs=${XPMEM_CLIENTS_JOBS:-2}
[ "$jobs" -le 2 ] 2>/dev/null || jobs=2

xpmem_ensure_lib || die "libxpmem is not built"
abi=$(xpmem_abi_key) || die "cannot determine the libxpmem ABI"
cdir=$(clients_dir); mkdir -p "$cdir"

# Which UCX: the suite's source version.  Without network, reuse a cached
# build for this ABI if there is exactly one.
if src_apt_init; then
    dver=$(src_version ucx)
    [ -n "$dver" ] || die "no source package 'ucx' in $CLIENTS_SUITE"
    ver=$(upstream_version "$dver")
else
    mapfile -t have < <(find "$cdir" -maxdepth 2 -path "*/ucx-*-xpmemabi$abi/.complete" 2>/dev/null)
    [ ${#have[@]} -eq 1 ] || die "cannot reach the Debian archive and no unique cached UCX for ABI $abi"
    log "archive unreachable; reusing ${have[0]%/.complete}"
    echo "PREFIX=${have[0]%/.complete}"; exit 0
fi
prefix="$cdir/ucx-$ver-xpmemabi$abi"
if [ "$force" = 0 ] && [ -f "$prefix/.complete" ]; then
    log "cached: $prefix"
    echo "PREFIX=$prefix"; exit 0
fi

# Build dependencies (UCX's Debian Build-Depends without verbs/rdmacm/fuse,
# java and documentation, plus the autotools that autogen.sh needs).
ensure_pkgs build-essential dpkg-dev autoconf automake libtool pkg-config \
    libnuma-dev file || die "cannot install build dependencies"

work="$cdir/build-ucx-$ver-xpmemabi$abi"
rm -rf "$work" "$prefix"
mkdir -p "$work"
logf="$work/build.log"
log "UCX $dver: source and build in $work (log: $logf)"

# Source.
(cd "$work" && src_apt source -qq "ucx=$dver") > "$logf" 2>&1 ||
    { tail -n 20 "$logf" >&2; die "apt-get source ucx=$dver failed"; }
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'ucx-*' -print -quit)
[ -x "$srcdir/autogen.sh" ] || die "no UCX source tree in $work"

# Our library, as clients see it after "make install": <xp>/include, <xp>/lib.
xp="$work/xpmem-dev"
xpmem_stage_dev "$xp" || die "cannot install libxpmem from $(xpmem_build_dir)"

export CFLAGS="-O3 -g" CXXFLAGS="-O3 -g"
# The xpmem module is linked with -L<xp>/lib -lxpmem; the guest provides
# libxpmem.so.0 of the build tree via LD_LIBRARY_PATH (the staging dir
# disappears after the build), so no rpath to <xp> is recorded.
time_it t_autogen bash -c "cd '$srcdir' && nice -n 15 ./autogen.sh" >> "$logf" 2>&1 ||
    { tail -n 30 "$logf" >&2; die "autogen.sh failed"; }
mkdir -p "$work/obj"
time_it t_configure bash -c "cd '$work/obj' && nice -n 15 '$srcdir/contrib/configure-release' \
    --prefix='$prefix' --with-xpmem='$xp' --enable-cma --enable-mt \
    --without-go --without-java --disable-doxygen-doc \
    --without-verbs --without-rdmacm --without-cuda --without-rocm \
    --without-knem --without-ugni --without-fuse3 --without-gdrcopy \
    --without-mpi --disable-gtest --disable-examples" >> "$logf" 2>&1 ||
    { tail -n 30 "$logf" >&2; die "configure failed"; }
# UCX only warns when --with-xpmem does not work: insist.
grep -q '^XPMEM_LIBS.*-lxpmem' "$work/obj/config.log" ||
    { grep -n -i xpmem "$work/obj/config.log" | tail -n 20 >&2; die "UCX configure did not enable XPMEM"; }
time_it t_make bash -c "cd '$work/obj' && nice -n 15 make -j$jobs" >> "$logf" 2>&1 ||
    { tail -n 40 "$logf" >&2; die "make failed"; }
dest="$work/dest"
time_it t_install bash -c "cd '$work/obj' && nice -n 15 make install DESTDIR='$dest'" >> "$logf" 2>&1 ||
    { tail -n 30 "$logf" >&2; die "make install failed"; }
[ -f "$dest$prefix/lib/ucx/libuct_xpmem.so.0" ] || die "libuct_xpmem.so.0 was not built"
mv "$dest$prefix" "$prefix"
# Keep the configure summary and the header/library we linked against.
cp "$logf" "$prefix/build.log"
cat > "$prefix/build-info.txt" <<EOT
client=ucx
debian_version=$dver
upstream_version=$ver
xpmem_abi=$abi
xpmem_build_dir=$(xpmem_build_dir)
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
log "UCX $ver built: autogen ${t_autogen}s, configure ${t_configure}s, make -j$jobs ${t_make}s, install ${t_install}s"
echo "PREFIX=$prefix"
