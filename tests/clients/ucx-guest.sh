#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of the UCX client test (busybox sh).  Staged by run-ucx.sh as a
# "test" of the test bed's run list; the bed's /init starts it as root, with
# xpmem.ko loaded, and checks the kernel log after it.  UCX is in
# /tests/data/ucx, its libraries (and libxpmem.so.0 of the build tree) in
# /tests/data/lib.  Everything UCX runs as the unprivileged user alice.
#
# Steps, each reported as "@@UCX-RESULT <check> PASS|FAIL <details>":
#   libxpmem   which libxpmem.so.0 UCX loads (path + sha256)
#   info       ucx_info -d lists the xpmem memory domain and transport
#   perf       ucx_perftest server/client pairs over loopback for each
#              transport set x test x size: both sides exit 0, the info log
#              shows the expected transports in use, bandwidth is reported
# Exit 0 if every check passed, 1 otherwise.

U=/tests/data/ucx
L=/tests/data/lib
export PATH="$U/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export LD_LIBRARY_PATH="$U/lib:$L:/usr/lib"
export HOME=/tmp
unset UCX_TLS UCX_NET_DEVICES
W=/tmp/ucx
rm -rf "$W"; mkdir -p "$W"; chmod 0777 "$W"

TLS_SETS=${UCX_GUEST_TLS_SETS:-"self,xpmem self,cma,posix self,posix"}
TESTS=${UCX_GUEST_TESTS:-"tag_bw ucp_put_bw"}
SIZES=${UCX_GUEST_SIZES:-"65536 1048576 16777216"}
TIMEOUT=${UCX_GUEST_TIMEOUT:-240}

fails=0
res() { echo "@@UCX-RESULT $*"; case $2 in PASS) ;; *) fails=$((fails + 1)) ;; esac; }

# Run a command as alice (uid 1000), keeping the environment.  busybox su
# would parse options after the user name, so the command goes in one -c
# string (our arguments hold no blanks or shell syntax).
as_alice() { su -p -s /bin/sh alice -c "exec $*"; }

# Iterations per size: about 64 MiB..1 GiB moved, bounded under TCG.
iters_for() {
    case $1 in
    65536) echo 2000 ;; 1048576) echo 300 ;; *) echo 40 ;;
    esac
}

# Is TCP port $1 in LISTEN state (IPv4 or IPv6)?
listening() {
    hex=$(printf '%04X' "$1")
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { f = 1 } END { exit !f }'
}

echo "@@UCX-INFO kernel $(uname -r) uid-check $(as_alice id -u)"
[ -c /dev/xpmem ] || { res module FAIL "/dev/xpmem missing"; exit 1; }
ip link set lo up || ifconfig lo 127.0.0.1 up
ip addr show lo | grep -q 'inet 127.0.0.1' || ifconfig lo 127.0.0.1 up
ip addr show lo | sed 's/^/@@UCX-INFO lo: /'

# 1. Which libxpmem.so.0 does UCX's xpmem module use?
as_alice env LD_DEBUG=libs ucx_info -d > "$W/ld.log" 2>&1
xp=$(sed -n 's/.*calling init: \(.*libxpmem\.so\.0\)$/\1/p' "$W/ld.log" | head -n 1)
if [ -n "$xp" ]; then
    real=$(readlink -f "$xp")
    res libxpmem PASS "$xp sha256=$(sha256sum "$real" | cut -d' ' -f1)"
else
    grep -i -m 5 xpmem "$W/ld.log" | sed 's/^/  /'
    res libxpmem FAIL "libxpmem.so.0 was not loaded by ucx_info -d"
fi

# 2. ucx_info -d: the xpmem memory domain and transport.
if as_alice ucx_info -d > "$W/info.log" 2>&1; then
    md=$(grep -c 'Memory domain: xpmem' "$W/info.log")
    tl=$(grep -c 'Transport: xpmem' "$W/info.log")
    grep -E '(Memory domain|Transport|Component):' "$W/info.log" | sed 's/^/@@UCX-INFO ucx_info:/'
    if [ "$md" -ge 1 ] && [ "$tl" -ge 1 ]; then
        res info PASS "xpmem memory domain and transport listed"
    else
        sed -n '1,80p' "$W/info.log"
        res info FAIL "xpmem md=$md tl=$tl in ucx_info -d"
    fi
else
    cat "$W/info.log"
    res info FAIL "ucx_info -d exited non-zero"
fi
as_alice ucx_info -v | sed 's/^/@@UCX-INFO version: /'

# 3. ucx_perftest pairs.
port=13300
for tls in $TLS_SETS; do
    for t in $TESTS; do
        for s in $SIZES; do
            port=$((port + 1))
            n=$(iters_for "$s")
            tag="$tls/$t/$s"
            sl="$W/server-$port.log"; cl="$W/client-$port.log"
            export UCX_TLS="$tls" UCX_LOG_LEVEL=info
            as_alice timeout "$TIMEOUT" ucx_perftest -p "$port" > "$sl" 2>&1 &
            spid=$!
            i=0
            while ! listening "$port" && [ $i -lt 300 ]; do
                kill -0 "$spid" 2>/dev/null || break
                sleep 0.2; i=$((i + 1))
            done
            if ! listening "$port"; then
                kill "$spid" 2>/dev/null; wait "$spid"
                cat "$sl"
                res "perf/$tag" FAIL "server never listened on port $port"
                continue
            fi
            t0=$(cut -d' ' -f1 /proc/uptime)
            as_alice timeout "$TIMEOUT" ucx_perftest 127.0.0.1 -p "$port" -t "$t" -s "$s" \
                -n "$n" -w 5 -f > "$cl" 2>&1
            crc=$?
            wait "$spid"; src=$?
            secs=$(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }')
            unset UCX_TLS UCX_LOG_LEVEL
            # Final line (-f): "iters lat-50% lat-avg lat-overall bw-avg
            # bw-overall rate-avg rate-overall"; bandwidths in MiB/s.
            bw=$(awk 'NF == 8 && $1 ~ /^[0-9]+$/ && $6 ~ /^[0-9.]+$/ { v = $6 } END { print v }' "$cl")
            # Transports UCP selected, from the info log of both sides.
            lanes=$(cat "$cl" "$sl" | grep -E 'ucp_worker.*(intra-node|inter-node|self) cfg#|ep_cfg\[' |
                    sed 's/.*cfg#[0-9]* *//; s/.*ep_cfg\[[0-9]*\]: *//' | sort -u | tr '\n' ';' | tr -s ' ' | sed 's/;$//')
            why=
            [ "$crc" = 0 ] || why="$why client-exit=$crc"
            [ "$src" = 0 ] || why="$why server-exit=$src"
            [ -n "$bw" ] || why="$why no-bandwidth-line"
            [ -n "$lanes" ] || why="$why no-transport-info"
            # Only transports of UCX_TLS may carry lanes, and the one under
            # test must: xpmem when allowed; cma for tag_bw (rendezvous) when
            # allowed (UCP does RMA over posix, not cma); posix otherwise.
            for used in $(echo "$lanes" | grep -o '[a-z0-9_]*/' | tr -d / | sort -u); do
                case ",$tls," in *",$used,"*) ;; *) why="$why $used-used-though-not-in-UCX_TLS" ;; esac
            done
            case $tls,$t in
            *xpmem*) want=xpmem ;;
            *cma*,tag_bw) want=cma ;;
            *) want=posix ;;
            esac
            echo "$lanes" | grep -q "$want/" || why="$why $want-not-selected"
            if [ -z "$why" ]; then
                res "perf/$tag" PASS "bw_MiBps=$bw secs=$secs iters=$n lanes=[$lanes]"
            else
                echo "---- client ($cl):"; tail -n 30 "$cl"
                echo "---- server ($sl):"; tail -n 30 "$sl"
                res "perf/$tag" FAIL "$why bw_MiBps=${bw:-none} secs=$secs lanes=[$lanes]"
            fi
        done
    done
done

echo "@@UCX-DONE failures=$fails"
[ "$fails" = 0 ]
