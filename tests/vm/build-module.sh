#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build xpmem.ko for one kernel of the matrix.
#
#   build-module.sh <kernel-name> <out-dir>
#
# Prints the path of the module to boot on stdout (<out-dir>/xpmem.ko); the
# log goes to <out-dir>/module-build.log and a description of the module
# (how it was built, where it came from) to <out-dir>/module-info.
#
# How (XPMEM_VM_MODULE, default dkms):
#
# dkms    Root kernels: the module DKMS builds from the installed package.
#         The xpmem-dkms .deb of the current source tree is installed with
#         apt-get/dpkg in the kernel's root, DKMS builds and installs the
#         module for the root's kernel headers by itself (package postinst),
#         and the .ko DKMS put under /lib/modules/<kver>/ is the one booted
#         (decompressed on the host if DKMS compressed it).  The install goes
#         to a persistent overlay layer of the root,
#         $XPMEM_CACHE/dkms/<root>/upper, so the cached root itself stays
#         clean (the packaging tests install into it from scratch).
#         Cache: keyed on a hash of the DKMS source tree (what
#         packaging/install-dkms-source.sh installs from driver/, include/uapi,
#         VERSION, dkms.conf) and of the root: when neither changed, the
#         installed module is reused as it is (no apt, no dpkg).  Otherwise
#         the .deb is taken from packaging/make-debs.sh output when its
#         /usr/src/xpmem-<ver> tree has that hash (build/packages/,
#         build/packages/<codename>/, $XPMEM_VM_DEBS) and its dkms dependency
#         fits the root; else built from the working tree (make-debs.sh
#         -- -A: xpmem-dkms only, a few seconds; for a suite whose dkms is
#         older than the host's dh_dkms expects, e.g. bullseye, built in that
#         root with build-debs-in-root.sh) into $XPMEM_CACHE/dkms/debs/.
#         A libxpmem0 .deb of the same version next to it is installed too
#         when the root's libc is new enough (the guest tests still use the
#         build tree's libxpmem).
# kbuild  The plain Kbuild build (fast developer loop): driver/, include/ and
#         VERSION are synced into the cached root and built there with the
#         root's own compiler:
#           chroot <root> make -C /usr/src/linux-headers-<kver> M=/xpmem-build/<id>/driver modules
# Script kernels (debug) always use Kbuild: they have no Debian root; the
# script prints KERNEL=<bzImage> KDIR=<tree> and the module is built on the
# host with the host compiler against that tree.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

name=${1:?kernel name}; out=${2:?out dir}
mkdir -p "$out"; out=$(cd "$out" && pwd)
blog="$out/module-build.log"
: > "$blog"
[ -d "$SRC_DIR/driver" ] || die "no driver/ in $SRC_DIR"
read -r _ root _ _ headers <<<"$(kconf_line "$name")"
[ -n "${headers:-}" ] || die "unknown kernel '$name'"

SYNC_EXCL=(--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c'
           --exclude='.*.cmd' --exclude='Module.symvers' --exclude='modules.order'
           --exclude='.tmp_versions' --exclude='*.a' --exclude='xpmem_compat_gen.h')
# Copies by content (--checksum) without keeping source mtimes: a changed file
# gets a new mtime, so Kbuild rebuilds it even if its own mtime went back in
# time; unchanged files keep theirs, so rebuilds stay incremental.
sync_src() {    # sync_src <dest dir>
    mkdir -p "$1"
    rsync -rlp --checksum --delete "${SYNC_EXCL[@]}" "$SRC_DIR/driver/" "$1/driver/"
    rsync -rlp --checksum --delete "$SRC_DIR/include/" "$1/include/"
    rsync -rlp --checksum "$SRC_DIR/VERSION" "$1/VERSION"
}
# One build directory per source tree, so two checkouts never share objects.
tree_id=$(printf '%s' "$SRC_DIR" | md5sum | cut -c1-10)
JOBS=${XPMEM_JOBS:-2}

# --- DKMS ---------------------------------------------------------------
# tree_hash <dir>: hash of the file names and contents below <dir>.
tree_hash() {
    (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
        sha256sum | cut -c1-16
}
# deb_src_hash <deb> <version>: tree_hash of the deb's /usr/src/xpmem-<version>.
deb_src_hash() {
    local x; x=$(mktemp -d "${TMPDIR:-/tmp}/xpmem-deb.XXXXXX")
    dpkg-deb -x "$1" "$x" 2>/dev/null && [ -d "$x/usr/src/xpmem-$2" ] &&
        tree_hash "$x/usr/src/xpmem-$2"
    rm -rf "$x"
}
# deb_fits <deb> <dkms version of the root>: its "dkms (>= V)" is met.
deb_fits() {
    local need
    need=$(dpkg-deb -f "$1" Depends | sed -n 's/.*dkms (>= \([^)]*\)).*/\1/p')
    [ -z "$need" ] || dpkg --compare-versions "${2:-0}" ge "$need"
}

# dkms_module: sets ko (the module to boot) and writes module-info.
dkms_module() {
    local r kver ver codename stage hash rootid state stamp want have_ko
    r=$(root_dir "$root"); kver=$(root_kver "$root")
    ver=$(tr -d ' \n' < "$SRC_DIR/VERSION")
    # shellcheck source=/dev/null # the root's os-release
    codename=$(. "$r/etc/os-release" && echo "${VERSION_CODENAME:-$root}")
    stage=$(mktemp -d "${TMPDIR:-/tmp}/xpmem-dkms-src.XXXXXX")
    "$SRC_DIR/packaging/install-dkms-source.sh" --destdir "$stage" --version "$ver" >> "$blog"
    hash=$(tree_hash "$stage/usr/src/xpmem-$ver")
    rm -rf "$stage"
    rootid=$(md5sum < "$r/.xpmem-root" | cut -c1-10)
    state=$(xpmem_cache)/dkms/$root
    stamp=$state/stamp
    want="src=$hash root=$rootid kver=$kver"
    mkdir -p "$state"
    exec 8> "$state.lock"
    flock 8     # one install at a time per root
    echo "DKMS source tree hash $hash (xpmem $ver), root $r ($codename, kernel $kver)" >> "$blog"

    find_ko() {     # find_ko <root or layer>: the .ko DKMS installed (merged /usr or not)
        find "$1/lib/modules/$kver" "$1/usr/lib/modules/$kver" -name 'xpmem.ko*' \
            -path '*/updates/*' 2>/dev/null | head -n 1 || true
    }
    have_ko=
    if [ -f "$stamp" ] && [ "$(sed -n 1p "$stamp")" = "$want" ]; then
        have_ko=$(find_ko "$state/upper")
        local st
        st=$(dpkg-query --admindir="$state/upper/var/lib/dpkg" -W -f '${db:Status-Abbrev}' xpmem-dkms 2>/dev/null || true)
        [ "${st:0:2}" = ii ] || have_ko=
    fi
    if [ -n "$have_ko" ]; then
        echo "up to date: xpmem-dkms installed for this source tree, reusing the module" >> "$blog"
    else
        if [ -f "$stamp" ] && [ "$(sed -n 1p "$stamp" | sed 's/^src=[^ ]* //')" != "root=$rootid kver=$kver" ]; then
            echo "the root changed since the last install: starting a fresh layer" >> "$blog"
            safe_rm "$state/upper"; safe_rm "$state/work"
        fi
        rm -f "$stamp"
        # Not in a condition: set -e must stay in force inside.
        local rc
        set +e
        # fd 3: messages for the user (stderr), the rest goes to the log
        dkms_install "$r" "$kver" "$ver" "$codename" "$hash" "$state" 3>&2 >> "$blog" 2>&1
        rc=$?
        set -e
        [ $rc = 0 ] || { tail -n 40 "$blog" >&2; die "$name: DKMS install failed (log: $blog)"; }
        have_ko=$(find_ko "$state/upper")
        [ -n "$have_ko" ] || { tail -n 30 "$blog" >&2; die "$name: no xpmem.ko from DKMS for $kver (log: $blog)"; }
        # Keyed on the sources of the package installed (normally $hash).
        printf 'src=%s root=%s kver=%s\n' "$(cat "$state/stamp.src")" "$rootid" "$kver" > "$stamp"
    fi
    local inroot=${have_ko#"$state/upper"}
    [ -L "$r/lib" ] && inroot=${inroot#/usr}    # merged /usr: as DKMS names it
    case $have_ko in
    *.ko)     cp "$have_ko" "$out/xpmem.ko" ;;
    *.ko.xz)  xz -dc "$have_ko" > "$out/xpmem.ko" ;;
    *.ko.zst) zstd -q -dc "$have_ko" > "$out/xpmem.ko" ;;
    *.ko.gz)  gzip -dc "$have_ko" > "$out/xpmem.ko" ;;
    *) die "$name: unknown module file $have_ko" ;;
    esac
    local pkg dst
    pkg=$(dpkg-query --admindir="$state/upper/var/lib/dpkg" -W -f '${Package} ${Version}' xpmem-dkms)
    dst=$(sed -n 's/^dkms-status=//p' "$stamp.status" 2>/dev/null || true)
    {
        echo "how=DKMS"
        echo "path=$inroot"
        echo "where=root $root ($r), DKMS layer $state/upper"
        echo "package=$pkg"
        echo "dkms-status=$dst"
        if [ "${have_ko%.ko}" = "$have_ko" ]; then
            echo "note=decompressed from ${have_ko##*/} on the host"
        fi
    } > "$out/module-info"
    ko="$out/xpmem.ko"
}

# dkms_install <root> <kver> <version> <codename> <hash> <state dir>
# (log on stdout): install xpmem-dkms of source tree <hash> in the root's
# persistent layer and check that DKMS installed the module for <kver>.
dkms_install() (
    local r=$1 kver=$2 ver=$3 codename=$4 hash=$5 state=$6
    # shellcheck source=packaging/root-overlay.sh
    . "$SRC_DIR/packaging/root-overlay.sh"
    OVERLAY_UPPER=$state overlay_root "$r"
    set -e
    local dkms_ver have_dkms=1 deb='' d f
    # shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
    dkms_ver=$(in_root dpkg-query -W -f '${db:Status-Abbrev}${Version}' dkms 2>/dev/null || true)
    case $dkms_ver in "ii "*) dkms_ver=${dkms_ver#ii } ;; *) dkms_ver= ;; esac
    if [ -z "$dkms_ver" ]; then
        have_dkms=0
        dkms_ver=$(in_root apt-cache policy dkms | sed -n 's/^ *Candidate: *//p')
        if [ -z "$dkms_ver" ] || [ "$dkms_ver" = "(none)" ]; then
            in_root "${APT[@]}" update
            dkms_ver=$(in_root apt-cache policy dkms | sed -n 's/^ *Candidate: *//p')
        fi
    fi
    echo "dkms in the root: $dkms_ver ($([ $have_dkms = 1 ] && echo installed || echo candidate))"
    local cache
    cache=$(xpmem_cache)/dkms/debs
    for d in ${XPMEM_VM_DEBS:-} "$SRC_DIR/build/packages/$codename" "$SRC_DIR/build/packages" \
             "$cache/$hash-$codename" "$cache/$hash"; do
        for f in "$d"/xpmem-dkms_"$ver"-*_all.deb; do
            [ -f "$f" ] || continue
            deb_fits "$f" "$dkms_ver" || { echo "not for this root (dkms $dkms_ver): $f"; continue; }
            if [ "$(deb_src_hash "$f" "$ver")" = "$hash" ]; then deb=$f; break 2; fi
            echo "other source tree: $f"
        done
    done
    if [ -z "$deb" ]; then
        # Host-built first (the host's dh_dkms); in the root if that does
        # not fit its dkms.  A package set is filed under the hash of the
        # sources it holds (they may change while it is built).
        mkdir -p "$cache"
        exec 7> "$cache/.lock"
        flock 7
        # Another kernel's run may have built it meanwhile.
        for f in "$cache/$hash-$codename"/xpmem-dkms_*_all.deb "$cache/$hash"/xpmem-dkms_*_all.deb; do
            [ -f "$f" ] && deb_fits "$f" "$dkms_ver" && { deb=$f; break; }
        done
    fi
    if [ -z "$deb" ]; then
        local tmp=$cache/.tmp.$$ got t
        # The host tools to build it (.ci/deps.sh dkms-deb), installed
        # when missing, and a git checkout (make-debs.sh exports with git).
        for t in git dpkg-buildpackage dh dh_dkms; do
            command -v "$t" > /dev/null && continue
            log "$name: installing the tools to build the xpmem-dkms package (.ci/deps.sh dkms-deb)" 2>&3
            break
        done
        "$SRC_DIR/.ci/deps.sh" dkms-deb || { echo "building the xpmem-dkms package needs" \
            "dpkg-dev debhelper dh-dkms git build-essential on the host (.ci/deps.sh dkms-deb), or use XPMEM_VM_MODULE=kbuild"; exit 1; }
        git -C "$SRC_DIR" rev-parse --git-dir > /dev/null 2>&1 || { echo "building the xpmem-dkms package" \
            "needs a git checkout ($SRC_DIR is none), or use XPMEM_VM_MODULE=kbuild"; exit 1; }
        rm -rf "$tmp"
        echo "building xpmem-dkms from the working tree (make-debs.sh -- -A)"
        XPMEM_WORKTREE=1 "$SRC_DIR/packaging/make-debs.sh" "$tmp" -- -A
        deb=$(find "$tmp" -maxdepth 1 -name "xpmem-dkms_$ver-*_all.deb" | sort | head -n 1)
        [ -n "$deb" ] || { echo "make-debs.sh made no xpmem-dkms_$ver-*_all.deb"; exit 1; }
        if ! deb_fits "$deb" "$dkms_ver"; then
            echo "building xpmem-dkms in the $codename root (build-debs-in-root.sh, -A)"
            rm -rf "$tmp"
            # Its build dependencies stay installed in a layer of their own
            # for the next source change.
            XPMEM_WORKTREE=1 XPMEM_DEB_INDEP=1 OVERLAY_UPPER="$(xpmem_cache)/dkms/build-$root" \
                "$SRC_DIR/packaging/build-debs-in-root.sh" "$r" "$tmp"
            deb=$(find "$tmp" -maxdepth 1 -name "xpmem-dkms_$ver-*_all.deb" | sort | head -n 1)
            [ -n "$deb" ] || { echo "build-debs-in-root.sh made no xpmem-dkms_$ver-*_all.deb"; exit 1; }
            got=$(deb_src_hash "$deb" "$ver")-$codename
        else
            got=$(deb_src_hash "$deb" "$ver")
        fi
        [ "${got%-"$codename"}" = "$hash" ] ||
            echo "note: the sources changed during the package build; it holds source tree ${got%-"$codename"}"
        rm -rf "${cache:?}/$got"
        mv "$tmp" "$cache/$got"
        deb=$cache/$got/${deb##*/}
        # Keep the 8 newest package sets.
        find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%T@ %p\n' |
            sort -rn | tail -n +9 | cut -d' ' -f2- | while read -r d; do rm -rf "$d"; done
    fi
    exec 7>&-
    echo "package: $deb"
    local files=("$deb") lib need_libc root_libc
    lib=$(find "$(dirname "$deb")" -maxdepth 1 -name "libxpmem0_$(dpkg-deb -f "$deb" Version)_*.deb" |
          sort | head -n 1)
    if [ -n "$lib" ]; then
        need_libc=$(dpkg-deb -f "$lib" Depends | sed -n 's/.*libc6 (>= \([^)]*\)).*/\1/p')
        # shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
        root_libc=$(in_root dpkg-query -W -f '${Version}' libc6)
        if [ -z "$need_libc" ] || dpkg --compare-versions "$root_libc" ge "$need_libc"; then
            files+=("$lib")
        else
            echo "not installing $lib: it needs libc6 >= $need_libc, the root has $root_libc"
        fi
    fi
    rm -rf "$MNT/tmp/xpmem-debs"; mkdir -p "$MNT/tmp/xpmem-debs"
    cp "${files[@]}" "$MNT/tmp/xpmem-debs/"
    local args=()
    for f in "${files[@]}"; do args+=("/tmp/xpmem-debs/${f##*/}"); done
    local t0
    t0=$(date +%s)
    if [ $have_dkms = 1 ]; then
        # Same or another version: dpkg reinstalls; prerm removes the old
        # DKMS build, postinst builds the new one.
        echo "dpkg -i ${args[*]}"
        in_root dpkg -i "${args[@]}"
    else
        echo "apt-get install ${args[*]}"
        in_root "${APT[@]}" install "${args[@]}" ||
            { in_root "${APT[@]}" update && in_root "${APT[@]}" install "${args[@]}"; }
    fi
    in_root apt-get clean
    rm -rf "$MNT/tmp/xpmem-debs"
    echo "installed in $(( $(date +%s) - t0 )) s"
    local status
    status=$(in_root dkms status xpmem 2>&1 || true)
    echo "dkms status: $status"
    echo "$status" | grep -q "$kver.*: installed" ||
        { in_root sh -c 'tail -n 40 /var/lib/dkms/xpmem/*/build/make.log' || true
          echo "DKMS did not install xpmem for $kver"; exit 1; }
    local mko vm
    mko=$(in_root find "/lib/modules/$kver" -name 'xpmem.ko*' -path '*/updates/*' | head -n 1)
    [ -n "$mko" ] || { echo "no xpmem.ko under /lib/modules/$kver/updates"; exit 1; }
    vm=$(in_root modinfo -F vermagic "$mko")
    [ "${vm%% *}" = "$kver" ] || { echo "$mko: vermagic '$vm', want $kver"; exit 1; }
    echo "module: $mko (vermagic $vm)"
    printf 'dkms-status=%s\n' "$(echo "$status" | grep "$kver" | head -n 1)" > "$state/stamp.status"
    deb_src_hash "$deb" "$ver" > "$state/stamp.src"
)

mode=${XPMEM_VM_MODULE:-dkms}
case $mode in dkms|kbuild) ;; *) die "XPMEM_VM_MODULE=$mode: want dkms or kbuild" ;; esac
case $headers in script:*) mode=kbuild ;; esac
rm -f "$out/module-info"

t0=$(date +%s)
case $headers in
script:*)
    script="$SRC_DIR/${headers#script:}"
    [ -x "$script" ] || die "$name: $script not present (yet)"
    # shellcheck disable=SC2094 # both only append to the log
    info=$("$script" 2>>"$blog" | tee -a "$blog")
    build=$(script_var KDIR "$info")
    [ -d "$build" ] || die "$name: $script gave no BUILD dir (see $blog)"
    exec 9> "$out/.lock"
    flock 9
    sync_src "$out/src"
    make -C "$build" M="$out/src/driver" -j"$JOBS" modules >> "$blog" 2>&1 ||
        { tail -n 40 "$blog" >&2; die "$name: module build failed (log: $blog)"; }
    ko="$out/src/driver/xpmem.ko"
    ;;
*)
    root_ok "$root" || die "$name: root $(root_dir "$root") missing or incomplete; run tests/vm/mkroot.sh $name"
    if [ "$mode" = dkms ]; then
        dkms_module
        log "$name: module from DKMS ($(sed -n 's/^path=//p' "$out/module-info")) in $(( $(date +%s) - t0 )) s"
        echo "$ko"
        exit 0
    fi
    root_ok "$root" || die "$name: root $(root_dir "$root") missing or incomplete; run tests/vm/mkroot.sh $name"
    r=$(root_dir "$root"); kver=$(root_kver "$root")
    bdir=/xpmem-build/$tree_id
    mkdir -p "$r/xpmem-build"
    exec 9> "$r$bdir.lock"
    flock 9     # one build at a time per root and source tree
    sync_src "$r$bdir"
    echo "source: $SRC_DIR -> $r$bdir" >> "$blog"
    # /proc is needed (objtool of 7.3 reads it); it is mounted in a private
    # mount namespace, so it vanishes with the build and never leaks.
    # shellcheck disable=SC2016 # $1 and $@ are the inner sh's arguments
    unshare --mount --propagation private /bin/sh -c '
        mount -t proc proc "$1/proc" && shift && exec chroot "$@"' sh "$r" \
        "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
        make -C "/usr/src/linux-headers-$kver" M="$bdir/driver" -j"$JOBS" modules \
        >> "$blog" 2>&1 ||
        { tail -n 40 "$blog" >&2; die "$name: module build failed against $kver (log: $blog)"; }
    ko="$r$bdir/driver/xpmem.ko"
    ;;
esac
[ -f "$ko" ] || die "$name: build produced no xpmem.ko (log: $blog)"
cp "$ko" "$out/xpmem.ko"
{
    echo "how=Kbuild"
    echo "path=${ko#"${r:-}"}"
    case $headers in
    script:*) echo "where=host, against $build (no Debian root: always Kbuild)" ;;
    *) echo "where=root $root ($r), make -C /usr/src/linux-headers-$kver" ;;
    esac
} > "$out/module-info"
log "$name: module built in $(( $(date +%s) - t0 )) s"
echo "$out/xpmem.ko"
