#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# UCX on our xpmem, in a QEMU guest of the test bed.
#
#   tests/clients/run-ucx.sh [-l <log-base>] <kernel>
#
# Builds UCX against libxpmem (cached, ucx-build.sh), stages it for the guest
# (UCX binaries, libraries, dlopen'ed transport modules and their shared
# libraries, libxpmem.so.0 of the build tree), boots <kernel> of
# tests/vm/kernels.conf with the test bed's runner (tests/vm/run.sh -g) and
# runs there, as user alice: ucx_info -d (xpmem memory domain + transport
# listed), then ucx_perftest server/client pairs on loopback (tag_bw and
# ucp_put_bw; 64 KiB, 1 MiB, 16 MiB) with UCX_TLS=self,xpmem, self,cma,posix
# and self,posix.  Passes when every run succeeds, xpmem lanes were selected
# where allowed (and only there), UCX loaded our libxpmem.so.0, and the bed
# saw no failure and no kernel splat.  Prints a results table; the rows also
# go to <log-base>/<kernel>/ucx-results.txt.
#
# Exit 0 pass, 1 fail, 77 skip (the debug kernel: no networking needed by the
# clients is guaranteed there, and it is too slow for them).
# Environment: as ucx-build.sh and tests/vm/run.sh (XPMEM_VM_QUIET defaults
# to 1 here); UCX_GUEST_TLS_SETS, UCX_GUEST_TESTS, UCX_GUEST_SIZES narrow the
# guest matrix.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

lbase=
while getopts l:h o; do
    case $o in l) lbase=$OPTARG ;; *) usage; exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { usage; exit 2; }
k=$1
case $k in
debug) echo "clients on the debug kernel: SKIP (not run there)"; exit 77 ;;
esac
[ -n "$(kconf_line "$k")" ] || die "unknown kernel '$k' (tests/vm/kernels.conf)"

bdir=$(xpmem_build_dir)
xpmem_ensure_lib || die "libxpmem is not built"
[ -n "$lbase" ] || lbase="$bdir/clients/logs"
mkdir -p "$lbase"; lbase=$(cd "$lbase" && pwd)

# 1. UCX (cached).
out=$("$here/ucx-build.sh") || die "UCX build failed"
prefix=$(printf '%s\n' "$out" | sed -n 's/^PREFIX=//p' | tail -n 1)
[ -f "$prefix/.complete" ] || die "no UCX installation"
log "UCX: $prefix ($(grep -E '^(configure_s|make_s)=' "$prefix/build-info.txt" | tr '\n' ' '))"

# 2. Stage the guest directory for tests/vm/run.sh -g.
stage="$bdir/clients/ucx-guest"
rm -rf "$stage"
mkdir -p "$stage/data/ucx/bin" "$stage/data/ucx/lib/ucx" "$stage/data/lib"
xplib="$bdir/libxpmem"
cp -L "$prefix/bin/ucx_info" "$prefix/bin/ucx_perftest" "$stage/data/ucx/bin/"
cp -a "$prefix"/lib/lib*.so* "$stage/data/ucx/lib/"
cp -a "$prefix"/lib/ucx/*.so* "$stage/data/ucx/lib/ucx/"
find "$stage/data/ucx" -type f -name '*.la' -delete
find "$stage/data/ucx" -type f | while read -r f; do
    file -b "$f" | grep -q ELF && strip --strip-debug "$f"
done
# Shared libraries of every UCX object, including the dlopen'ed modules.
: > "$stage/.libs"
while read -r f; do
    file -b "$f" | grep -q ELF || continue
    LD_LIBRARY_PATH="$stage/data/ucx/lib:$xplib" ldd "$f" > "$stage/.ldd" 2>&1
    grep -q 'not found' "$stage/.ldd" && { cat "$stage/.ldd" >&2; die "$f: missing libraries"; }
    awk '$2 == "=>" && $3 ~ /^\// {print $3}' "$stage/.ldd" >> "$stage/.libs"
done < <(find "$stage/data/ucx" -type f)
while read -r lib; do
    case $lib in
    "$stage"/*|*/libxpmem.so*) ;;           # UCX's own / ours, below
    */ld-linux*) ;;                          # the bed packs the loader
    *) cp -L "$lib" "$stage/data/lib/" ;;
    esac
done < <(sort -u "$stage/.libs")
rm -f "$stage/.ldd" "$stage/.libs"
# The library under test: the build tree's, whatever UCX was linked with.
cp -L "$xplib/libxpmem.so.0" "$stage/data/lib/libxpmem.so.0"
want_sha=$(sha256sum "$xplib/libxpmem.so.0" | cut -d' ' -f1)
gcc -O2 -Wall -Wextra -I"$SRC_DIR/libxpmem/include" -I"$SRC_DIR/include/uapi" \
    "$here/clients-preflight.c" -o "$stage/clients-preflight" \
    -L"$xplib" -lxpmem -Wl,-rpath,"$xplib" || die "cannot build clients-preflight"
install -m 0755 "$here/ucx-guest.sh" "$stage/ucx-guest"
# Pass the matrix knobs into the guest (the bed starts tests with its own env).
if [ -n "${UCX_GUEST_TLS_SETS:-}${UCX_GUEST_TESTS:-}${UCX_GUEST_SIZES:-}" ]; then
    { echo '#!/bin/sh'
      [ -n "${UCX_GUEST_TLS_SETS:-}" ] && echo "export UCX_GUEST_TLS_SETS='$UCX_GUEST_TLS_SETS'"
      [ -n "${UCX_GUEST_TESTS:-}" ] && echo "export UCX_GUEST_TESTS='$UCX_GUEST_TESTS'"
      [ -n "${UCX_GUEST_SIZES:-}" ] && echo "export UCX_GUEST_SIZES='$UCX_GUEST_SIZES'"
      sed 1d "$here/ucx-guest.sh"; } > "$stage/ucx-guest"
fi
printf '# tests/clients/run-ucx.sh\nclients-preflight 60\nucx-guest 2400\n' > "$stage/runlist"
log "staged $(du -sh "$stage" | cut -f1) in $stage"

# 3. Boot and run (the bed checks results and the kernel log).
XPMEM_VM_QUIET=${XPMEM_VM_QUIET:-1} "$SRC_DIR/tests/vm/run.sh" -k "$k" -g "$stage" -l "$lbase"
bed_rc=$?
clog="$lbase/$k/console.log"
[ -f "$clog" ] || die "no console log $clog"

# 4. Results.
tr -d '\r' < "$clog" > "$lbase/$k/console.txt"
kver=$(sed -n 's/.*@@XPMEM-INIT kernel \([^ ]*\).*/\1/p' "$lbase/$k/console.txt" | head -n 1)
ucxv=$(sed -n 's/^@@UCX-INFO version: # Version //p' "$lbase/$k/console.txt" | head -n 1)
rows="$lbase/$k/ucx-results.txt"
fails=0
{
    echo "# kernel $k ($kver), UCX ${ucxv:-?}, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "| client | UCX_TLS | test | size | bandwidth (MiB/s) | seconds | lanes (UCX info log) | result |"
    echo "|---|---|---|---|---|---|---|---|"
} > "$rows"
echo
echo "== UCX client results: kernel $k (${kver:-?}) =="
printf '  %-28s %-6s %s\n' CHECK RESULT DETAILS
n=0
while IFS= read -r line; do
    read -ra words <<<"$line"; set -- "${words[@]}"
    name=$1 st=$2; shift 2; det="$*"
    n=$((n + 1))
    if [ "$name" = libxpmem ] && [ "$st" = PASS ]; then
        case $det in *"sha256=$want_sha"*) ;; *) st=FAIL; det="$det (build tree has $want_sha)" ;; esac
    fi
    [ "$st" = PASS ] || fails=$((fails + 1))
    case $name in
    perf/*)
        IFS=/ read -r _ tls t s <<<"$name"
        bw=$(sed -n 's/.*bw_MiBps=\([^ ]*\).*/\1/p' <<<"$det")
        secs=$(sed -n 's/.*secs=\([^ ]*\).*/\1/p' <<<"$det")
        lanes=$(sed -n 's/.*lanes=\[\(.*\)\].*/\1/p' <<<"$det")
        printf '  %-16s %-11s %9s  %-6s %10s MiB/s  %6ss  %s\n' "$tls" "$t" "$((s / 1024)) KiB" "$st" "$bw" "$secs" \
            "$(cut -c1-70 <<<"$lanes")"
        [ "$st" = PASS ] || printf '      %s\n' "$det"
        echo "| UCX | $tls | $t | $((s / 1024)) KiB | $bw | $secs | $lanes | $st |" >> "$rows"
        ;;
    *) printf '  %-28s %-6s %s\n' "$name" "$st" "$det" ;;
    esac
done < <(sed -n 's/^@@UCX-RESULT //p' "$lbase/$k/console.txt")
rm -f "$lbase/$k/console.txt"
[ "$n" -gt 0 ] || { echo "  no UCX results in the console log"; fails=$((fails + 1)); }
grep -q '@@UCX-DONE' "$clog" || { echo "  the guest script did not finish"; fails=$((fails + 1)); }
[ "$bed_rc" = 0 ] || { echo "  test bed reported a failure (exit $bed_rc; see above and $clog)"; fails=$((fails + 1)); }
echo "  rows: $rows"
echo "  console log: $clog"
if [ "$fails" = 0 ]; then echo "ucx on $k: PASS"; exit 0; fi
echo "ucx on $k: FAIL ($fails problems)"; exit 1
