# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Common helpers of the xpmem test bed (sourced, not executed).

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # for the scripts that source this file
SRC_DIR=$(cd "$VM_DIR/../.." && pwd)
# say, fail, skip, usage, xpmem_cache, kconf, kconf_line, kconf_names
# shellcheck source=../lib/xpmem-sh.sh
source "$VM_DIR/../lib/xpmem-sh.sh"

log()  { printf '[vm %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }

# Print the Debian archive URI to use.  $XPMEM_MIRROR wins; otherwise the
# first "deb" source of the host's apt configuration (one-line *.list and
# deb822 *.sources) that serves a plain Debian suite (not -security/-updates).
xpmem_mirror() {
    if [ -n "${XPMEM_MIRROR:-}" ]; then
        printf '%s\n' "${XPMEM_MIRROR%/}"; return 0
    fi
    local files=() f
    local ad=${XPMEM_APT_DIR:-/etc/apt}
    [ -f "$ad/sources.list" ] && files+=("$ad/sources.list")
    for f in "$ad"/sources.list.d/*.list "$ad"/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    [ ${#files[@]} -gt 0 ] || { log "no apt sources found; set XPMEM_MIRROR"; return 1; }
    local uri
    uri=$(awk '
        function plain(s) { return s ~ /^(oldoldstable|oldstable|stable|testing|unstable|sid|experimental|buster|bullseye|bookworm|trixie|forky|duke)$/ }
        function flush(   i, n, u, s, ok) {
            if (types ~ /(^|[ \t])deb([ \t]|$)/ && uris != "") {
                n = split(suites, s, /[ \t]+/); ok = 0
                for (i = 1; i <= n; i++) if (plain(s[i])) ok = 1
                if (ok && enabled && !done) { split(uris, u, /[ \t]+/); print u[1]; done = 1; exit }
            }
            types = ""; uris = ""; suites = ""; enabled = 1
        }
        BEGIN { enabled = 1 }
        FNR == 1 { if (prev ~ /\.sources$/) flush(); prev = FILENAME }
        FILENAME ~ /\.sources$/ {
            if ($0 ~ /^[ \t]*$/) { flush(); next }
            if ($0 ~ /^#/) next
            line = $0; key = tolower(line); sub(/:.*/, "", key)
            val = line; sub(/^[^:]*:[ \t]*/, "", val)
            if (key == "types") types = val
            else if (key == "uris") uris = val
            else if (key == "suites") suites = val
            else if (key == "enabled" && tolower(val) == "no") enabled = 0
            next
        }
        /^[ \t]*deb[ \t]/ {
            l = $0; sub(/#.*/, "", l); sub(/\[[^]]*\]/, "", l)
            n = split(l, w, /[ \t]+/); i = 1; while (w[i] == "") i++
            # w[i]=deb w[i+1]=uri w[i+2]=suite
            if (plain(w[i+2]) && !done) { print w[i+1]; done = 1; exit }
        }
        END { if (!done && prev ~ /\.sources$/) flush() }
    ' "${files[@]}" | head -n 1)
    [ -n "$uri" ] || { log "no Debian archive in apt sources; set XPMEM_MIRROR"; return 1; }
    printf '%s\n' "${uri%/}"
}

# Path of a root for a suite, and whether it is complete.
root_dir() { printf '%s/roots/%s\n' "$(xpmem_cache)" "$1"; }
root_ok() {
    local r; r=$(root_dir "$1")
    [ -f "$r/.xpmem-root" ] || return 1
    local kver; kver=$(sed -n 's/^kver=//p' "$r/.xpmem-root")
    [ -n "$kver" ] && [ -f "$r/usr/src/linux-headers-$kver/Makefile" ] &&
        [ -f "$r/boot/vmlinuz-$kver" ] && [ -x "$r/usr/bin/make" ]
}
root_kver() { sed -n 's/^kver=//p' "$(root_dir "$1")/.xpmem-root"; }

# Unmount everything below a directory (deepest first).
umount_below() {
    local d; d=$(readlink -f "$1")
    findmnt -rn -o TARGET | awk -v d="$d" 'index($0, d "/") == 1 || $0 == d' |
        sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

# Remove a directory tree only if nothing is mounted below it.
safe_rm() {
    local d; d=$(readlink -f "$1")
    [ -e "$d" ] || return 0
    umount_below "$d"
    if findmnt -rn -o TARGET | awk -v d="$d" 'index($0, d "/") == 1' | grep -q .; then
        die "refusing to remove $d: still mounted below"
    fi
    rm -rf --one-file-system "$d"
}

# script_var <NAME> <text>: value of NAME=<value> in the last line of <text>
# that has it (words separated by blanks), as printed by kernel scripts.
script_var() {
    printf '%s\n' "$2" | tr '[:blank:]' '\n' | sed -n "s/^$1=//p" | tail -n 1
}

# module_summary <xpmem.ko booted> <console log> [<module-info>]: the lines
# of run.sh's summary that say which module was booted: DKMS or Kbuild (from
# build-module.sh's module-info), where it came from, its srcversion and
# vermagic, and whether the guest loaded exactly that build (the guest
# prints /sys/module/xpmem/srcversion).
module_summary() {
    local ko=$1 clog=$2 info=${3:-} how path where pkg dst src vm guest
    if [ -n "$info" ] && [ -f "$info" ]; then
        how=$(sed -n 's/^how=//p' "$info"); path=$(sed -n 's/^path=//p' "$info")
        where=$(sed -n 's/^where=//p' "$info"); pkg=$(sed -n 's/^package=//p' "$info")
        dst=$(sed -n 's/^dkms-status=//p' "$info")
        echo "  module: $how $path"
        echo "          ($where)"
        [ -n "$pkg" ] && echo "          package $pkg; dkms status: $dst"
    else
        echo "  module: prebuilt $ko (run.sh -m)"
    fi
    src=$(modinfo -F srcversion "$ko" 2>/dev/null || true)
    vm=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
    guest=$(tr -d '\r' < "$clog" 2>/dev/null | sed -n 's/.*@@XPMEM-MODULE srcversion \([^ ]*\).*/\1/p' | head -n 1)
    echo "          srcversion ${src:-?}, vermagic '${vm% }'"
    if [ -z "$guest" ]; then echo "          loaded in the guest: not reported"
    elif [ "$guest" = "$src" ]; then echo "          loaded in the guest: yes (same srcversion)"
    else echo "          loaded in the guest: srcversion $guest, NOT this module"
    fi
}
