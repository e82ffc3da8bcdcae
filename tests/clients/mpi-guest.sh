#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of the MPI client tests (busybox sh), staged by run-mpi.sh as a
# "test" of the test bed's run list and started as root with xpmem.ko
# loaded.  /tests/data/mpi holds:
#   client           the MPI name (mpich, openmpi)
#   env              PATH and LD_LIBRARY_PATH additions (sourced)
#   launch           the launcher command line, up to its rank count option
#   ranks            the rank counts to run, e.g. "2 4"
#   configs          lines "<name> <xpmem expected: 1|0> [VAR=value...]"
#   mpi-xpmem-check  the MPI job (built with the client's mpicc)
#   finalize         "<n> <config> <config>...": the finalize job with n
#                    buffers, on 2 ranks, for those configurations
#   stub             (optional) libxpmem is a stub: only the configurations
#                    that expect xpmem, on the first rank count, no
#                    finalize job; report, exit 0 anyway (the host judges)
#   chroot           (optional) the directory of a runtime tree to run the
#                    MPI job in (a client built for another Debian suite);
#                    the check is its /opt/check/mpi-xpmem-check
# and /tests/data/sysroot (optional) is copied onto / first.
# For each configuration and rank count, as user alice: launch
# mpi-xpmem-check (with -q beyond 2 ranks); it must exit 0 with every
# transfer "ok", and every rank must hold /dev/xpmem mappings when xpmem is
# expected, none when it is not.  Reports one line per result,
#   @@MPI-RESULT <client>/<config>/np<n>/<check> PASS|FAIL key=value...
# <check>: run (exit status, mappings), pp/<size> (lat_us, bw_MiBps),
# bcast, allreduce/<count>, finalize (secs: the slowest rank's
# MPI_Finalize; maps: mappings before it; left: alice's processes left
# after the job, D-state ones among them).  Exit 0 if all passed.

D=/tests/data/mpi
# Files that must sit at their build-time paths (e.g. PMIx plugins).
[ -d /tests/data/sysroot ] && cp -a /tests/data/sysroot/. /
export PATH="/usr/sbin:/usr/bin:/sbin:/bin"
export LD_LIBRARY_PATH="/usr/lib"
# shellcheck source=/dev/null # written by run-mpi.sh when it stages the guest
. "$D/env"
export HOME=/tmp
client=$(cat "$D/client")
launch=$(cat "$D/launch")
ranks=$(cat "$D/ranks")
TIMEOUT=${MPI_GUEST_TIMEOUT:-900}
W=/tmp/mpi
rm -rf "$W"; mkdir -p "$W"; chmod 0777 "$W"

fails=0
res() {
    echo "@@MPI-RESULT $*"
    case $2 in PASS) ;; *) fails=$((fails + 1)) ;; esac
}
# busybox su parses options after the user name: one -c string (no blanks
# or shell syntax in our arguments).
as_alice() { su -p -s /bin/sh alice -c "exec $*"; }
CHK=$D/mpi-xpmem-check
if [ -s "$D/chroot" ]; then
    # the job runs in the runtime tree: alice's ids, the guest's
    # /proc, /sys, /dev (with /dev/xpmem) and a /tmp of its own
    R=$(cat "$D/chroot")
    cp /etc/passwd /etc/group /etc/hosts "$R/etc/"
    if ! { mount -t proc proc "$R/proc" && mount -t sysfs sysfs "$R/sys" &&
           mount -o bind /dev "$R/dev" && mount -t tmpfs tmpfs "$R/tmp"; }; then
        echo "@@MPI-RESULT $(cat "$D/client")/chroot FAIL mounts"; exit 1
    fi
    # (the tree's setpriv by path: busybox runs its own applet first)
    as_alice() { chroot "$R" /usr/bin/setpriv --reuid=1000 --regid=1000 --clear-groups "$@"; }
    CHK=/opt/check/mpi-xpmem-check
fi
stub=0; [ -e "$D/stub" ] && stub=1 && ranks=${ranks%% *}

[ -c /dev/xpmem ] || { res "$client/module" FAIL "/dev/xpmem missing"; exit 1; }
# Launchers resolve the local host name: make it "localhost" (/etc/hosts).
hostname localhost
ip link set lo up || ifconfig lo 127.0.0.1 up
echo "@@MPI-INFO $client kernel $(uname -r) host $(hostname) uid $(as_alice id -u) cpus $(grep -c ^processor /proc/cpuinfo)"

# one_run <config> <expect> <ranks> <env...>
one_run() {
    name=$1 expect=$2 np=$3; shift 3
    log="$W/$name-np$np.log" tag="$client/$name/np$np"
    opt=; [ "$np" -gt 2 ] && opt=-q
    t0=$(cut -d' ' -f1 /proc/uptime)
    # shellcheck disable=SC2086 # $launch and $opt are word lists
    as_alice env "$@" timeout "$TIMEOUT" $launch "$np" "$CHK" $opt < /dev/null > "$log" 2>&1
    rc=$?
    secs=$(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }')
    maps=$(sed -n 's/^mpi-maps .*xpmem_mappings=\([0-9]*\).*/\1/p' "$log")
    min=$(sed -n 's/^mpi-maps .*min=\([0-9]*\).*/\1/p' "$log")
    why=
    [ "$rc" = 0 ] || why="$why exit=$rc"
    [ -n "$maps" ] || { why="$why no-mappings-line"; maps=0; }
    grep -q '^mpi-pp ' "$log" || why="$why no-results"
    if [ "$expect" = 1 ]; then
        if [ "$maps" -eq 0 ]; then why="$why xpmem-not-used"
        elif [ "${min:-0}" -eq 0 ]; then why="$why xpmem-not-used-by-every-rank"
        fi
    else
        [ "$maps" -eq 0 ] || why="$why xpmem-used-though-disabled($maps)"
    fi
    if [ -n "$why" ]; then
        echo "---- $tag (env: $*; exit $rc):"; tail -n 40 "$log"; echo
        res "$tag/run" FAIL "secs=$secs maps=$maps min=$min why=[$why ]"
    else
        res "$tag/run" PASS "secs=$secs maps=$maps min=$min"
    fi
    while read -r what a1 a2 a3 a4 a5; do
        case $what in
        mpi-pp) row="pp/$a1" kv="iters=$a2 lat_us=$a3 bw_MiBps=$a4" v=$a5 ;;
        mpi-bcast) row=bcast kv="buffers=$a1 size=$a2" v=$a3 ;;
        mpi-allreduce) row="allreduce/$a1" kv='' v=$a2 ;;
        *) continue ;;
        esac
        if [ "$v" = ok ]; then st=PASS; else st=FAIL; fi
        res "$tag/$row" "$st" "$kv data=$v"
    done < "$log"
}

while read -r name expect envs; do
    case $name in ''|'#'*) continue ;; esac
    [ "$stub" = 1 ] && [ "$expect" = 0 ] && continue
    for np in $ranks; do
        # shellcheck disable=SC2086 # $envs is a list of VAR=value words
        one_run "$name" "$expect" "$np" $envs
    done
done < "$D/configs"

# The finalize job: n distinct buffers sent once each, then MPI_Finalize
# timed in every rank; nothing of alice's may be left afterwards (a rank
# stuck in D state in the module's teardown would be).
fin_run() {
    name=$1 expect=$2 n=$3; shift 3
    log="$W/$name-fin.log" tag="$client/$name/np2/finalize"
    # shellcheck disable=SC2086 # $launch is a word list
    as_alice env "$@" timeout "$TIMEOUT" $launch 2 "$CHK" -f "$n" < /dev/null > "$log" 2>&1
    rc=$?
    sleep 1
    left=0 dstate=0
    for st in /proc/[0-9]*/status; do
        grep -q '^Uid:[[:space:]]*1000[[:space:]]' "$st" 2>/dev/null || continue
        left=$((left + 1))
        grep -q '^State:[[:space:]]*D' "$st" && dstate=$((dstate + 1))
    done
    secs=$(awk '/^mpi-finalize / { sub(/.*secs=/, ""); if ($1 + 0 > m) m = $1 + 0 } END { printf "%.3f", m }' "$log")
    maps=$(awk '/^mpi-finalize / { sub(/.*xpmem_mappings=/, ""); s += $1 } END { print s + 0 }' "$log")
    nfin=$(grep -c '^mpi-finalize ' "$log")
    why=
    [ "$rc" = 0 ] || why="$why exit=$rc"
    grep -q "^mpi-fin-data $n ok" "$log" || why="$why data"
    [ "$nfin" = 2 ] || why="$why finalize-lines=$nfin"
    [ "$left" = 0 ] || why="$why left=$left(D:$dstate)"
    if [ "$expect" = 1 ]; then
        [ "$maps" -gt 0 ] || why="$why xpmem-not-used"
    else
        [ "$maps" -eq 0 ] || why="$why xpmem-used-though-disabled($maps)"
    fi
    if [ -n "$why" ]; then
        echo "---- $tag (env: $*; exit $rc):"; tail -n 40 "$log"; echo
        res "$tag" FAIL "buffers=$n secs=$secs maps=$maps left=$left dstate=$dstate why=[$why ]"
    else
        res "$tag" PASS "buffers=$n secs=$secs maps=$maps left=$left dstate=$dstate"
    fi
}
if [ -s "$D/finalize" ] && [ "$stub" = 0 ]; then
    read -r fin_n fin_cfgs < "$D/finalize"
    for c in $fin_cfgs; do
        while read -r name expect envs; do
            # shellcheck disable=SC2086 # $envs is a list of VAR=value words
            [ "$name" = "$c" ] && fin_run "$name" "$expect" "$fin_n" $envs
        done < "$D/configs"
    done
fi

echo "@@MPI-DONE $client failures=$fails"
[ "$fails" = 0 ] || [ -e "$D/stub" ]
