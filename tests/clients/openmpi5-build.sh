#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build Open MPI 5 from Debian trixie's source package, with its XPMEM
# single-copy component (smsc/xpmem) against this project's libxpmem, in
# the test bed's trixie build root (PMIx 5 and the rest from trixie), and
# cache it as a runtime tree for the guest.
#
#   tests/clients/openmpi5-build.sh [-f|-p]
#
#   -f   rebuild even if the cached tree exists
#   -p   print the cached tree's PREFIX=, exit 1 if there is none
#
# Prints "PREFIX=<dir>" last:
# $XPMEM_CACHE/clients/openmpi-<ver>-trixie-ucx<ucxver>-xpmemabi<abi>
# holding root/ (Open MPI in /opt/openmpi and every file it needs at run
# time from the trixie root: loader, libraries, PMIx plugins, setpriv,
# env, timeout and false; the guest chroots into it) and build-info.txt.
# Configured as Debian does for PMIx, libevent and hwloc (external; PRRTE
# is the one bundled in the source), plus --with-xpmem, --with-cma,
# --disable-dlopen and --with-ucx (our UCX build, tests/clients/ucx-build.sh,
# for pml ucx); no Fortran, OpenSHMEM, verbs or OFI.  Niced (19),
# make -j2 at most.  Environment as ucx-build.sh; XPMEM_OPENMPI5_SUITE
# (default trixie) is the suite of the source and of the build root.
set -euo pipefail
export XPMEM_CLIENTS_SUITE=${XPMEM_OPENMPI5_SUITE:-trixie}
source "$(dirname "$0")/lib.sh"
# shellcheck source=../../packaging/root-overlay.sh
source "$SRC_DIR/packaging/root-overlay.sh"

client_args "$@"
client_init
# pml ucx runs over our UCX build (bookworm's UCX, built on the host: its
# libraries run on trixie's newer glibc).
client_ucx "Open MPI 5" bookworm
ucx=$UCX ucxver=$UCXVER

src_apt_init || die "cannot reach the Debian archive"
client_version openmpi
prefix="$CDIR/openmpi-$VER-$CLIENTS_SUITE-ucx$ucxver-xpmemabi$ABI"
client_cached "$prefix"

# The build root: the test bed's root of the kernel built in this suite.
kname=$(kconf | awk -v s="$CLIENTS_SUITE" '$2 == s { print $1; exit }')
[ -n "$kname" ] || die "no kernel of kernels.conf has a $CLIENTS_SUITE root"
root_ok "$CLIENTS_SUITE" || "$SRC_DIR/tests/vm/mkroot.sh" "$kname" >&2 ||
    die "cannot make the $CLIENTS_SUITE build root"
ensure_pkgs dpkg-dev || die "cannot install dpkg-dev (apt-get source)"

work="$CDIR/build-openmpi-$VER-$CLIENTS_SUITE"
rm -rf "$prefix"
client_fetch openmpi "$work"
# Debian's patches touch configure.ac and Makefile.am (packaging: libdir,
# pkg-config, version scripts) and debian/rules then reruns autogen.pl;
# for the upstream code paths we test, the release's own generated build
# system without them (an autogen costs some 15 min of both cores).
rm -rf "$SRCDIR"
dpkg-source -x --skip-patches "$work"/openmpi_*.dsc "$SRCDIR" >> "$LOGF" 2>&1 ||
    die "cannot unpack the Open MPI source without Debian's patches"
[ -x "$SRCDIR/configure" ] || die "no Open MPI source tree in $work"

overlay_root "$CLIENTS_SUITE"
# The work directory and UCX at their host paths: the staged libxpmem's
# xpmem.pc and UCX's ucx.pc name them.
mkdir -p "$MNT$work" "$MNT$ucx"
mount --bind "$work" "$MNT$work"
mount --bind "$ucx" "$MNT$ucx"
umount_build() {
    umount -l "$MNT$work" 2>/dev/null || true
    umount -l "$MNT$ucx" 2>/dev/null || true
    overlay_cleanup
}
trap umount_build EXIT
LOGF="$work/build.log"
t_deps=0 t_configure=0 t_make=0 t_install=0   # set by time_it / client_step
# shellcheck disable=SC2016 # expanded in the root
time_it t_deps in_root sh -c "${APT[*]} update -qq && ${APT[*]} install -qq \
    build-essential pkg-config flex perl file zlib1g-dev \
    libpmix-dev libevent-dev libhwloc-dev util-linux" >> "$LOGF" 2>&1 ||
    { tail -n 30 "$LOGF" >&2; die "cannot install the build dependencies in the $CLIENTS_SUITE root"; }
pmix=$(find "$MNT/usr/lib" -path '*/pmix2/include/pmix.h' -print -quit)
[ -n "$pmix" ] || die "PMIx headers (libpmix-dev) not found in the root"
pmix=$(dirname "$(dirname "${pmix#"$MNT"}")")

# in_step <var> <what> <command line>: a niced build step in the root.
in_step() {
    local __v=$1 what=$2
    time_it "$__v" in_root sh -c "cd '$work/obj' && nice -n 19 $3" >> "$LOGF" 2>&1 ||
        { tail -n 40 "$LOGF" >&2; die "$what failed"; }
}
mkdir -p "$work/obj"
in_step t_configure configure "env CFLAGS='-O2 -g' LDFLAGS='-Wl,-rpath-link,$XP/lib' \
    '$SRCDIR/configure' --prefix=/opt/openmpi --with-xpmem='$XP' --with-cma \
    --with-pmix=external --with-libevent=external --with-hwloc=external --with-prrte=internal \
    --disable-dlopen --disable-mpi-fortran --disable-oshmem \
    --with-ucx=$ucx --without-ucc --without-verbs --without-ofi --without-psm2 \
    --without-tm --without-slurm --without-lsf --without-alps \
    --enable-shared --disable-static"
grep -rqs 'define OPAL_SMSC_XPMEM_HAVE_XPMEM 1\|define OPAL_HAVE_XPMEM 1\|SMSC_XPMEM.* 1' "$work/obj/opal/include/" ||
    grep -q 'smsc: .*xpmem\|smsc:xpmem.*yes\|xpmem.*: yes' "$LOGF" ||
    die "Open MPI configure did not enable smsc/xpmem"
in_step t_make make "make -j$JOBS"
in_step t_install "make install" "make install DESTDIR='$work/dest'"
lib=$(find "$work/dest/opt/openmpi/lib" -name 'libopen-pal.so.*' -type f -print -quit)
if [ -z "$lib" ] || ! readelf -d "$lib" | grep -q 'NEEDED.*libxpmem.so.0'; then
    die "libopen-pal does not link libxpmem"
fi

# The runtime tree: Open MPI, plus what its programs and the guest's
# launch line (setpriv, env, timeout, sh) load, at the root's own paths.
rt="$work/dest"
for d in bin sbin lib lib64; do
    if [ -L "$MNT/$d" ]; then
        ln -sfn "$(readlink "$MNT/$d")" "$rt/$d"
        mkdir -p "$rt/$(readlink "$MNT/$d")"
    fi
done
mkdir -p "$rt/usr/bin" "$rt/etc" "$rt/tmp" "$rt/proc" "$rt/sys" "$rt/dev"
chmod 1777 "$rt/tmp"
for f in /usr/bin/setpriv /usr/bin/env /usr/bin/timeout /usr/bin/id /usr/bin/false /usr/bin/dash /usr/bin/sh; do
    cp -a "$MNT$f" "$rt$f"
done
# UCX loads its transports from its compiled-in directory: its libraries
# at their own path.
mkdir -p "$rt$ucx"
cp -a "$ucx/lib" "$rt$ucx/"
find "$rt$ucx" \( -name '*.a' -o -name '*.la' -o -name pkgconfig -o -name cmake \) -prune -exec rm -rf {} +
(cd "$rt" && find opt usr "${ucx#/}" -type f) |
while read -r f; do
    file -b "$rt/$f" | grep -q 'ELF.*dynamic' || continue
    in_root env LD_LIBRARY_PATH="$rt/opt/openmpi/lib:$XP/lib:$ucx/lib" ldd "$rt/$f" |
        awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }'
done | sort -u | while read -r l; do
    case $l in "$work"/*|"$ucx"/*) continue ;; esac
    mkdir -p "$rt$(dirname "$l")"
    cp -L "$MNT$l" "$rt$l"
done
# PMIx loads its plugins and help files from its compiled-in directory.
mkdir -p "$rt$pmix/lib"
cp -a "$MNT$pmix/lib/pmix" "$rt$pmix/lib/"
cp -a "$MNT$pmix/share" "$rt$pmix/" 2>/dev/null || true
find "$rt$pmix" -name '*.a' -delete
for f in "$rt$pmix"/lib/pmix/*.so; do
    in_root env LD_LIBRARY_PATH="$rt/opt/openmpi/lib" ldd "${f#"$MNT"}" 2>/dev/null |
        awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
done | sort -u | while read -r l; do
    [ -e "$rt$l" ] || { mkdir -p "$rt$(dirname "$l")"; cp -L "$MNT$l" "$rt$l"; }
done
[ -e "$rt$pmix/lib/libpmix.so.2" ] || cp -a "$MNT$pmix"/lib/libpmix.so* "$rt$pmix/lib/"
strip_elfs "$rt"
rm -rf "$rt/opt/openmpi/share/doc" "$rt/opt/openmpi/share/man"
log "Open MPI $VER ($CLIENTS_SUITE) built: deps ${t_deps}s, configure ${t_configure}s, make -j$JOBS ${t_make}s, install ${t_install}s; runtime tree $(du -sh "$rt" | cut -f1)"
mkdir -p "$work/stage$prefix"
mv "$rt" "$work/stage$prefix/root"
umount -l "$MNT$work"    # client_finish removes $work
client_finish "$prefix" "$work/stage" client=openmpi5 "suite=$CLIENTS_SUITE" "ucx=$ucx" \
    "debian_version=$DVER" "upstream_version=$VER" "pmix=$pmix" \
    "deps_s=$t_deps" "configure_s=$t_configure" "make_s=$t_make" "install_s=$t_install"
