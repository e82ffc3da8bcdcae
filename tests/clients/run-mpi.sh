#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# An MPI library on our xpmem, in a QEMU guest of the test bed.
#
#   tests/clients/run-mpi.sh [-l <log-base>] mpich|openmpi|openmpi5 <kernel>
#
# Builds the MPI library against libxpmem (cached: <client>-build.sh),
# builds mpi-xpmem-check.c with its mpicc, stages both with every shared
# library they need (openmpi5, built in the trixie root: its runtime tree,
# which the guest chroots into), boots <kernel> with tests/vm/run.sh -g and
# runs mpi-guest.sh there: as user alice, on 2 and 4 ranks (MPI_RANKS),
# once with the library's XPMEM single-copy path on and once or twice with
# it off (MPICH: noxpmem; Open MPI: cma, none).  Each run
# must verify a ping-pong of 8 B .. 16 MiB, broadcasts from distinct
# buffers and an allreduce, and show /dev/xpmem mappings in the ranks
# exactly when xpmem is on: a client that falls back from xpmem fails.
# Then the finalize job (MPI_FINALIZE_BUFFERS, default 10^4 distinct
# buffers sent once each on 2 ranks, then MPI_Finalize timed; no process
# may be left, in D state or otherwise) with xpmem and with the baseline.
# Prints the ping-pong latency and bandwidth of every mechanism and the
# finalize time, with the ratio to the run without single copy (MPICH
# noxpmem, Open MPI none) of the same boot; rows in
# <log-base>/<kernel>-<client>-results.txt.
# XPMEM_CLIENT_LIB=<file> stages that file as the guest's libxpmem.so.0
# instead of the build tree's; XPMEM_CLIENT_LIB=stub stages xpmem-stub.c
# (every call fails) and inverts the test: only the xpmem runs, on the
# first rank count, and it passes only if every one fails its "xpmem used"
# check, the proof that a client falling back from xpmem is caught.
# Exit 0 pass, 1 fail, 77 skip (debug kernel).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

lbase=
while getopts l:h o; do
    case $o in l) lbase=$OPTARG ;; *) client_usage; exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { client_usage; exit 2; }
client=$1 k=$2
case $client in mpich|openmpi|openmpi5) ;; *) die "unknown client '$client'" ;; esac
base=none; [ "$client" = mpich ] && base=noxpmem   # the no-single-copy run
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

# build_check_in_root <runtime tree> <suite> <UCX prefix>: mpi-xpmem-check built with
# the tree's mpicc in an overlay of the suite's build root (its compiler),
# into <tree>/opt/check.
build_check_in_root() (
    local rt=$1
    # shellcheck source=../../packaging/root-overlay.sh
    source "$SRC_DIR/packaging/root-overlay.sh"
    overlay_root "$2" >/dev/null
    # the tree at /rt: the libraries mpicc and the link need (PMIx,
    # libevent, hwloc) are not in the build root, only in the tree
    mkdir -p "$MNT/rt"
    mount --bind "$rt/opt" "$MNT/opt" && mount --bind "$rt" "$MNT/rt" || exit 1
    trap 'rc=$?; umount -l "$MNT/opt" "$MNT/rt"; (exit $rc); overlay_cleanup' EXIT
    cp "$here/mpi-xpmem-check.c" "$MNT/opt/check/"
    local lp pmix
    pmix=$(dirname "$(find "$rt/usr/lib" -name 'libpmix.so.2' -print -quit)")
    lp="/opt/openmpi/lib:/opt/xpmem/lib:/rt${pmix#"$rt"}:/rt/usr/lib/x86_64-linux-gnu:/rt$3/lib"
    in_root env LD_LIBRARY_PATH="$lp" /opt/openmpi/bin/mpicc -O2 -Wall -std=gnu99 \
        -o /opt/check/mpi-xpmem-check /opt/check/mpi-xpmem-check.c \
        -Wl,-rpath-link,"$lp" || exit 1
    rm -f "$MNT/opt/check/mpi-xpmem-check.c"
    strip --strip-debug "$rt/opt/check/mpi-xpmem-check"
)

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
    echo "mpiexec -launcher fork -hosts localhost -n" > "$D/mpi/launch"
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
    # plm isolated: local launch only (rsh would insist on an ssh binary);
    # more ranks than the guest's 2 CPUs need --oversubscribe (and make
    # Open MPI yield when idle).
    echo "mpirun --mca plm isolated --bind-to none --oversubscribe -n" > "$D/mpi/launch"
    cat > "$D/mpi/configs" <<'EOT'
xpmem 1 OMPI_MCA_pml=ob1 OMPI_MCA_btl=vader,self OMPI_MCA_btl_vader_single_copy_mechanism=xpmem
cma   0 OMPI_MCA_pml=ob1 OMPI_MCA_btl=vader,self OMPI_MCA_btl_vader_single_copy_mechanism=cma
none  0 OMPI_MCA_pml=ob1 OMPI_MCA_btl=vader,self OMPI_MCA_btl_vader_single_copy_mechanism=none
EOT
    ;;
openmpi5)
    # The runtime tree of the trixie build: the guest chroots into it
    # (data/mpi/chroot), alice runs there; our library in /opt/xpmem/lib.
    R="$D/root"
    cp -a "$prefix/root" "$R"
    mkdir -p "$R/opt/xpmem/lib" "$R/opt/check"
    cp -L "$xplib/libxpmem.so.0" "$R/opt/xpmem/lib/"
    echo "$G/root" > "$D/mpi/chroot"
    # shellcheck disable=SC2016 # $PATH is the guest's
    # PRRTE's only local launcher (plm ssh) needs its agent to exist, even
    # for ranks it starts itself: "false" stands in for ssh.
    printf 'export PATH=/opt/openmpi/bin:$PATH\nexport LD_LIBRARY_PATH=/opt/openmpi/lib:/opt/xpmem/lib\nexport PRTE_MCA_plm_ssh_agent=false\n' > "$D/mpi/env"
    echo "mpirun --bind-to none --map-by :OVERSUBSCRIBE -n" > "$D/mpi/launch"
    cat > "$D/mpi/configs" <<'EOT'
xpmem 1 OMPI_MCA_pml=ob1 OMPI_MCA_btl=sm,self OMPI_MCA_smsc=xpmem
cma   0 OMPI_MCA_pml=ob1 OMPI_MCA_btl=sm,self OMPI_MCA_smsc=cma
none  0 OMPI_MCA_pml=ob1 OMPI_MCA_btl=sm,self OMPI_MCA_smsc=^xpmem,cma,knem
ucx   1 OMPI_MCA_pml=ucx OMPI_MCA_pml_ucx_tls=any OMPI_MCA_pml_ucx_devices=any OMPI_MCA_smsc=^xpmem UCX_TLS=self,xpmem
EOT
    ;;
esac
echo "$client" > "$D/mpi/client"
echo "${MPI_RANKS:-2 4}" > "$D/mpi/ranks"
# The finalize job: MPI_FINALIZE_BUFFERS distinct buffers (0: none), with
# xpmem and with the baseline.
[ "${MPI_FINALIZE_BUFFERS:-10000}" -gt 0 ] &&
    echo "${MPI_FINALIZE_BUFFERS:-10000} xpmem $base" > "$D/mpi/finalize"
if [ "$client" = openmpi5 ]; then
    build_check_in_root "$R" "$(sed -n 's/^suite=//p' "$prefix/build-info.txt")" \
        "$(sed -n 's/^ucx=//p' "$prefix/build-info.txt")" ||
        die "cannot build mpi-xpmem-check with the $client mpicc"
else
    LD_LIBRARY_PATH="$xplib" "$prefix/bin/mpicc" -O2 -Wall -std=gnu99 -o "$D/mpi/mpi-xpmem-check" \
        "$here/mpi-xpmem-check.c" -Wl,-rpath-link,"$xplib" ||
        die "cannot build mpi-xpmem-check with $prefix/bin/mpicc"
    strip_elfs "$D"
    stage_deps "$D" "$D/lib" "$sp" || die "staging failed"
fi
guestlib=${XPMEM_CLIENT_LIB:-$xplib/libxpmem.so.0} stub=0
if [ "$guestlib" = stub ]; then
    stub=1 guestlib="$stage/libxpmem-stub.so.0"
    gcc -O2 -Wall -Wextra -shared -fPIC -fvisibility=hidden \
        -I"$SRC_DIR/libxpmem/include" -I"$SRC_DIR/include/uapi" "$here/xpmem-stub.c" \
        -Wl,--version-script="$SRC_DIR/libxpmem/libxpmem.map" -Wl,-soname,libxpmem.so.0 \
        -o "$guestlib" || die "cannot build xpmem-stub.c"
    touch "$D/mpi/stub"     # the guest exits 0: this script judges
fi
gdest="$D/lib/libxpmem.so.0"
[ "$client" = openmpi5 ] && gdest="$R/opt/xpmem/lib/libxpmem.so.0"
cp -L "$guestlib" "$gdest" || die "cannot stage $guestlib"
[ -n "${XPMEM_CLIENT_LIB:-}" ] && log "guest libxpmem.so.0: $guestlib (XPMEM_CLIENT_LIB)"
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
echo
echo "== $client $ver results: kernel $k (${kver:-?}) =="
fails=0 n=0 caught=0
declare -A lat=() bw=() fsecs=() fmaps=()
# the configurations that expect xpmem: with the stub, each must be caught
xcfgs=" $(awk '$2 == 1 { printf "%s ", $1 }' "$D/mpi/configs")"
declare -a cfgs=() nps=() sizes=()
add_uniq() { local -n arr=$1; local x; for x in "${arr[@]}"; do [ "$x" = "$2" ] && return; done; arr+=("$2"); }
kv() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }
while IFS= read -r line; do
    read -ra words <<<"$line"; set -- "${words[@]}"
    name=$1 st=$2; shift 2; det="$*"
    n=$((n + 1))
    IFS=/ read -r _ cfg np check size <<<"$name"
    if [ "$stub" = 1 ] && [ "$check" = run ] && [[ $xcfgs == *" $cfg "* ]]; then
        # the stub must be caught: exactly this run fails, for not using xpmem
        if [ "$st" = FAIL ] && [[ $det == *xpmem-not-used* ]]; then
            st="FAIL (expected with the stub)"; caught=$((caught + 1))
        else
            fails=$((fails + 1)); printf '  NOT CAUGHT %s %s %s\n' "$name" "$st" "$det"
        fi
    elif [ "$stub" = 1 ]; then
        # the other runs with the stub: the client's own business (MPICH
        # 4.0 calls xpmem_make in MPI_Init even with its xpmem path off,
        # and aborts); reported, not judged
        [ "$st" = PASS ] || [ "$check" != run ] || printf '  (stub) %s %s %s\n' "$name" "$st" "$det"
    elif [ "$st" != PASS ]; then
        fails=$((fails + 1)); printf '  FAIL %s %s\n' "$name" "$det"
    fi
    case $check in
    run) printf '  %-8s %-8s %-5s %-5s %s\n' "$client" "$cfg" "$np" "$st" "$det" ;;
    pp) add_uniq cfgs "$cfg"; add_uniq nps "$np"; add_uniq sizes "$size"
        lat[$cfg/$np/$size]=$(kv lat_us "$det"); bw[$cfg/$np/$size]=$(kv bw_MiBps "$det") ;;
    finalize) fsecs[$cfg]=$(kv secs "$det"); fmaps[$cfg]=$(kv maps "$det")
        printf '  %-8s %-8s %-5s %-5s finalize %s\n' "$client" "$cfg" "$np" "$st" "$det" ;;
    esac
done < <(sed -n 's/^[[:space:]]*@@MPI-RESULT //p' "$txt")
{
    echo "# kernel $k ($kver), $client $ver, $(date -u +%Y-%m-%dT%H:%MZ); ping-pong, ratio = bandwidth / bandwidth of '$base' (same boot, same ranks)"
    echo "| client | mechanism | ranks | size | latency (us) | bandwidth (MiB/s) | ratio to $base |"
    echo "|---|---|---|---|---|---|---|"
} > "$rows"
echo "  ping-pong (rank 0 <-> 1; ratio = bandwidth / bandwidth of $base)"
printf '  %-8s %-5s %9s %12s %12s %8s\n' config ranks size "lat (us)" "MiB/s" ratio
for np in "${nps[@]}"; do
    for cfg in "${cfgs[@]}"; do
        for size in "${sizes[@]}"; do
            b=${bw[$cfg/$np/$size]:-} b0=${bw[$base/$np/$size]:-}
            r=$(awk -v a="$b" -v z="$b0" 'BEGIN { if (a == "" || z == "" || z + 0 <= 0) print "-"; else printf "%.2f", a / z }')
            printf '  %-8s %-5s %9s %12s %12s %8s\n' "$cfg" "${np#np}" "$size" "${lat[$cfg/$np/$size]:-}" "$b" "$r"
            echo "| $client $ver | $cfg | ${np#np} | $size | ${lat[$cfg/$np/$size]:-} | $b | $r |" >> "$rows"
        done
    done
done
if [ ${#fsecs[@]} -gt 0 ]; then
    echo "  finalize after ${MPI_FINALIZE_BUFFERS:-10000} distinct buffers (2 ranks; the slower rank's MPI_Finalize)"
    {
        echo
        echo "| client | mechanism | buffers | /dev/xpmem mappings before finalize | finalize (s) | ratio to $base |"
        echo "|---|---|---|---|---|---|"
    } >> "$rows"
    for cfg in "${!fsecs[@]}"; do
        r=$(awk -v a="${fsecs[$cfg]}" -v z="${fsecs[$base]:-}" 'BEGIN { if (z == "" || z + 0 <= 0) print "-"; else printf "%.2f", a / z }')
        printf '  %-8s mappings %6s  finalize %8s s  ratio %s\n' "$cfg" "${fmaps[$cfg]}" "${fsecs[$cfg]}" "$r"
        echo "| $client $ver | $cfg | ${MPI_FINALIZE_BUFFERS:-10000} | ${fmaps[$cfg]} | ${fsecs[$cfg]} | $r |" >> "$rows"
    done
fi
[ "$n" -gt 0 ] || { echo "  no MPI results in the console log"; fails=$((fails + 1)); }
if [ "$stub" = 1 ]; then
    echo "  stub libxpmem: $caught xpmem runs failed for not using xpmem"
    [ "$caught" -gt 0 ] || fails=$((fails + 1))
fi
grep -q '@@MPI-DONE' "$txt" || { echo "  the guest script did not finish"; fails=$((fails + 1)); }
rm -f "$txt"
[ "$bed_rc" = 0 ] || { echo "  test bed reported a failure (exit $bed_rc; see $clog)"; fails=$((fails + 1)); }
echo "  rows: $rows"
echo "  console log: $clog"
if [ "$fails" = 0 ]; then echo "$client on $k: PASS"; exit 0; fi
echo "$client on $k: FAIL ($fails problems)"; exit 1
