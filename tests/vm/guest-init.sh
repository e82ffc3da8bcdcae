#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the xpmem test guest (busybox sh).  Prepares the guest environment,
# loads xpmem.ko, runs every test of /tests/runlist with a time limit, checks
# the kernel log after each one and reports on the console with marker lines:
#
#   @@XPMEM-BEGIN <test>
#   @@XPMEM-RESULT <test> PASS|FAIL|SKIP|TIMEOUT|SPLAT <seconds>
#   @@XPMEM-SPLAT <where> <kernel log line>
#   @@XPMEM-SUMMARY passed=N failed=N skipped=N
#   @@XPMEM-DONE
#
# then reboots, which ends QEMU (-no-reboot) on every kernel, ACPI or not.  The host (run.sh) reparses all of it.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export LD_LIBRARY_PATH=/usr/lib
export HOME=/root
# From the kernel command line (see run.sh): the kernel's name in the matrix,
# and XPMEM_VM_SLOW=1 on slow (debug) kernels, for tests to scale down.
export XPMEM_VM_KERNEL="${XPMEM_VM_KERNEL:-}" XPMEM_VM_SLOW="${XPMEM_VM_SLOW:-0}"
export XPMEM_VM_DISKS="${XPMEM_VM_DISKS:-1}"
umask 022

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /dev/hugepages
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t hugetlbfs -o mode=1777 hugetlbfs /dev/hugepages
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
exec </dev/null >/dev/console 2>&1

say() { echo "$*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# what a splat is: /splat.conf (tests/vm/splat.conf, shared with the host)
SPLAT_RE=$(sed -n 's/^splat=//p' /splat.conf)
BENIGN_RE=$(sed -n 's/^benign=//p' /splat.conf)

# Scan the kernel messages logged since the last call; print SPLAT lines.
# Returns 0 when a splat was found.
# check_kmsg WHERE [IGNORE_RE]: drain the kernel log, report its splats
# (lines matching IGNORE_RE, when given, are not checked).
check_kmsg() {
    where=$1
    dmesg -c > /tmp/.kmsg 2>/dev/null
    if [ -n "${2:-}" ]; then   # grep -v exits 1 when it drops every line
        grep -vE "$2" /tmp/.kmsg > /tmp/.kmsg2; mv /tmp/.kmsg2 /tmp/.kmsg
    fi
    grep -E "$SPLAT_RE" /tmp/.kmsg | grep -vE "$BENIGN_RE" > /tmp/.splat
    if [ -s /tmp/.splat ]; then
        while IFS= read -r l; do say "@@XPMEM-SPLAT $where $l"; done < /tmp/.splat
        return 0
    fi
    return 1
}

say "@@XPMEM-INIT kernel $(uname -r) name ${XPMEM_VM_KERNEL:-?} slow $XPMEM_VM_SLOW"
# Environment the tests rely on.
echo always > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
echo 64 > /proc/sys/vm/nr_hugepages 2>/dev/null
echo 120 > /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null
echo 1 > /proc/sys/kernel/sysrq 2>/dev/null
mkdir -p /data
mount -t tmpfs -o size=2m,mode=0755 data /data
cp /ro-file.src /data/ro-file && rm -f /ro-file.src
chown 0:0 /data/ro-file && chmod 0444 /data/ro-file
mount -o remount,ro /data
chmod 0755 / /tests /usr /usr/lib 2>/dev/null

# cgroup v2, with the memory controller for child groups.
mkdir -p /sys/fs/cgroup
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null &&
    echo +memory > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
# Two NUMA nodes (run.sh): no automatic NUMA balancing, which would move
# and protect every test's pages behind its back at random times.
[ -w /proc/sys/kernel/numa_balancing ] && echo 0 > /proc/sys/kernel/numa_balancing
# The disks (run.sh): the virtio-blk disk of serial xpmem-ext4, an ext4 file
# system, mounted on /mnt/ext4 (mode 1777); the one of serial xpmem-swap, a
# swap area left off (tests swapon/swapoff it themselves). Their modules
# first, where the kernel has them as modules. Tests find them in
# XPMEM_VM_EXT4 and XPMEM_VM_SWAP (empty: not there, e.g. on debug).
XPMEM_VM_EXT4='' XPMEM_VM_SWAP=''
if [ -f /usr/lib/xpmem-guest-modules/order ]; then
    while read -r m; do
        insmod "/usr/lib/xpmem-guest-modules/$m" || say "@@XPMEM-INFO insmod $m failed"
    done < /usr/lib/xpmem-guest-modules/order
fi
i=0; while [ "$XPMEM_VM_DISKS" != 0 ] && [ ! -e /sys/block/vdb ] && [ -d /sys/bus/virtio ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
for b in /sys/block/vd*; do
    [ -e "$b/serial" ] || continue
    case $(cat "$b/serial") in
    xpmem-ext4)
        mkdir -p /mnt/ext4
        if mount -t ext4 "/dev/${b##*/}" /mnt/ext4; then
            chmod 1777 /mnt/ext4; XPMEM_VM_EXT4=/mnt/ext4
        fi ;;
    xpmem-swap) XPMEM_VM_SWAP=/dev/${b##*/} ;;
    esac
done
export XPMEM_VM_EXT4 XPMEM_VM_SWAP
nn=0; for b in /sys/devices/system/node/node[0-9]*; do [ -d "$b" ] && nn=$((nn+1)); done
say "@@XPMEM-BED up $(uptime_s) numa-nodes $nn ext4 ${XPMEM_VM_EXT4:-none} swap ${XPMEM_VM_SWAP:-none} cgroup2 $(cat /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || echo none)"

passed=0; failed=0; skipped=0; splat_any=0
check_kmsg boot && splat_any=1

# kmemleak: report what boot itself left (ACPI caches on the debug kernel)
# now, then mark it grey, so that the scans at the end show only what the
# tests and the module leaked. A suspect shows up on the second scan. The
# scan's own "N new suspected memory leaks" line about boot objects is kept
# off the console and out of the check; anything else logged meanwhile is
# still checked. The periodic scan is switched off: only the scans here
# run, not one in the middle of a test.
if [ -e /sys/kernel/debug/kmemleak ]; then
    echo scan=off > /sys/kernel/debug/kmemleak
    cl=$(cut -f1 /proc/sys/kernel/printk)
    echo 4 > /proc/sys/kernel/printk
    sleep 6   # kmemleak ignores objects younger than 5 s
    echo scan > /sys/kernel/debug/kmemleak; echo scan > /sys/kernel/debug/kmemleak
    say "@@XPMEM-KMEMLEAK boot suspects cleared: $(grep -c '^unreferenced object' /sys/kernel/debug/kmemleak)"
    echo clear > /sys/kernel/debug/kmemleak
    check_kmsg boot 'kmemleak: [0-9]+ new suspected memory leaks' && splat_any=1
    echo "$cl" > /proc/sys/kernel/printk
fi

# The module.
if insmod /xpmem.ko; then
    i=0; while [ ! -c /dev/xpmem ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
    chmod 0666 /dev/xpmem 2>/dev/null
    say "@@XPMEM-MODULE loaded $(ls -l /dev/xpmem 2>&1)"
    say "@@XPMEM-MODULE srcversion $(cat /sys/module/xpmem/srcversion 2>/dev/null) version $(cat /sys/module/xpmem/version 2>/dev/null)"
else
    say "@@XPMEM-MODULE insmod-failed"
fi
check_kmsg module-load && splat_any=1

# Runs one test in its own session, killed after its limit.
run_test() {
    name=$1; limit=$2
    say "@@XPMEM-BEGIN $name"
    rm -f /tmp/.timeout
    t0=$(uptime_s)
    cd /tmp || true
    setsid "/tests/$name" &
    pid=$!
    (
        sleep "$limit"
        kill -0 "$pid" 2>/dev/null || exit 0
        touch /tmp/.timeout
        say "@@XPMEM-TIMEOUT $name after ${limit}s, killing"
        kill -KILL -- "-$pid" "$pid" 2>/dev/null
        sleep 30
        if kill -0 "$pid" 2>/dev/null; then
            # Unkillable (stuck in the kernel): report, dump, stop here.
            say "@@XPMEM-RESULT $name TIMEOUT $limit"
            echo w > /proc/sysrq-trigger
            sleep 1
            check_kmsg "$name"
            say "@@XPMEM-FATAL $name unkillable, stopping"
            say "@@XPMEM-SUMMARY passed=$passed failed=$((failed+1)) skipped=$skipped"
            reboot -f
        fi
    ) &
    wd=$!
    wait "$pid"; rc=$?
    kill "$wd" 2>/dev/null; wait "$wd" 2>/dev/null
    kill -KILL -- "-$pid" 2>/dev/null      # stray children of the test
    cd /
    secs=$(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }')
    if [ -e /tmp/.timeout ]; then st=TIMEOUT
    elif [ "$rc" = 0 ]; then st=PASS
    elif [ "$rc" = 77 ]; then st=SKIP
    else st=FAIL
    fi
    sleep 0.05  # let deferred splats (e.g. from exit-time teardown) reach the log
    if check_kmsg "$name"; then
        splat_any=1
        [ $st = PASS ] || [ $st = SKIP ] && st=SPLAT
    fi
    [ $st = FAIL ] && say "@@XPMEM-EXIT $name status $rc"
    case $st in
    PASS) passed=$((passed+1)) ;;
    SKIP) skipped=$((skipped+1)) ;;
    *) failed=$((failed+1)) ;;
    esac
    say "@@XPMEM-RESULT $name $st $secs"
}

while read -r name limit; do
    case $name in ''|'#'*) continue ;; esac
    [ -n "$limit" ] || limit=300
    run_test "$name" "$limit"
done < /tests/runlist

# Unload: a module that cannot be removed after the tests leaks references.
if grep -q '^xpmem ' /proc/modules; then
    if rmmod xpmem; then say "@@XPMEM-MODULE unloaded"
    else say "@@XPMEM-MODULE rmmod-failed"; say "@@XPMEM-RESULT module-unload FAIL 0"; failed=$((failed+1))
    fi
fi
check_kmsg module-unload && splat_any=1

if [ -e /sys/kernel/debug/kmemleak ]; then
    sleep 6   # kmemleak ignores objects younger than 5 s
    echo scan > /sys/kernel/debug/kmemleak; sleep 1
    echo scan > /sys/kernel/debug/kmemleak
    # debugfs files have size 0: read the report instead of testing -s.
    # Objects allocated by early boot (a backtrace through start_kernel,
    # before init ran: ACPI caches on the debug kernel) that the boot scans
    # did not yet suspect are not the tests' or the module's: counted, not
    # reported.
    leaks=$(awk '
        function flush() { if (blk != "") { if (blk ~ /start_kernel\+/) boot++; else printf "%s", blk } blk = "" }
        /^unreferenced object/ { flush() }
        { blk = blk $0 "\n" }
        END { flush(); if (boot) printf "@@BOOT %d\n", boot }' /sys/kernel/debug/kmemleak)
    nboot=$(printf '%s\n' "$leaks" | sed -n 's/^@@BOOT //p')
    leaks=$(printf '%s\n' "$leaks" | grep -v '^@@BOOT ')
    [ -n "$nboot" ] && say "@@XPMEM-KMEMLEAK early-boot objects suspected late, not counted: $nboot"
    if [ -n "$leaks" ]; then
        printf '%s\n' "$leaks" | while IFS= read -r l; do say "@@XPMEM-SPLAT kmemleak $l"; done
        splat_any=1
    else
        say "@@XPMEM-KMEMLEAK clean"
    fi
    # The scans' own "N new suspected memory leaks" line: what it counts
    # was reported above (or was early boot's).
    check_kmsg end 'kmemleak: [0-9]+ new suspected memory leaks' && splat_any=1
else
    check_kmsg end && splat_any=1
fi

say "@@XPMEM-SUMMARY passed=$passed failed=$failed skipped=$skipped splat=$splat_any"
say "@@XPMEM-DONE"
sync
reboot -f
