#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of the MPI client tests (busybox sh), staged by run-mpi.sh as a
# "test" of the test bed's run list and started as root with xpmem.ko
# loaded.  /tests/data/mpi holds:
#   client         the MPI name (mpich, openmpi)
#   env            PATH and LD_LIBRARY_PATH additions (sourced)
#   launch         the launcher command line for 2 ranks
#   configs        lines "<name> <xpmem expected: 1|0> [VAR=value...]"
#   mpi-xpmem-bw   the test program (built with the client's mpicc)
# and /tests/data/sysroot (optional) is copied onto / first.
# For each configuration, as user alice: launch mpi-xpmem-bw on 2 ranks;
# it must exit 0 with every size "ok", and the ranks' /dev/xpmem mappings
# must be > 0 when xpmem is expected and 0 when it is not.  Reports
#   @@MPI-RESULT <client>/<config>/<size> PASS|FAIL bw_MiBps=.. maps=..
# Exit 0 if all passed.

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
TIMEOUT=${MPI_GUEST_TIMEOUT:-900}
W=/tmp/mpi
rm -rf "$W"; mkdir -p "$W"; chmod 0777 "$W"

fails=0
res() { echo "@@MPI-RESULT $*"; case $2 in PASS) ;; *) fails=$((fails + 1)) ;; esac; }
# busybox su parses options after the user name: one -c string (no blanks
# or shell syntax in our arguments).
as_alice() { su -p -s /bin/sh alice -c "exec $*"; }

[ -c /dev/xpmem ] || { res "$client/module" FAIL "/dev/xpmem missing"; exit 1; }
# Launchers resolve the local host name: make it "localhost" (/etc/hosts).
hostname localhost
ip link set lo up || ifconfig lo 127.0.0.1 up
echo "@@MPI-INFO $client kernel $(uname -r) host $(hostname) uid $(as_alice id -u)"

while read -r name expect envs; do
    case $name in ''|'#'*) continue ;; esac
    log="$W/$name.log"
    t0=$(cut -d' ' -f1 /proc/uptime)
    # shellcheck disable=SC2086
    as_alice env $envs timeout "$TIMEOUT" $launch "$D/mpi-xpmem-bw" < /dev/null > "$log" 2>&1
    rc=$?
    secs=$(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }')
    maps=$(awk '/^mpi-maps / { sub(/.*xpmem_mappings=/, ""); s += $1 } END { print s + 0 }' "$log")
    nsz=$(grep -c '^mpi-bw ' "$log")
    why=
    [ "$rc" = 0 ] || why="$why exit=$rc"
    [ "$nsz" -gt 0 ] || why="$why no-results"
    if [ "$expect" = 1 ]; then
        [ "$maps" -gt 0 ] || why="$why no-xpmem-mappings"
    else
        [ "$maps" -eq 0 ] || why="$why xpmem-used-though-disabled($maps)"
    fi
    if [ -n "$why" ]; then
        echo "---- $client $name (env: $envs; exit $rc):"; tail -n 40 "$log"
    fi
    grep '^mpi-bw ' "$log" | while read -r _ size iters bw verdict; do
        if [ -z "$why" ] && [ "$verdict" = ok ]; then st=PASS; else st=FAIL; fi
        echo "@@MPI-RESULT $client/$name/$size $st bw_MiBps=$bw iters=$iters maps=$maps secs=$secs data=$verdict${why:+ why=[$why ]}"
    done
    # Count failures outside the subshell of the pipe.
    if [ -n "$why" ] || grep '^mpi-bw ' "$log" | grep -qv ' ok$'; then
        [ "$nsz" -gt 0 ] || res "$client/$name/run" FAIL "$why"
        fails=$((fails + 1))
    fi
done < "$D/configs"

echo "@@MPI-DONE $client failures=$fails"
[ "$fails" = 0 ]
