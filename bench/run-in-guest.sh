#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run xpmem-bench in a QEMU guest of the test bed (tests/vm) and keep its
# output on the host.
#
#   bench/run-in-guest.sh [-k kernel] [-b build-dir] [-o out-dir] [-p param=value]...
#                         [-- bench args...]
#
#   -k   kernel name of tests/vm/kernels.conf (default 6.1)
#   -p   set a parameter of the loaded module before the benchmark runs
#        (/sys/module/xpmem/parameters/<param>), e.g. -p fault_pages=512;
#        repeatable; bench_check runs with the defaults
#   -b   CMake build dir holding bench/xpmem-bench and bench/bench_check
#        (default: build)
#   -o   where the output goes (default: <build-dir>/bench-<kernel>):
#        bench.txt (tables), bench.csv, check.txt, console.log
#   bench args default to: --max-size 64M
#
# The guest runs /tests/bench-run, a small sh script staged with the
# binary: the test bed only runs what its run list names, without
# arguments. The test bed builds xpmem.ko for the kernel as usual.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
kernel=6.1 build=$src/build out='' params=()
while getopts k:b:o:p:h o; do
    case $o in
    k) kernel=$OPTARG ;; b) build=$OPTARG ;; o) out=$OPTARG ;;
    p) [[ $OPTARG =~ ^[a-z_]+=[^[:space:]\']+$ ]] ||
           { echo "bad -p $OPTARG (want name=value)" >&2; exit 2; }
       params+=("$OPTARG") ;;
    *) sed -n '3,21p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- --max-size 64M
build=$(cd "$build" && pwd)
[ -n "$out" ] || out=$build/bench-$kernel
bench=$build/bench/xpmem-bench
[ -x "$bench" ] || { echo "no $bench (build the bench first)" >&2; exit 1; }

stage=$out/stage
rm -rf "$stage"; mkdir -p "$stage/data" "$out"
cp "$bench" "$stage/data/xpmem-bench"
# The run list decides which libraries are packed (ldd of each entry), so
# bench_check (same libraries as xpmem-bench) comes first; it is the
# guest test of the bench anyway (xpmem-bench --quick and its checks).
cp "$build/bench/bench_check" "$stage/bench_check"
echo "bench_check 600" > "$stage/runlist"
{
    echo '#!/bin/sh'
    echo 'echo "@@BENCH-ARGS '"$*"'"'
    for p in ${params[@]+"${params[@]}"}; do
        f=/sys/module/xpmem/parameters/${p%%=*}
        echo "echo '${p#*=}' > $f || exit 1"
        echo "echo \"@@BENCH-PARAM ${p%%=*}=\$(cat $f)\""
    done
    printf '/tests/data/xpmem-bench --csv /tmp/bench.csv'
    printf ' %q' "$@"
    echo ' > /tmp/bench.txt; rc=$?'
    echo 'echo "@@BENCH-TEXT-BEGIN"; cat /tmp/bench.txt; echo "@@BENCH-TEXT-END"'
    echo 'echo "@@BENCH-CSV-BEGIN"; cat /tmp/bench.csv 2>/dev/null; echo "@@BENCH-CSV-END"'
    # shellcheck disable=SC2016 # $rc belongs to the generated script
    echo 'exit $rc'
} > "$stage/bench-run"
chmod +x "$stage/bench-run"
echo "bench-run 3000" >> "$stage/runlist"

set +e
XPMEM_VM_QUIET=${XPMEM_VM_QUIET:-1} "$src/tests/vm/run.sh" -k "$kernel" -g "$stage" -l "$out/vm-logs"
rc=$?
set -e
clog=$out/vm-logs/$kernel/console.log
cp "$clog" "$out/console.log"
tr -d '\r' < "$clog" | sed -n '/@@BENCH-TEXT-BEGIN/,/@@BENCH-TEXT-END/p' | sed '1d;$d' > "$out/bench.txt"
tr -d '\r' < "$clog" | sed -n '/@@BENCH-CSV-BEGIN/,/@@BENCH-CSV-END/p' | sed '1d;$d' | grep -v '^\[ *[0-9]' > "$out/bench.csv"
tr -d '\r' < "$clog" | sed -n '/@@XPMEM-BEGIN bench_check/,/@@XPMEM-RESULT bench_check/p' > "$out/check.txt"
echo "output: $out/bench.txt $out/bench.csv $out/check.txt (console: $out/console.log)"
exit $rc
