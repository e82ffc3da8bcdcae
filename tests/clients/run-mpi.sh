#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# An MPI library on our xpmem, in a QEMU guest of the test bed.
#
#   tests/clients/run-mpi.sh [-l <log-base>] mpich|openmpi <kernel>
#
# Builds the MPI library against libxpmem (cached: mpich-build.sh /
# openmpi-build.sh), builds mpi-xpmem-bw.c with its mpicc, stages both with
# every shared library they need, boots <kernel> with tests/vm/run.sh -g and
# runs mpi-guest.sh there: 2 ranks as user alice, once with the library's
# XPMEM single-copy path on and once (or twice) with it off.  Each run must
# deliver every message intact (64 KiB, 1 MiB, 16 MiB) and show /dev/xpmem
# mappings in the ranks exactly when xpmem is on.  Prints a table, rows in
# <log-base>/<kernel>/<client>-results.txt.  Exit 0 pass, 1 fail, 77 skip
# (debug kernel).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

lbase=
while getopts l:h o; do
    case $o in l) lbase=$OPTARG ;; *) sed -n '3,15p' "$0"; exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { sed -n '3,15p' "$0"; exit 2; }
client=$1 k=$2
case $client in mpich|openmpi) ;; *) die "unknown client '$client'" ;; esac
[ "$k" = debug ] && { echo "$client on the debug kernel: SKIP (not run there)"; exit 77; }
[ -n "$(kconf_line "$k")" ] || die "unknown kernel '$k' (tests/vm/kernels.conf)"

bdir=$(xpmem_build_dir)
xpmem_ensure_lib || die "libxpmem is not built"
[ -n "$lbase" ] || lbase="$bdir/clients/logs"
mkdir -p "$lbase"; lbase=$(cd "$lbase" && pwd)
xplib="$bdir/libxpmem"

out=$("$here/$client-build.sh") || die "$client build failed"
prefix=$(printf '%s\n' "$out" | sed -n 's/^PREFIX=//p' | tail -n 1)
[ -f "$prefix/.complete" ] || die "no $client installation"

stage="$bdir/clients/$client-guest"
rm -rf "$stage"
D="$stage/data"
mkdir -p "$D/mpi" "$D/$client/bin" "$D/$client/lib" "$D/lib"
G=/tests/data
case $client in
mpich)
    ucx=$(sed -n 's/^ucx=//p' "$prefix/build-info.txt")
    cp -L "$prefix/bin/mpiexec.hydra" "$prefix/bin/hydra_pmi_proxy" "$D/mpich/bin/"
    ln -s mpiexec.hydra "$D/mpich/bin/mpiexec"
    cp -a "$prefix"/lib/libmpi*.so* "$D/mpich/lib/"
    mkdir -p "$D/ucx/lib/ucx"
    cp -a "$ucx"/lib/lib*.so* "$D/ucx/lib/"
    cp -a "$ucx"/lib/ucx/*.so* "$D/ucx/lib/ucx/"
    sp="$D/mpich/lib:$D/ucx/lib:$xplib"
    # shellcheck disable=SC2016 # $PATH and $LD_LIBRARY_PATH are the guest's
    printf 'export PATH=%s/mpich/bin:$PATH\nexport LD_LIBRARY_PATH=%s/mpich/lib:%s/ucx/lib:%s/lib:$LD_LIBRARY_PATH\n' \
        "$G" "$G" "$G" "$G" > "$D/mpi/env"
    echo "mpiexec -launcher fork -hosts localhost -n 2" > "$D/mpi/launch"
    # UCX (the netmod) keeps off xpmem in both, so the mappings are MPICH's.
    cat > "$D/mpi/configs" <<'EOT'
xpmem   1 MPIR_CVAR_CH4_XPMEM_ENABLE=1 UCX_TLS=^xpmem
noxpmem 0 MPIR_CVAR_CH4_XPMEM_ENABLE=0 UCX_TLS=^xpmem
EOT
    ;;
openmpi)
    cp -L "$prefix/bin/orterun" "$D/openmpi/bin/" 2>/dev/null || cp -L "$prefix/bin/mpirun" "$D/openmpi/bin/orterun"
    ln -s orterun "$D/openmpi/bin/mpirun"
    [ -e "$prefix/bin/orted" ] && cp -L "$prefix/bin/orted" "$D/openmpi/bin/"
    cp -a "$prefix"/lib/lib*.so* "$D/openmpi/lib/"
    [ -d "$prefix/lib/openmpi" ] && cp -a "$prefix/lib/openmpi" "$D/openmpi/lib/"
    mkdir -p "$D/openmpi/share"
    cp -a "$prefix/share/openmpi" "$D/openmpi/share/"
    [ -d "$prefix/etc" ] && cp -a "$prefix/etc" "$D/openmpi/"
    # PMIx (external, as in Debian) loads its plugins and help files from
    # its compiled-in directory: stage it at the same path (data/sysroot is
    # copied onto / by mpi-guest.sh before anything runs).
    pmix=$(dirname "$(dirname "$(find /usr/lib -path '*/pmix2/lib/libpmix.so.2' -print -quit)")")
    [ -d "$pmix" ] || die "libpmix not found"
    mkdir -p "$D/sysroot$pmix/lib"
    cp -a "$pmix"/lib/libpmix.so* "$pmix/lib/pmix" "$D/sysroot$pmix/lib/"
    rm -f "$D/sysroot$pmix"/lib/*.a
    cp -a "$pmix/share" "$D/sysroot$pmix/"
    sp="$D/openmpi/lib:$xplib:$pmix/lib"
    # shellcheck disable=SC2016 # $PATH and $LD_LIBRARY_PATH are the guest's
    printf 'export OPAL_PREFIX=%s/openmpi\nexport PATH=%s/openmpi/bin:$PATH\nexport LD_LIBRARY_PATH=%s/openmpi/lib:%s/lib:$LD_LIBRARY_PATH\n' \
        "$G" "$G" "$G" "$G" > "$D/mpi/env"
    # plm isolated: local launch only (rsh would insist on an ssh binary)
    echo "mpirun --mca plm isolated -n 2 --bind-to none" > "$D/mpi/launch"
    cat > "$D/mpi/configs" <<'EOT'
xpmem 1 OMPI_MCA_pml=ob1 OMPI_MCA_btl=vader,self OMPI_MCA_btl_vader_single_copy_mechanism=xpmem
cma   0 OMPI_MCA_pml=ob1 OMPI_MCA_btl=vader,self OMPI_MCA_btl_vader_single_copy_mechanism=cma
none  0 OMPI_MCA_pml=ob1 OMPI_MCA_btl=vader,self OMPI_MCA_btl_vader_single_copy_mechanism=none
EOT
    ;;
esac
echo "$client" > "$D/mpi/client"
LD_LIBRARY_PATH="$xplib" "$prefix/bin/mpicc" -O2 -Wall -o "$D/mpi/mpi-xpmem-bw" "$here/mpi-xpmem-bw.c" \
    -Wl,-rpath-link,"$xplib" ||
    die "cannot build mpi-xpmem-bw with $prefix/bin/mpicc"
strip_elfs "$D"
stage_deps "$D" "$D/lib" "$sp" || die "staging failed"
cp -L "$xplib/libxpmem.so.0" "$D/lib/libxpmem.so.0"
gcc -O2 -Wall -Wextra -I"$SRC_DIR/libxpmem/include" -I"$SRC_DIR/include/uapi" \
    "$here/clients-preflight.c" -o "$stage/clients-preflight" \
    -L"$xplib" -lxpmem -Wl,-rpath,"$xplib" || die "cannot build clients-preflight"
install -m 0755 "$here/mpi-guest.sh" "$stage/mpi-guest"
printf '# tests/clients/run-mpi.sh %s\nclients-preflight 60\nmpi-guest 3000\n' "$client" > "$stage/runlist"
log "staged $(du -sh "$stage" | cut -f1) in $stage"

XPMEM_VM_QUIET=${XPMEM_VM_QUIET:-1} "$SRC_DIR/tests/vm/run.sh" -k "$k" -g "$stage" -l "$lbase/$client"
bed_rc=$?
clog="$lbase/$client/$k/console.log"
[ -f "$clog" ] || die "no console log $clog"
txt=$(mktemp); tr -d '\r' < "$clog" > "$txt"
kver=$(sed -n 's/.*@@XPMEM-INIT kernel \([^ ]*\).*/\1/p' "$txt" | head -n 1)
ver=$(sed -n 's/^upstream_version=//p' "$prefix/build-info.txt")
rows="$lbase/$k-$client-results.txt"
{
    echo "# kernel $k ($kver), $client $ver, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "| client | configuration | size | bandwidth (MiB/s) | /dev/xpmem mappings | result |"
    echo "|---|---|---|---|---|---|"
} > "$rows"
echo
echo "== $client $ver results: kernel $k (${kver:-?}) =="
fails=0 n=0
while IFS= read -r line; do
    read -ra words <<<"$line"; set -- "${words[@]}"
    name=$1 st=$2; shift 2; det="$*"
    n=$((n + 1))
    [ "$st" = PASS ] || fails=$((fails + 1))
    IFS=/ read -r _ cfg size <<<"$name"
    bw=$(sed -n 's/.*bw_MiBps=\([^ ]*\).*/\1/p' <<<"$det")
    maps=$(sed -n 's/.*maps=\([^ ]*\).*/\1/p' <<<"$det")
    printf '  %-8s %-8s %10s  %-5s %10s MiB/s  xpmem mappings %s\n' "$client" "$cfg" "$size" "$st" "$bw" "$maps"
    [ "$st" = PASS ] || printf '      %s\n' "$det"
    [ "$size" -eq "$size" ] 2>/dev/null && size="$((size / 1024)) KiB"
    echo "| $client $ver | $cfg | $size | $bw | $maps | $st |" >> "$rows"
done < <(sed -n 's/^@@MPI-RESULT //p' "$txt")
[ "$n" -gt 0 ] || { echo "  no MPI results in the console log"; fails=$((fails + 1)); }
grep -q '@@MPI-DONE' "$txt" || { echo "  the guest script did not finish"; fails=$((fails + 1)); }
rm -f "$txt"
[ "$bed_rc" = 0 ] || { echo "  test bed reported a failure (exit $bed_rc; see $clog)"; fails=$((fails + 1)); }
echo "  rows: $rows"
echo "  console log: $clog"
if [ "$fails" = 0 ]; then echo "$client on $k: PASS"; exit 0; fi
echo "$client on $k: FAIL ($fails problems)"; exit 1
