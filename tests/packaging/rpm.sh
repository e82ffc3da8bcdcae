#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the RPMs and check them without installing anything on this host.
#
#   tests/packaging/rpm.sh [OUTDIR]        (default build/packages/rpm/)
#
# 1. packaging/make-rpms.sh with kmod-xpmem for XPMEM_KMOD_KVER (default:
#    the newest /lib/modules/<kver>/build on this host, e.g. the bookworm
#    6.1 headers from linux-headers-amd64); XPMEM_TEST_RPM_NOBUILD=1 checks
#    the packages already in OUTDIR instead;
# 2. file lists (rpm -qlp), provides and requires (pkgconfig(xpmem),
#    pkgconfig(cray-xpmem), libxpmem.so.0()(64bit), ...), scriptlets
#    (dkms add/build/install and remove --all, with --rpm_safe_upgrade);
# 3. the kmod's xpmem.ko has the vermagic of that kernel (modinfo) and the
#    dkms.conf in xpmem-dkms has the version substituted;
# 4. rpm --root <scratch> --nodeps --noscripts -i of all of them: every file
#    listed lands in the scratch root; then rpm -e removes every one.
#    (--noscripts: the scratch root has no shell or dkms to run them.)
# Exit: 0 pass, 1 fail, 77 skipped (no rpmbuild).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
XPMEM_SH_TAG=packaging-rpm
# shellcheck source=../lib/xpmem-sh.sh
. "$top/tests/lib/xpmem-sh.sh"
outdir=${1:-$top/build/packages/rpm}
command -v rpmbuild >/dev/null || skip "rpmbuild not installed (apt-get install rpm)"

version=$(tr -d ' \n' < "$top/VERSION")
kver=${XPMEM_KMOD_KVER:-}
if [ -z "$kver" ]; then
    while read -r d; do
        [ -e "$d/Makefile" ] && kver=$(basename "$(dirname "$d")")
    done < <(printf '%s\n' /lib/modules/*/build | sort -V)
fi

if [ "${XPMEM_TEST_RPM_NOBUILD:-0}" != 1 ]; then
    mkdir -p "$(dirname "$outdir")"
    rm -f "$outdir"/*.rpm
    if [ -n "$kver" ]; then
        say "building RPMs with kmod-xpmem for $kver"
        XPMEM_KMOD_KVER=$kver "$top/packaging/make-rpms.sh" "$outdir" > "$outdir.log" 2>&1 ||
            { tail -n 40 "$outdir.log"; fail "make-rpms.sh (log: $outdir.log)"; }
    else
        say "no kernel headers under /lib/modules: building without kmod-xpmem"
        "$top/packaging/make-rpms.sh" "$outdir" > "$outdir.log" 2>&1 ||
            { tail -n 40 "$outdir.log"; fail "make-rpms.sh (log: $outdir.log)"; }
    fi
fi

rel=1
pkg() { find "$outdir" -maxdepth 1 -name "$1-$version-$rel*.$2.rpm" | sort | head -n1; }
lib=$(pkg libxpmem x86_64); dev=$(pkg libxpmem-devel x86_64)
tools=$(pkg xpmem-tools x86_64); dkms=$(pkg xpmem-dkms noarch)
kmod=$(pkg kmod-xpmem x86_64)
# shellcheck disable=SC2034 # srpm is read through ${!v} below
srpm=$(pkg xpmem src)
for v in lib dev tools dkms srpm; do [ -n "${!v}" ] || fail "no $v package in $outdir"; done
say "packages: $(cd "$outdir" && printf '%s ' *.rpm)"

# --- file lists ----------------------------------------------------------
has_file() { # rpm file...
    local r=$1; shift
    local list; list=$(rpm -qlp "$r" 2>/dev/null)
    for f; do
        grep -qxE "$f" <<<"$list" || fail "$(basename "$r") lacks a file matching $f"
    done
}
lacks_file() {
    local r=$1; shift
    local list; list=$(rpm -qlp "$r" 2>/dev/null)
    for f; do
        if grep -qE "$f" <<<"$list"; then fail "$(basename "$r") must not contain $f"; fi
    done
}
has_file "$lib" '/usr/lib64/libxpmem\.so\.0' '/usr/lib64/libxpmem\.so\.0\.[0-9.]+'
lacks_file "$lib" '\.so$' '\.a$' '\.la$' '\.h$'
has_file "$dev" '/usr/include/xpmem\.h' '/usr/include/xpmem/xpmem_uapi\.h' \
    '/usr/lib64/libxpmem\.so' '/usr/lib64/pkgconfig/xpmem\.pc' '/usr/lib64/pkgconfig/cray-xpmem\.pc' \
    '/usr/lib64/cmake/xpmem/xpmemConfig\.cmake' '/usr/lib64/cmake/xpmem/xpmemConfigVersion\.cmake' \
    '/usr/lib64/cmake/xpmem/xpmemTargets\.cmake' '/usr/share/man/man7/xpmem\.7(\.gz)?'
for m in version make remove get release attach detach init ioctl; do
    has_file "$dev" "/usr/share/man/man3/xpmem_$m\.3(\.gz)?"
done
lacks_file "$dev" '\.a$' '\.la$' 'libxpmem\.so\.0'
has_file "$tools" '/usr/sbin/xpmem-info' '/usr/share/man/man8/xpmem-info\.8(\.gz)?' \
    '/usr/bin/xpmem-bench' '/usr/share/man/man1/xpmem-bench\.1(\.gz)?'
has_file "$dkms" "/usr/src/xpmem-$version/dkms\.conf" "/usr/src/xpmem-$version/VERSION" \
    "/usr/src/xpmem-$version/driver/Kbuild" "/usr/src/xpmem-$version/include/uapi/xpmem/xpmem_uapi\.h" \
    '/usr/lib/udev/rules\.d/56-xpmem\.rules' '/usr/lib/modules-load\.d/xpmem\.conf'
lacks_file "$dkms" '\.o$' '\.ko$' '\.cmd$' '/etc/'
[ "$(rpm -qp --qf '%{ARCH}' "$dkms" 2>/dev/null)" = noarch ] || fail "xpmem-dkms is not noarch"
say "file lists: ok"

# --- provides / requires -------------------------------------------------
prov() { rpm -qp --provides "$1" 2>/dev/null; }
reqs() { rpm -qp --requires "$1" 2>/dev/null; }
prov "$lib" | grep -qx 'libxpmem.so.0()(64bit)' || fail "libxpmem does not provide libxpmem.so.0()(64bit)"
prov "$lib" | grep -qx 'libxpmem.so.0(XPMEM_1.0)(64bit)' || fail "libxpmem does not provide libxpmem.so.0(XPMEM_1.0)(64bit)"
prov "$dev" | grep -qx "pkgconfig(xpmem) = $version" || fail "libxpmem-devel does not provide pkgconfig(xpmem) = $version"
prov "$dev" | grep -qx "pkgconfig(cray-xpmem) = $version" || fail "libxpmem-devel does not provide pkgconfig(cray-xpmem)"
reqs "$dev" | grep -qx "libxpmem(x86-64) = $version-$rel" || fail "libxpmem-devel does not require libxpmem(x86-64) = $version-$rel"
reqs "$tools" | grep -qx 'libxpmem.so.0()(64bit)' || fail "xpmem-tools does not require libxpmem.so.0()(64bit)"
reqs "$dkms" | grep -qx 'dkms' || fail "xpmem-dkms does not require dkms"
say "provides/requires: ok ($(prov "$dev" | grep pkgconfig | tr '\n' ' ')$(prov "$lib" | grep 'so.0' | tr '\n' ' '))"

# --- scriptlets ----------------------------------------------------------
scripts=$(rpm -qp --scripts "$dkms" 2>/dev/null)
for re in "postinstall scriptlet" "dkms add -m xpmem -v $version .*--rpm_safe_upgrade" \
      "dkms build -m xpmem -v $version" "dkms install -m xpmem -v $version" \
      "preuninstall scriptlet" "dkms remove -m xpmem -v $version .*--all.*--rpm_safe_upgrade"; do
    grep -qE -- "$re" <<<"$scripts" || fail "xpmem-dkms scriptlets lack '$re'"
done
say "xpmem-dkms scriptlets: ok (dkms add/build/install in %post, remove --all in %preun)"

# --- DKMS tree content ---------------------------------------------------
scratch=$(mktemp -d "${TMPDIR:-/tmp}/xpmem-rpmtest.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && mkdir x && cd x && rpm2cpio "$dkms" | cpio -idm --quiet)
conf="$scratch/x/usr/src/xpmem-$version/dkms.conf"
grep -qx "PACKAGE_VERSION=\"$version\"" "$conf" || fail "dkms.conf in xpmem-dkms has no PACKAGE_VERSION=\"$version\""
grep -q '#MODULE_VERSION#' "$conf" && fail "dkms.conf in xpmem-dkms still has #MODULE_VERSION#"
say "xpmem-dkms dkms.conf: PACKAGE_VERSION=\"$version\""

# --- kmod ----------------------------------------------------------------
if [ -n "$kmod" ]; then
    kk=$(rpm -qlp "$kmod" 2>/dev/null | sed -n 's|^/lib/modules/\([^/]*\)/extra/xpmem/xpmem.ko$|\1|p')
    [ -n "$kk" ] || fail "kmod-xpmem has no /lib/modules/<kver>/extra/xpmem/xpmem.ko"
    [ -z "$kver" ] || [ "$kk" = "$kver" ] || fail "kmod-xpmem is for $kk, expected $kver"
    (cd "$scratch" && mkdir k && cd k && rpm2cpio "$kmod" | cpio -idm --quiet)
    vm=$(modinfo -F vermagic "$scratch/k/lib/modules/$kk/extra/xpmem/xpmem.ko")
    [ "${vm%% *}" = "$kk" ] || fail "kmod-xpmem's xpmem.ko has vermagic '$vm', want $kk"
    mv=$(modinfo -F version "$scratch/k/lib/modules/$kk/extra/xpmem/xpmem.ko")
    [ "$mv" = "$version" ] || fail "kmod-xpmem's xpmem.ko has version '$mv', want $version"
    rpm -qp --scripts "$kmod" 2>/dev/null | grep -q "depmod -a $kk" || fail "kmod-xpmem scriptlets do not run depmod -a $kk"
    say "kmod-xpmem: /lib/modules/$kk/extra/xpmem/xpmem.ko, vermagic '$vm', version $mv"
else
    say "kmod-xpmem: not built (no kernel headers)"
fi

# --- install into a scratch root -----------------------------------------
sroot="$scratch/root"
mkdir -p "$sroot"
# Debian's rpm keeps its database in ~/.rpmdb: use the usual place instead.
# (Its stderr also says to use alien: kept in a log, shown on failure.)
rerr="$scratch/rpm.err"
R() { rpm --root "$sroot" --dbpath /var/lib/rpm "$@" 2>>"$rerr" || { cat "$rerr"; return 1; }; }
R --initdb
set -- "$lib" "$dev" "$tools" "$dkms"
R --nodeps --noscripts -i "$@" || fail "rpm -i into the scratch root"
missing=0
for r; do
    while IFS= read -r f; do
        [ -e "$sroot$f" ] || [ -L "$sroot$f" ] || { say "missing after install: $f"; missing=1; }
    done < <(rpm -qlp "$r" 2>/dev/null)
done
[ $missing = 0 ] || fail "files missing in the scratch root"
n=$(R -qa | wc -l)
say "rpm --root: installed $n packages, every listed file present"
if [ -n "$kmod" ]; then
    # kmod-xpmem conflicts with xpmem-dkms: swap them.
    R --nodeps --noscripts -e xpmem-dkms || fail "rpm -e xpmem-dkms"
    R --nodeps --noscripts -i "$kmod" || fail "rpm -i kmod-xpmem"
    [ -f "$sroot/lib/modules/$kk/extra/xpmem/xpmem.ko" ] || fail "kmod-xpmem's module did not land"
    say "rpm --root: kmod-xpmem installed in place of xpmem-dkms"
fi
mapfile -t installed < <(R -qa --qf '%{NAME}\n')
R --nodeps --noscripts -e "${installed[@]}" || fail "rpm -e in the scratch root"
left=$(cd "$sroot" && find . -path ./var -prune -o ! -type d -print)
[ -z "$left" ] || fail "files left after rpm -e: $left"
say "rpm -e: nothing left outside /var"
say "PASS"
