# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Common helpers of the client tests (tests/clients), sourced, not executed.
#
# Reuses the test bed's helpers (tests/vm/lib.sh: log, die, xpmem_mirror;
# through it tests/lib/xpmem-sh.sh: usage, xpmem_cache, kconf_line) and adds:
#   clients_dir              cache of built clients: $XPMEM_CACHE/clients
#   xpmem_build_dir          the CMake build tree holding libxpmem.so.0
#   xpmem_ensure_lib         build libxpmem in that tree if it is missing
#   xpmem_abi_key            "0.XPMEM_1.0": SONAME major + newest symbol node
#   xpmem_stage_dev <dir>    install headers + library of the build tree into <dir>
#   src_apt_init             private apt directory with a deb-src list
#   src_apt <apt args...>    apt-get with that private configuration
#   src_version <srcpkg>     the suite's version of a source package
#   time_it <var> <cmd...>   run a command, store its wall time (s) in <var>
# and the skeleton of the client build scripts (*-build.sh):
#   client_args "$@"         -f (FORCE=1), -p (PRINT=1) and -h; JOBS (make -j, 2 at most)
#   client_init              libxpmem built; ABI key (ABI), cache dir (CDIR)
#   client_version <srcpkg>  the suite's version: DVER (Debian), VER (upstream)
#   client_ucx <client> [<suite>]  the UCX build it runs over: UCX, UCXVER
#   client_cached <prefix>   one build per prefix at a time (flock <prefix>.lock);
#                            unless -f: print PREFIX= and exit if it is built;
#                            with -p exit 1 if it is not (nothing is built)
#   client_fetch <srcpkg> <work>  fresh <work>, LOGF, SRCDIR, libxpmem in XP
#   client_step <var> <what> <dir> <command...>  a niced build step
#   client_finish <prefix> <dest> <key=value...>  install, build-info.txt

CLIENTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../vm/lib.sh
source "$CLIENTS_DIR/../vm/lib.sh"

# Debian suite the client sources come from (the host's release).
CLIENTS_SUITE=${XPMEM_CLIENTS_SUITE:-bookworm}

clients_dir() { printf '%s/clients\n' "$(xpmem_cache)"; }

xpmem_build_dir() { printf '%s\n' "${XPMEM_BUILD_DIR:-$SRC_DIR/build}"; }

# Make sure the build tree has libxpmem.so.0 (configure/build it if not).
xpmem_ensure_lib() {
    local b; b=$(xpmem_build_dir)
    if [ ! -e "$b/libxpmem/libxpmem.so.0" ]; then
        log "building libxpmem in $b"
        [ -f "$b/CMakeCache.txt" ] || cmake -S "$SRC_DIR" -B "$b" >/dev/null || return 1
        nice -n 10 cmake --build "$b" --target xpmem -j2 >/dev/null || return 1
    fi
    [ -e "$b/libxpmem/libxpmem.so.0" ] || { log "no $b/libxpmem/libxpmem.so.0"; return 1; }
}

# ABI identity of the library: SONAME major and the newest version node,
# e.g. "0.XPMEM_1.0".  Clients are cached per ABI: a rebuilt library with the
# same ABI reuses them.
xpmem_abi_key() {
    local so; so="$(xpmem_build_dir)/libxpmem/libxpmem.so.0"
    local soname major node
    soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
    major=${soname##*.so.}
    node=$(readelf -V "$so" | awk '/Version definition/ {on = 1; next}
                                   /Version needs/ {on = 0}
                                   on && /Name:/ && !/BASE/ {print $NF}' |
           sort -V | tail -n 1)
    if [ -z "$major" ] || [ -z "$node" ]; then log "cannot read the ABI of $so"; return 1; fi
    printf '%s.%s\n' "$major" "$node"
}

# Install the library and its headers (lib + dev components) from the build
# tree into <dir>, with the library in <dir>/lib whatever libdir the tree uses.
xpmem_stage_dev() {
    local d=$1 b; b=$(xpmem_build_dir)
    rm -rf "$d"; mkdir -p "$d"
    cmake --install "$b" --prefix "$d" --component lib >/dev/null &&
        cmake --install "$b" --prefix "$d" --component dev >/dev/null || return 1
    if [ ! -e "$d/lib/libxpmem.so" ]; then
        local so; so=$(find "$d" -name libxpmem.so -print -quit)
        [ -n "$so" ] || { log "no libxpmem.so installed in $d"; return 1; }
        mkdir -p "$d/lib"; ln -sf "$(dirname "$so")"/libxpmem.so* "$d/lib/"
    fi
    [ -f "$d/include/xpmem.h" ] || { log "no xpmem.h installed in $d"; return 1; }
}

# A private apt configuration holding only a deb-src line for the suite, so
# that "apt-get source" works without touching the host's apt setup.  The
# archive URI comes from the host's apt sources (or $XPMEM_MIRROR).
SRC_APT_DIR=
src_apt_init() {
    [ -n "$SRC_APT_DIR" ] && return 0
    local m; m=$(xpmem_mirror) || return 1
    SRC_APT_DIR="$(clients_dir)/apt-$CLIENTS_SUITE"
    mkdir -p "$SRC_APT_DIR"/etc/sources.list.d "$SRC_APT_DIR"/etc/preferences.d \
             "$SRC_APT_DIR"/state/lists/partial "$SRC_APT_DIR"/cache/archives/partial
    local kr=/usr/share/keyrings/debian-archive-keyring.gpg opt=
    [ -f "$kr" ] && opt="[signed-by=$kr] "
    printf 'deb-src %s%s %s main\n' "$opt" "$m" "$CLIENTS_SUITE" > "$SRC_APT_DIR/etc/sources.list.new"
    if ! cmp -s "$SRC_APT_DIR/etc/sources.list.new" "$SRC_APT_DIR/etc/sources.list"; then
        mv "$SRC_APT_DIR/etc/sources.list.new" "$SRC_APT_DIR/etc/sources.list"
        rm -f "$SRC_APT_DIR/state/.updated"
    else
        rm -f "$SRC_APT_DIR/etc/sources.list.new"
    fi
    # Refresh the index at most once a day.
    if [ -z "$(find "$SRC_APT_DIR/state/.updated" -mmin -1440 2>/dev/null)" ]; then
        src_apt update -qq >&2 || { log "apt-get update (deb-src $CLIENTS_SUITE) failed"; return 1; }
        touch "$SRC_APT_DIR/state/.updated"
    fi
}
src_apt() {
    local d=$SRC_APT_DIR
    apt-get -o APT::Sandbox::User=root \
        -o Dir::Etc::SourceList="$d/etc/sources.list" \
        -o Dir::Etc::SourceParts="$d/etc/sources.list.d" \
        -o Dir::Etc::Preferences="$d/etc/preferences" \
        -o Dir::Etc::PreferencesParts="$d/etc/preferences.d" \
        -o Dir::State="$d/state" -o Dir::Cache="$d/cache" \
        -o Dir::State::status=/var/lib/dpkg/status "$@"
}
src_version() {
    local d=$SRC_APT_DIR
    apt-cache -o Dir::Etc::SourceList="$d/etc/sources.list" \
        -o Dir::Etc::SourceParts="$d/etc/sources.list.d" \
        -o Dir::State="$d/state" -o Dir::Cache="$d/cache" \
        -o Dir::State::status=/var/lib/dpkg/status showsrc "$1" |
        sed -n 's/^Version: //p' | sort -V | tail -n 1
}
# Upstream part of a Debian version: no epoch, no revision.
upstream_version() { local v=${1#*:}; printf '%s\n' "${v%-*}"; }

# Build dependencies, installed by name (apt-get build-dep would need deb-src
# in the host's own apt configuration).
ensure_pkgs() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
}

time_it() {
    local __v=$1 t0 rc; shift
    t0=$(date +%s)
    "$@"; rc=$?
    printf -v "$__v" '%s' "$(( $(date +%s) - t0 ))"
    return $rc
}

# The script's leading comment (usage of tests/lib/xpmem-sh.sh).
client_usage() { usage; }

client_args() {
    local o OPTIND=1
    FORCE=0 PRINT=0
    while getopts fph o; do
        case $o in f) FORCE=1 ;; p) PRINT=1 ;; *) client_usage; exit 2 ;; esac
    done
    JOBS=${XPMEM_CLIENTS_JOBS:-2}
    [ "$JOBS" -le 2 ] 2>/dev/null || JOBS=2
}

client_init() {
    xpmem_ensure_lib || die "libxpmem is not built"
    ABI=$(xpmem_abi_key) || die "cannot determine the libxpmem ABI"
    CDIR=$(clients_dir)
    mkdir -p "$CDIR"
}

client_version() {
    DVER=$(src_version "$1")
    [ -n "$DVER" ] || die "no source package '$1' in $CLIENTS_SUITE"
    # shellcheck disable=SC2034 # VER is for the build scripts that call this
    VER=$(upstream_version "$DVER")
}

# client_ucx <client> [<suite>]: the UCX build a client runs over, built
# if missing (ucx-build.sh of <suite>, default the current one), in UCX
# and UCXVER. With -p nothing is built: no cached UCX, no cached <client>
# over it (exit 1).
client_ucx() {
    local uopt=()
    [ "$PRINT" = 1 ] && uopt=(-p)
    UCX=$(XPMEM_CLIENTS_SUITE=${2:-$CLIENTS_SUITE} "$CLIENTS_DIR/ucx-build.sh" "${uopt[@]}" |
          sed -n 's/^PREFIX=//p' | tail -n 1) || true
    if [ ! -f "$UCX/.complete" ]; then
        [ "$PRINT" = 1 ] && { log "not built: UCX, so no $1 over it"; exit 1; }
        die "UCX is not built"
    fi
    # shellcheck disable=SC2034 # for the build scripts that call this
    UCXVER=$(sed -n 's/^upstream_version=//p' "$UCX/build-info.txt")
}

client_cached() {
    if [ "$PRINT" = 1 ] && [ ! -f "$1/.complete" ]; then log "not built: $1"; exit 1; fi
    # One build per key at a time: ctest runs the clients test of every
    # kernel at once, and they share the build.  The lock is held until
    # this script exits; whoever waited finds the installation complete.
    if [ "$PRINT" = 0 ]; then
        exec {CLIENT_LOCK_FD}> "$1.lock" || die "cannot open $1.lock"
        if ! flock -n "$CLIENT_LOCK_FD"; then
            log "waiting for another build of $1"
            flock "$CLIENT_LOCK_FD" || die "cannot lock $1.lock"
        fi
    fi
    [ "$FORCE" = 0 ] && [ -f "$1/.complete" ] || return 0
    log "cached: $1"
    echo "PREFIX=$1"
    exit 0
}

# The source of <srcpkg>=$DVER unpacked in a fresh <work> (SRCDIR), the
# build log (LOGF) and our library as clients see it after "make install"
# (XP: <XP>/include, <XP>/lib).
client_fetch() {
    local pkg=$1 work=$2
    rm -rf "$work"
    mkdir -p "$work"
    LOGF="$work/build.log"
    log "$pkg $DVER: source and build in $work (log: $LOGF)"
    (cd "$work" && src_apt source -qq "$pkg=$DVER") > "$LOGF" 2>&1 ||
        { tail -n 20 "$LOGF" >&2; die "apt-get source $pkg=$DVER failed"; }
    SRCDIR=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name "$pkg-*" -print -quit)
    [ -n "$SRCDIR" ] || die "no $pkg source tree in $work"
    XP="$work/xpmem-dev"
    xpmem_stage_dev "$XP" || die "cannot install libxpmem from $(xpmem_build_dir)"
}

# client_step <var> <what> <dir> <command...>: the command (one shell line)
# run in <dir> at nice 19, output appended to LOGF, its time stored in
# <var>; on failure the log's tail and die.
client_step() {
    local __cs_v=$1 what=$2 dir=$3
    shift 3
    time_it "$__cs_v" bash -c "cd '$dir' && nice -n 19 $*" >> "$LOGF" 2>&1 ||
        { tail -n 40 "$LOGF" >&2; die "$what failed"; }
}

# client_finish <prefix> <dest> <key=value...>: move <dest><prefix> (a
# DESTDIR install) to <prefix>, keep the build log and build-info.txt (the
# given fields plus the library, date and jobs), mark it complete, remove
# the work directory and print PREFIX=<prefix>.
client_finish() {
    local prefix=$1 dest=$2
    shift 2
    mv "$dest$prefix" "$prefix"
    cp "$LOGF" "$prefix/build.log"
    {
        printf '%s\n' "$@"
        echo "xpmem_abi=$ABI"
        echo "xpmem_build_dir=$(xpmem_build_dir)"
        echo "xpmem_lib_sha256=$(sha256sum "$XP/lib/libxpmem.so.0" | cut -d' ' -f1)"
        echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "jobs=$JOBS"
    } > "$prefix/build-info.txt"
    touch "$prefix/.complete"
    rm -rf "$(dirname "$LOGF")"
    echo "PREFIX=$prefix"
}

# stage_deps <dir> <libdir> <ldd search path>: copy the shared libraries of
# every ELF file below <dir> (ldd, with the search path) into <libdir>,
# except those already below <dir>, libxpmem (staged from the build tree)
# and the dynamic loader (packed by the bed).  Fails on a missing library.
stage_deps() {
    local d=$1 ldir=$2 sp=$3 f lib tmp
    tmp=$(mktemp -d)
    : > "$tmp/libs"
    while read -r f; do
        file -b "$f" | grep -q ELF || continue
        LD_LIBRARY_PATH="$sp" ldd "$f" > "$tmp/ldd" 2>&1
        if grep -q 'not found' "$tmp/ldd"; then
            cat "$tmp/ldd" >&2; rm -rf "$tmp"; log "$f: missing libraries"; return 1
        fi
        awk '$2 == "=>" && $3 ~ /^\// {print $3}' "$tmp/ldd" >> "$tmp/libs"
    done < <(find "$d" -type f)
    mkdir -p "$ldir"
    while read -r lib; do
        case $lib in
        "$d"/*|*/libxpmem.so*|*/ld-linux*) ;;
        *) [ -e "$ldir/$(basename "$lib")" ] || cp -L "$lib" "$ldir/" ;;
        esac
    done < <(sort -u "$tmp/libs")
    rm -rf "$tmp"
}

# strip_elfs <dir>: drop debug info of the ELF files below <dir>.
strip_elfs() {
    local f
    while read -r f; do
        file -b "$f" | grep -q ELF && strip --strip-debug "$f"
    done < <(find "$1" -type f)
    return 0
}
