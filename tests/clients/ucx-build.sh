#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build UCX from Debian's source package against this project's libxpmem,
# with UCX's XPMEM transport switched on, and cache the installation.
#
#   tests/clients/ucx-build.sh [-f|-p]
#
#   -f   rebuild even if the cached installation exists
#   -p   only print the prefix of the cached installation (its key); exit 1
#        if there is none (.ci/run: is the clients tier warm?)
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

client_args "$@"
client_init

# Which UCX: the suite's source version.  Without network, reuse a cached
# build for this ABI if there is exactly one.
if src_apt_init; then
    client_version ucx
else
    mapfile -t have < <(find "$CDIR" -maxdepth 2 -path "*/ucx-*-xpmemabi$ABI/.complete" 2>/dev/null)
    [ ${#have[@]} -eq 1 ] || die "cannot reach the Debian archive and no unique cached UCX for ABI $ABI"
    log "archive unreachable; reusing ${have[0]%/.complete}"
    echo "PREFIX=${have[0]%/.complete}"; exit 0
fi
prefix="$CDIR/ucx-$VER-xpmemabi$ABI"
client_cached "$prefix"

# Build dependencies (UCX's Debian Build-Depends without verbs/rdmacm/fuse,
# java and documentation, plus the autotools that autogen.sh needs).
ensure_pkgs build-essential dpkg-dev autoconf automake libtool pkg-config \
    libnuma-dev file || die "cannot install build dependencies"

work="$CDIR/build-ucx-$VER-xpmemabi$ABI"
rm -rf "$prefix"
client_fetch ucx "$work"
[ -x "$SRCDIR/autogen.sh" ] || die "no UCX source tree in $work"

export CFLAGS="-O3 -g" CXXFLAGS="-O3 -g"
# The xpmem module is linked with -L<XP>/lib -lxpmem; the guest provides
# libxpmem.so.0 of the build tree via LD_LIBRARY_PATH (the staging dir
# disappears after the build), so no rpath to <XP> is recorded.
t_autogen=0 t_configure=0 t_make=0 t_install=0   # set by client_step
client_step t_autogen autogen.sh "$SRCDIR" ./autogen.sh
mkdir -p "$work/obj"
client_step t_configure configure "$work/obj" "'$SRCDIR/contrib/configure-release'" \
    "--prefix='$prefix' --with-xpmem='$XP' --enable-cma --enable-mt" \
    --without-go --without-java --disable-doxygen-doc \
    --without-verbs --without-rdmacm --without-cuda --without-rocm \
    --without-knem --without-ugni --without-fuse3 --without-gdrcopy \
    --without-mpi --disable-gtest --disable-examples
# UCX only warns when --with-xpmem does not work: insist.
grep -q '^XPMEM_LIBS.*-lxpmem' "$work/obj/config.log" ||
    { grep -n -i xpmem "$work/obj/config.log" | tail -n 20 >&2; die "UCX configure did not enable XPMEM"; }
client_step t_make make "$work/obj" make "-j$JOBS"
dest="$work/dest"
client_step t_install "make install" "$work/obj" make install "DESTDIR='$dest'"
[ -f "$dest$prefix/lib/ucx/libuct_xpmem.so.0" ] || die "libuct_xpmem.so.0 was not built"
log "UCX $VER built: autogen ${t_autogen}s, configure ${t_configure}s, make -j$JOBS ${t_make}s, install ${t_install}s"
client_finish "$prefix" "$dest" client=ucx "debian_version=$DVER" "upstream_version=$VER" \
    "autogen_s=$t_autogen" "configure_s=$t_configure" "make_s=$t_make" "install_s=$t_install"
