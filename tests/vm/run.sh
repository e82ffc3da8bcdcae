#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Run the xpmem guest tests in QEMU guests, one boot per kernel.
#
#   tests/vm/run.sh [-k <kernel>]... [-g <guest-dir>] [-l <log-base>] [-m <xpmem.ko>]
#
#   -k   kernel names from tests/vm/kernels.conf (default: all); repeatable
#   -g   staged tests: executables + "runlist" (default: build/guest)
#   -l   logs go to <log-base>/<kernel>/ (default: build/vm-logs, or
#        $XPMEM_CACHE/vm-logs when there is no build dir)
#   -m   use this prebuilt module instead of building one (single kernel)
#   -t   only the tests whose names match this extended regex (plus the
#        bed's own guest-env-check); also $XPMEM_VM_TESTS
#   -x   leave out the tests whose names match this extended regex (after
#        -t); also $XPMEM_VM_EXCLUDE
#   -n   name of the log directory <log-base>/<name>/ (default: the kernel's;
#        one kernel), for a second test on the same kernel
#
# Environment: XPMEM_VM_MODULE=dkms|kbuild (how the module is built, default
# dkms: the xpmem-dkms package installed in the kernel's root, the .ko DKMS
# built; kbuild: plain Kbuild, faster; debug is always Kbuild; see
# build-module.sh), XPMEM_CACHE, XPMEM_MIRROR (roots), XPMEM_VM_APPEND (extra
# kernel command line), XPMEM_VM_QUIET=1 (don't stream the console),
# XPMEM_VM_WALL_MAX (cap of the wall-clock limit per boot, s; default 1800,
# debug 3600), XPMEM_VM_BOOT_SECS (allowance for booting).
#
# Per kernel: ensure the root, build xpmem.ko, pack the initramfs, boot QEMU
# (TCG) under a wall-clock limit, then check the console log: every test of
# the run list must report PASS or SKIP and the kernel log must be free of
# splats.  Ends with the line "N passed, N failed, N skipped".  Exit status 0
# only if nothing failed.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

kernels=() gdir='' lbase='' ko_override='' tfilter=${XPMEM_VM_TESTS:-} lname=''
xfilter=${XPMEM_VM_EXCLUDE:-}
while getopts k:g:l:m:t:x:n:h o; do
    case $o in
    k) kernels+=("$OPTARG") ;; g) gdir=$OPTARG ;; l) lbase=$OPTARG ;;
    t) tfilter=$OPTARG ;; x) xfilter=$OPTARG ;; n) lname=$OPTARG ;;
    m) ko_override=$OPTARG ;;
    *) awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; exit 2 ;;
    esac
done
[ ${#kernels[@]} -gt 0 ] || mapfile -t kernels < <(kconf_names)
[ -n "$gdir" ] || gdir="$SRC_DIR/build/guest"
[ -f "$gdir/runlist" ] || die "no staged tests in $gdir (build first: cmake --build build)"
gdir=$(cd "$gdir" && pwd)
if [ -z "$lbase" ]; then
    if [ -d "$(dirname "$gdir")" ] && [ "$(basename "$gdir")" = guest ]; then
        lbase="$(dirname "$gdir")/vm-logs"
    else
        lbase="$(xpmem_cache)/vm-logs"
    fi
fi
mkdir -p "$lbase"; lbase=$(cd "$lbase" && pwd)
# The test bed's packages (QEMU, debootstrap, busybox-static, cpio, ...),
# installed when missing.
"$SRC_DIR/.ci/deps.sh" testbed >&2 || die "the test bed's packages are missing (.ci/deps.sh testbed, as root)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"

tot_p=0 tot_f=0 tot_s=0

# The console log is judged by analyse.py (which tests passed, splats and
# whose they were, stall reports of a vCPU the host starved); the vCPU
# threads' host CPU time it needs is sampled here while the guest runs.
STARVED_SHARE=${XPMEM_VM_STARVED_SHARE:-0.25}

# vcpu_sample <qemu pid> <t>: one line of vcpu-times.log.
vcpu_sample() {
    local t comm stat line=$2 f
    for t in /proc/"$1"/task/*; do
        comm=$(cat "$t/comm" 2>/dev/null) || continue
        case $comm in
        CPU\ [0-9]*/TCG) ;;
        *) continue ;;
        esac
        stat=$(cat "$t/stat" 2>/dev/null) || continue
        stat=${stat##*) }
        read -r -a f <<<"$stat"
        # utime + stime: fields 14 and 15, counted after "(comm) "
        line+=" ${comm//[^0-9]/}:$((f[11] + f[12]))"
    done
    echo "$line"
}

# analyse <console log> <runlist> <reason-if-guest-died> <log dir>
# Prints the result table; sets P F S.
analyse() {
    if ! python3 "$VM_DIR/analyse.py" --why "$3" --starved-share "$STARVED_SHARE" "$1" "$2" "$4"; then
        P=0 F=1 S=0; echo "  analyse.py failed"; return
    fi
    read -r P F S < "$4/counts"
}

run_kernel() {
    local k=$1 line root headers ldir kimg ko initrd append clog t0 t1 t2
    line=$(kconf_line "$k")
    [ -n "$line" ] || { log "unknown kernel '$k'"; return 1; }
    read -r _ root _ _ headers <<<"$line"
    ldir="$lbase/${lname:-$k}"; mkdir -p "$ldir"
    rm -f "$ldir"/console.log "$ldir"/result.txt "$ldir"/summary.txt "$ldir"/counts
    # The run list of this boot (filtered with -t / XPMEM_VM_TESTS and
    # -x / XPMEM_VM_EXCLUDE).
    local rl="$ldir/runlist"
    if [ -n "$tfilter$xfilter" ]; then
        awk -v re="$tfilter" -v xre="$xfilter" '$1 == "guest-env-check" ||
            ($1 !~ /^#/ && (re == "" || $1 ~ re) && (xre == "" || $1 !~ xre))' "$gdir/runlist" > "$rl"
        log "$k: test filter '$tfilter', left out '$xfilter': $(grep -c . "$rl") tests"
    else
        cp "$gdir/runlist" "$rl"
    fi
    t0=$(date +%s)
    # Words with "=" that the kernel does not know reach /init as environment
    # variables: the tests can see which kernel they run on.
    # TCG on a busy host runs a vCPU 10-100x slower than hardware: the soft
    # lockup (2 x watchdog_thresh) and RCU stall detectors get longer limits
    # (120 s) so that slow emulation alone (e.g. clearing a THP on a starved
    # vCPU) is not reported; a real lockup still is. secretmem.enable=1:
    # memfd_secret() on 5.14-6.4, where it is off by default (secretmem_refused).
    append="console=ttyS0 panic=-1 oops=panic transparent_hugepage=always hugepages=64 secretmem.enable=1 printk.time=1 loglevel=7 watchdog_thresh=60 rcupdate.rcu_cpu_stall_timeout=120 XPMEM_VM_KERNEL=$k XPMEM_VM_DISKS=${XPMEM_VM_DISKS:-1} ${XPMEM_VM_APPEND:-}"
    [ "$k" = debug ] && append+=" XPMEM_VM_SLOW=1"
    case $headers in
    script:*)
        local script="$SRC_DIR/${headers#script:}" info
        [ -x "$script" ] || { log "$k: $script not present"; return 1; }
        info=$("$script" 2> "$ldir/kernel-build.log") || { log "$k: $script failed (log: $ldir/kernel-build.log)"; return 1; }
        kimg=$(script_var KERNEL "$info")
        ;;
    *)
        root_ok "$root" || "$VM_DIR/mkroot.sh" "$k" || { log "$k: cannot create root"; return 1; }
        kimg="$(root_dir "$root")/boot/vmlinuz-$(root_kver "$root")"
        ;;
    esac
    [ -f "$kimg" ] || { log "$k: kernel image '$kimg' missing"; return 1; }
    if [ -n "$ko_override" ]; then ko=$ko_override
    else
        ko=$("$VM_DIR/build-module.sh" "$k" "$ldir/module") || { log "$k: module build failed, log: $ldir/module/module-build.log"; return 1; }
    fi
    # The guest's disks: an ext4 file system (vda) and a swap area (vdb),
    # made fresh for every boot; the modules to use them (none on debug,
    # which has no block layer: its tests skip what needs them).
    local kmods kmopt=()
    kmods=$("$VM_DIR/guest-modules.sh" "$k") || { log "$k: guest modules failed"; return 1; }
    [ -n "$kmods" ] && kmopt=(-k "$kmods")
    rm -f "$ldir/ext4.img" "$ldir/swap.img"
    truncate -s 256M "$ldir/ext4.img" "$ldir/swap.img"
    # no orphan_file: 5.10 cannot write such a file system
    mkfs.ext4 -q -F -O ^orphan_file -L xpmem-ext4 "$ldir/ext4.img" ||
        { log "$k: mkfs.ext4 failed"; return 1; }
    mkswap -L xpmem-swap "$ldir/swap.img" > /dev/null 2>&1 || { log "$k: mkswap failed"; return 1; }
    t1=$(date +%s)
    initrd="$ldir/initramfs.cpio.gz"
    "$VM_DIR/mkinitramfs.sh" -m "$ko" -g "$gdir" -r "$rl" -o "$initrd" "${kmopt[@]}" || { log "$k: initramfs failed"; return 1; }

    # Time limits: the whole boot, and silence on the console.
    local sum=0 max=0 n=0 lim
    while read -r _ lim; do
        [ -n "$lim" ] || continue; sum=$((sum + lim)); n=$((n+1)); [ "$lim" -gt "$max" ] && max=$lim
    done < <(grep -v '^[[:space:]]*\(#\|$\)' "$rl")
    local boot_allow=${XPMEM_VM_BOOT_SECS:-300}
    [ "$k" = debug ] && boot_allow=${XPMEM_VM_BOOT_SECS:-900}
    # The guest enforces each test's limit; the host only needs a bound that
    # stops a stuck or babbling guest: capped, overridable.
    local cap=${XPMEM_VM_WALL_MAX:-1800}
    [ "$k" = debug ] && cap=${XPMEM_VM_WALL_MAX:-3600}
    local wall=$((boot_allow + sum + 45 * n + 60)) idle=$((max + 120))
    [ "$wall" -gt "$cap" ] && wall=$cap
    clog="$ldir/console.log"
    local attempt qpid tpid why qrc boot_failed
    rm -f "$ldir"/console.boot*.log
    # A boot that never reaches /init (before the module is even loaded) is
    # the emulator's or the host's trouble, e.g. TCG starved on a loaded
    # host: it is retried once; its log is kept as console.boot<N>.log.
    for attempt in 1 2; do
    log "$k: booting $(basename "$kimg") ($n tests, wall limit ${wall}s, idle limit ${idle}s); console: $clog"
    # --foreground: QEMU stays in our process group, so killing the runner's
    # group (ctest timeout, Ctrl-C) takes QEMU with it; the trap covers TERM.
    # Two NUMA nodes of 1 GiB, one vCPU each (page migration between
    # nodes); the disks are virtio-blk, told apart by their serial.
    timeout --foreground -k 10 "$wall" qemu-system-x86_64 -accel tcg -cpu max -m 2048 -smp 2,sockets=2,cores=1,threads=1 \
        -object memory-backend-ram,id=xm0,size=1024M -object memory-backend-ram,id=xm1,size=1024M \
        -numa node,nodeid=0,cpus=0,memdev=xm0 -numa node,nodeid=1,cpus=1,memdev=xm1 \
        -drive if=none,id=xd0,file="$ldir/ext4.img",format=raw,cache=unsafe \
        -device virtio-blk-pci,drive=xd0,serial=xpmem-ext4 \
        -drive if=none,id=xd1,file="$ldir/swap.img",format=raw,cache=unsafe \
        -device virtio-blk-pci,drive=xd1,serial=xpmem-swap \
        -name "xpmem-$k,debug-threads=on" -nographic -no-reboot -monitor none \
        -kernel "$kimg" -initrd "$initrd" -append "$append" \
        < /dev/null > "$clog" 2>&1 &
    qpid=$! tpid='' why=''
    trap 'kill "$qpid" 2>/dev/null; exit 130' INT TERM HUP
    if [ "${XPMEM_VM_QUIET:-0}" != 1 ]; then
        tail -n +1 -f --pid="$qpid" "$clog" | tr -d '\r' &
        tpid=$!
    fi
    local last_size=-1 last_change size now booted='' t_boot qemu=''
    last_change=$(date +%s); t_boot=$last_change; boot_failed=0
    : > "$ldir/vcpu-times.log"
    while kill -0 "$qpid" 2>/dev/null; do
        sleep 2
        size=$(stat -c %s "$clog" 2>/dev/null || echo 0); now=$(date +%s)
        [ -n "$qemu" ] || qemu=$(pgrep -P "$qpid" | head -n 1)
        [ -n "$qemu" ] && vcpu_sample "$qemu" $((now - t_boot)) >> "$ldir/vcpu-times.log"
        if [ -z "$booted" ]; then
            if grep -q '@@XPMEM-INIT' "$clog"; then booted=1
            elif [ $((now - t_boot)) -ge "$boot_allow" ]; then
                why="boot did not reach /init within ${boot_allow}s, QEMU killed"
                boot_failed=1
                kill "$qpid" 2>/dev/null; sleep 5; kill -9 "$qpid" 2>/dev/null
                break
            fi
        fi
        if [ "$size" != "$last_size" ]; then last_size=$size; last_change=$now
        elif [ $((now - last_change)) -ge "$idle" ]; then
            why="no console output for ${idle}s, QEMU killed"
            kill "$qpid" 2>/dev/null; sleep 5; kill -9 "$qpid" 2>/dev/null
            pkill -P "$qpid" 2>/dev/null
            break
        fi
    done
    wait "$qpid"; qrc=$?
    trap - INT TERM HUP
    [ -n "$tpid" ] && { sleep 0.5; kill "$tpid" 2>/dev/null; wait "$tpid" 2>/dev/null; }
        if [ "$boot_failed" = 1 ] && [ "$attempt" = 1 ]; then
            mv "$clog" "$ldir/console.boot1.log"
            log "$k: $why; retrying the boot once (log kept: $ldir/console.boot1.log)"
            continue
        fi
        break
    done
    [ "$qrc" = 124 ] || [ "$qrc" = 137 ] && [ -z "$why" ] && why="wall-clock limit ${wall}s reached, QEMU killed"
    if [ -z "$why" ]; then
        if tr -d '\r' < "$clog" | grep -q '@@XPMEM-FATAL'; then
            why=$(tr -d '\r' < "$clog" | grep -o '@@XPMEM-FATAL.*' | head -n 1 | cut -c15-)
        elif tr -d '\r' < "$clog" | grep -q 'Kernel panic'; then
            why="kernel panic: $(tr -d '\r' < "$clog" | grep -o 'Kernel panic.*' | head -n 1)"
        else why="guest stopped early (QEMU exit $qrc)"; fi
    fi
    t2=$(date +%s)
    echo
    # The results also go to summary.txt, from which .ci/run prints a digest
    # of every failed kernel at the end of its output.
    tr -d '\r' < "$clog" > "$ldir/console.txt" 2>/dev/null
    rm -f "$ldir/ext4.img" "$ldir/swap.img"
    {
        echo "== xpmem VM results: kernel $k ($(basename "$kimg")) =="
        analyse "$ldir/console.txt" "$rl" "$why" "$ldir"
        module_summary "$ko" "$ldir/console.txt" "$([ -z "$ko_override" ] && echo "$ldir/module/module-info")"
        echo "  times: prepare (root+module) $((t1 - t0)) s, boot-to-results $((t2 - t1)) s"
        echo "  console log: $clog"
        echo "$k: $P passed, $F failed, $S skipped"
    } > "$ldir/summary.txt"
    cat "$ldir/summary.txt"
    rm -f "$ldir/console.txt"
    tot_p=$((tot_p + P)); tot_f=$((tot_f + F)); tot_s=$((tot_s + S))
    [ "$F" = 0 ]
}

main() {
rc=0
for k in "${kernels[@]}"; do
    if ! run_kernel "$k"; then
        rc=1
        # a kernel that could not even boot counts as one failure
        [ -f "$lbase/${lname:-$k}/result.txt" ] || { tot_f=$((tot_f + 1)); echo "$k: could not run (see messages above)"; }
    fi
done
[ "$tot_f" -gt 0 ] && rc=1
echo "$tot_p passed, $tot_f failed, $tot_s skipped"
return $rc
}
main; exit $?
