#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The README's first command on a fresh Debian machine (issue 13).
#
#   tests/vm/fresh-machine.sh [-l <log dir>] [-k]
#
# A debootstrap --variant=minbase root of bookworm with nothing else
# installed stands in for the fresh machine.  A copy of this source tree
# (a git clone holding the working tree's files, no build/) goes to
# /root/xpmem in it, and the first command of the README's "Quick start"
# (its first ```sh block, read from README.md, so the test follows the
# README) runs there, chrooted, as root, with a clean environment.  The test
# passes when that command succeeds and the demo printed that two processes
# shared memory.
#
# What makes it cost minutes, not a cold run:
#   - the minbase root is cached in $XPMEM_CACHE/fresh/minbase/<suite>-
#     <arch>-<key> (key: a hash of suite, mirror, debootstrap version and
#     the suite's release date in the host's package lists);
#     every run starts from a pristine copy of it (an overlay whose upper
#     layer is thrown away), so nothing a run installs leaks into the next;
#   - apt in the copy gets the host's /var/cache/apt/archives (read-only,
#     under an overlay; debs it had to download are kept in
#     $XPMEM_CACHE/fresh/archives for the next run) and a copy of the
#     host's package lists;
#   - $XPMEM_CACHE of the host (build roots, debootstrap debs, debug
#     kernel) is the copy's ~/.cache/xpmem, under an overlay so that the
#     host's stays as it is (the root of 6.1, the demo's kernel, is created
#     there first if missing), except dkms/: the DKMS state starts empty,
#     so the xpmem-dkms package is built and installed as on a fresh
#     machine (the step issue 13 was about).
# Inside the copy: /proc, /sys, /dev, the host's resolv.conf; the guest runs
# under TCG.  All mounts live in a private mount namespace.
#
# Options: -l <dir>  logs (output.log, the demo's console and module logs;
#                    default build/vm-logs/fresh)
#          -k        keep the run directory (prints where)
# Environment: XPMEM_FRESH_SUITE (bookworm), XPMEM_MIRROR (else the host's
#   apt sources), XPMEM_FRESH_MODULE (passed to the command as
#   XPMEM_VM_MODULE, e.g. kbuild; default: unset, as on a fresh machine).
# Exit 0 pass, 1 fail, 77 skip (not root, or debootstrap cannot work here).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# uri_of <suite>: the URI of the host's first enabled deb source for exactly
# <suite> (one-line *.list and deb822 *.sources).
uri_of() {
    local ad=${XPMEM_APT_DIR:-/etc/apt} files=() f
    [ -f "$ad/sources.list" ] && files+=("$ad/sources.list")
    for f in "$ad"/sources.list.d/*.list "$ad"/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    [ ${#files[@]} -gt 0 ] || return 0
    awk -v want="$1" '
        function has(list,   n, s, i) {
            n = split(list, s, /[ \t]+/)
            for (i = 1; i <= n; i++) if (s[i] == want) return 1
            return 0
        }
        function flush(   u) {
            if (types ~ /(^|[ \t])deb([ \t]|$)/ && uris != "" && enabled && has(suites)) {
                split(uris, u, /[ \t]+/); print u[1]; exit
            }
            types = ""; uris = ""; suites = ""; enabled = 1
        }
        BEGIN { enabled = 1 }
        FNR == 1 { if (prev ~ /\.sources$/) flush(); prev = FILENAME }
        FILENAME ~ /\.sources$/ {
            if ($0 ~ /^[ \t]*$/) { flush(); next }
            if ($0 ~ /^#/) next
            key = tolower($0); sub(/:.*/, "", key)
            val = $0; sub(/^[^:]*:[ \t]*/, "", val)
            if (key == "types") types = val
            else if (key == "uris") uris = val
            else if (key == "suites") suites = val
            else if (key == "enabled" && tolower(val) == "no") enabled = 0
            next
        }
        /^[ \t]*deb[ \t]/ {
            l = $0; sub(/#.*/, "", l); sub(/\[[^]]*\]/, "", l)
            n = split(l, w, /[ \t]+/); i = 1; while (w[i] == "") i++
            if (w[i+2] == want) { print w[i+1]; exit }
        }
        END { if (prev ~ /\.sources$/) flush() }
    ' "${files[@]}" | head -n 1
}

# --- in a private mount namespace (the script again, XPMEM_FRESH_INNER=1):
# mount the copy, chroot, run the command ----------------------------------
inner() {
    local m=$run/merged c
    mkdir -p "$run/upper" "$run/work" "$m" "$run/apt-upper" "$run/apt-work" \
             "$run/dkms" "$run/tmp"
    chmod 1777 "$run/tmp"
    mount -t overlay overlay -o "lowerdir=$minbase,upperdir=$run/upper,workdir=$run/work" "$m"
    mount -t proc proc "$m/proc"
    mount -t sysfs sysfs "$m/sys"
    mount --rbind /dev "$m/dev"
    mount --bind "$run/tmp" "$m/tmp"
    cp -L /etc/resolv.conf "$m/etc/resolv.conf" 2> /dev/null || true

    # apt: the Debian archive of the host (main), the host's debs and lists.
    local sec
    sec=$(uri_of "$suite-security")
    {
        echo "deb $mirror $suite main"
        echo "deb $mirror $suite-updates main"
        [ -z "$sec" ] || echo "deb ${sec%/} $suite-security main"
    } > "$m/etc/apt/sources.list"
    local lower=$fresh/archives
    [ -d /var/cache/apt/archives ] && lower=$lower:/var/cache/apt/archives
    mount -t overlay overlay -o "lowerdir=$lower,upperdir=$run/apt-upper,workdir=$run/apt-work" \
        "$m/var/cache/apt/archives"
    find /var/lib/apt/lists -maxdepth 1 -type f -name '*_dists_*' \
        -exec cp -p -t "$m/var/lib/apt/lists/" {} + 2> /dev/null || true

    # ~/.cache/xpmem: the host's cache under an overlay (what the command
    # writes there, e.g. a Kbuild build in a root, stays in the run), with
    # an empty DKMS state on a plain directory (the bed's own overlay needs
    # an upper layer that is no overlay) and without this test's own files.
    c=$m/root/.cache/xpmem
    mkdir -p "$c" "$run/cache-upper" "$run/cache-work"
    mount -t overlay overlay -o "lowerdir=$cache,upperdir=$run/cache-upper,workdir=$run/cache-work" "$c"
    mkdir -p "$c/dkms"
    mount --bind "$run/dkms" "$c/dkms"
    mount -t tmpfs -o size=1m tmpfs "$c/fresh"

    mkdir -p "$m/root/xpmem"
    mount --bind "$run/src/xpmem" "$m/root/xpmem"
    printf '%s\n' "$cmd" > "$m/root/readme-command.sh"

    local envv=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
                HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb)
    [ -z "${XPMEM_FRESH_MODULE:-}" ] || envv+=("XPMEM_VM_MODULE=$XPMEM_FRESH_MODULE")
    local rc=0
    chroot "$m" /usr/bin/env -i "${envv[@]}" \
        /bin/bash -c 'cd /root/xpmem && exec bash -e /root/readme-command.sh' < /dev/null || rc=$?

    # Logs of the demo, while the copy is still mounted.
    local d
    for d in "$m"/root/xpmem/build/vm-logs-demo/*/; do
        [ -d "$d" ] || continue
        mkdir -p "$logdir/vm-logs-demo"
        cp -a "$d" "$logdir/vm-logs-demo/" 2> /dev/null || true
    done
    # Debs apt had to download: kept for the next run.
    find "$run/apt-upper" -maxdepth 1 -type f -name '*.deb' -exec mv -f -t "$fresh/archives/" {} + || true
    return "$rc"
}
if [ "${XPMEM_FRESH_INNER:-}" = 1 ]; then
    inner
    exit
fi

logdir=$SRC_DIR/build/vm-logs/fresh
keep=0
while getopts "l:kh" o; do
    case $o in
    l) logdir=$OPTARG ;;
    k) keep=1 ;;
    *) usage; exit 2 ;;
    esac
done
skip() { log "SKIP: $*"; exit 77; }

[ "$(id -u)" = 0 ] || skip "must run as root (debootstrap, chroot, mounts)"
command -v debootstrap > /dev/null || skip "debootstrap is not installed (.ci/deps.sh testbed)"
unshare --mount --propagation private true 2> /dev/null ||
    skip "cannot create a mount namespace here (unshare --mount)"

suite=${XPMEM_FRESH_SUITE:-bookworm}
cache=$(xpmem_cache)
fresh=$cache/fresh
mkdir -p "$logdir"
logdir=$(cd "$logdir" && pwd)

# --- the README's first command ----------------------------------------
readme_command() {
    awk '
        /^## / { inqs = ($0 ~ /^## Quick start/) }
        inblk && /^```/ { found = 1; exit }
        inblk { print; next }
        inqs && /^```sh[ \t]*$/ { inblk = 1 }
        END { if (!found) exit 1 }
    ' "$SRC_DIR/README.md"
}
cmd=$(readme_command) || die "README.md: no \`\`\`sh block under \"## Quick start\""
[ -n "$cmd" ] || die "README.md: the first \`\`\`sh block under \"## Quick start\" is empty"

# --- the build root of the demo's kernel, cached on the host --------------
# The command sees $XPMEM_CACHE read-only (under an overlay): a root it had
# to create would be lost after the run.  demo.sh boots 6.1 by default.
"$VM_DIR/mkroot.sh" 6.1 || die "cannot create the build root of 6.1 (tests/vm/mkroot.sh 6.1)"

# --- the cached minbase root ---------------------------------------------
mirror=$(xpmem_mirror) || skip "no Debian mirror for debootstrap (host apt sources or XPMEM_MIRROR)"
arch=$(dpkg --print-architecture)
dbver=$(dpkg-query -W -f '${Version}' debootstrap 2>/dev/null || echo unknown)
# The suite's release as the host's package lists know it: a point release
# (seen once the host's apt-get update ran) gives a new minbase root.
release=$(cat /var/lib/apt/lists/*_dists_"${suite}"_InRelease 2>/dev/null | sed -n 's/^Date: //p' | head -n 1 || true)
key=$(printf '%s\n' "$suite" "$arch" "$mirror" "$dbver" "$release" | sha256sum | cut -c1-12)
minbase=$fresh/minbase/$suite-$arch-$key
mkdir -p "$fresh/minbase" "$fresh/debs" "$fresh/archives" "$fresh/runs"

t0=$(date +%s)
exec 9> "$fresh/minbase/.lock"
flock 9
if [ ! -f "$minbase/.xpmem-minbase" ]; then
    log "creating the minbase root $minbase (debootstrap --variant=minbase $suite)"
    tmp=$fresh/minbase/.tmp.$$
    safe_rm "$tmp"
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    gpg=(--keyring="$keyring")
    [ -f "$keyring" ] || gpg=(--no-check-gpg)
    if ! debootstrap --variant=minbase --cache-dir="$fresh/debs" "${gpg[@]}" \
            "$suite" "$tmp" "$mirror" > "$fresh/minbase/.log" 2>&1; then
        tail -n 20 "$fresh/minbase/.log" >&2
        safe_rm "$tmp"
        skip "debootstrap of $suite from the host's mirror failed (log: $fresh/minbase/.log)"
    fi
    printf 'suite=%s\narch=%s\ndebootstrap=%s\nrelease=%s\ncreated=%s\n' "$suite" "$arch" \
        "$dbver" "$release" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$tmp/.xpmem-minbase"
    mv "$tmp" "$minbase"
    # Roots of another key are not used again, once no run may still have
    # one as its lower layer.
    live=0
    for d in "$fresh"/runs/*/; do
        [ -d "$d" ] && kill -0 "$(basename "$d")" 2> /dev/null && live=1
    done
    if [ $live = 0 ]; then
        for d in "$fresh/minbase/$suite-$arch-"*; do
            [ "$d" = "$minbase" ] || safe_rm "$d"
        done
    fi
    log "minbase root ready in $(( $(date +%s) - t0 )) s"
fi
exec 9>&-

# Run directories left by a killed run.
for d in "$fresh"/runs/*/; do
    [ -d "$d" ] || continue
    p=$(basename "$d")
    kill -0 "$p" 2> /dev/null || safe_rm "$d"
done

run=$fresh/runs/$$
mkdir -p "$run"
# shellcheck disable=SC2317  # (called by the trap)
cleanup() {
    local rc=$?
    if [ "$keep" = 1 ]; then log "kept: $run"; else safe_rm "$run"; fi
    exit "$rc"
}
trap cleanup EXIT

# --- the copy of the source tree (what a newcomer has: a git clone) -------
existing() {    # the NUL-separated names on stdin that exist
    local f
    while IFS= read -r -d '' f; do
        if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
    done
}
t1=$(date +%s)
mkdir -p "$run/src"
if git -C "$SRC_DIR" rev-parse --git-dir > /dev/null 2>&1; then
    git -c safe.directory='*' clone -q --no-hardlinks "$SRC_DIR" "$run/src/xpmem"
    # The working tree as it is: tracked files with their changes, untracked
    # files that are not ignored, deleted files gone (never build/).
    (cd "$SRC_DIR" && git -c safe.directory='*' ls-files -z -d) | (cd "$run/src/xpmem" && xargs -0 -r rm -f --)
    (cd "$SRC_DIR" && git -c safe.directory='*' ls-files -z -c -o --exclude-standard |
        existing | tar --null -T - -cf -) | tar -C "$run/src/xpmem" -xf -
else
    log "$SRC_DIR is no git checkout: copying it without build*/"
    tar -C "$SRC_DIR" --exclude='./build*' -cf - . | (mkdir -p "$run/src/xpmem" && tar -C "$run/src/xpmem" -xf -)
fi
log "source tree copied in $(( $(date +%s) - t1 )) s"

rm -rf "$logdir/output.log" "$logdir/vm-logs-demo"
log "running the README's first command in a fresh $suite minbase root:"
printf '    %s\n' "$cmd" >&2
log "(all its output: $logdir/output.log)"
t2=$(date +%s)
export run minbase fresh cache suite mirror cmd logdir
# The whole output goes to the log; the bed's and the demo's own lines are
# shown as they come.
set +e
XPMEM_FRESH_INNER=1 unshare --mount --propagation private "$VM_DIR/fresh-machine.sh" 2>&1 | tee "$logdir/output.log" |
    grep --line-buffered -a -E '^(\[vm |deps: |demo|child |parent |xpmem module|console: )'
rc=${PIPESTATUS[0]}
set -e
dt=$(( $(date +%s) - t2 ))
if [ "$rc" = 0 ] && grep -q '^demo: two processes shared memory' "$logdir/output.log"; then
    log "PASS: the README's first command showed two processes sharing memory" \
        "(${dt} s; $(( $(date +%s) - t0 )) s in all; log: $logdir/output.log)"
    exit 0
fi
if [ "$rc" = 0 ]; then
    log "FAIL: the command exited 0 but the demo did not print \"two processes shared memory\""
else
    log "FAIL: the README's first command failed (exit $rc) in the fresh root"
fi
tail -n 40 "$logdir/output.log" >&2
log "log: $logdir/output.log"
exit 1
