#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian packages the project needs (only the missing ones).
#   .ci/deps.sh [group...]     groups: testbed build dkms-deb debug-kernel
#                              packaging lint (default: all)
# Scripts that need a group ask for it themselves (demo.sh: testbed build;
# build-module.sh: dkms-deb when it has to build the xpmem-dkms package).
# Several may run at once (ctest -j2): installs are serialised by a lock.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# ---- package lists, one per part of the project (keep them apart) --------
# test bed: QEMU guests, build roots, initramfs, the guest's disks
# (e2fsprogs: mkfs.ext4; util-linux: mkswap; xz-utils, zstd: modules)
PKGS_TESTBED="qemu-system-x86 python3 debootstrap debian-archive-keyring busybox-static cpio rsync perl gzip file ca-certificates wget procps util-linux e2fsprogs xz-utils zstd kmod"
# library, tests, CMake (gnuplot: xpmem-bench --plot, test bench.plots)
PKGS_BUILD="cmake gcc g++ make pkg-config gnuplot-nox"
# test bed, DKMS module mode (the default): build-module.sh builds the
# xpmem-dkms .deb of the working tree on the host (make-debs.sh -- -A:
# git, dpkg-buildpackage, dh, dh_dkms; build-essential: dpkg-checkbuilddeps
# wants it; cmake and pkg-config are in build)
PKGS_DKMS_DEB="dpkg-dev debhelper dh-dkms git build-essential"
# debug kernel (tests/vm/debug-kernel/build.sh)
# (mirrors BUILD_DEPS of that script, which also installs them itself)
PKGS_DEBUG_KERNEL="build-essential bc bison flex libelf-dev libssl-dev xz-utils cpio rsync kmod python3 linux-source-6.1"
# packaging (dkms, deb, rpm): filled in by the packaging part
PKGS_PACKAGING="dpkg-dev debhelper dh-dkms dkms lintian rpm fakeroot groff man-db linux-headers-amd64 git python3"
# lint (tests/lint, CTest label lint): shellcheck; checkpatch.pl is taken
# from the linux-source-6.1 tarball (xz, perl)
PKGS_LINT="shellcheck perl xz-utils linux-source-6.1"
# --------------------------------------------------------------------------

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(testbed build dkms-deb debug-kernel packaging lint)
pkgs=()
for g in "${groups[@]}"; do
    case $g in
    testbed) list=$PKGS_TESTBED ;;
    build) list=$PKGS_BUILD ;;
    dkms-deb) list=$PKGS_DKMS_DEB ;;
    debug-kernel) list=$PKGS_DEBUG_KERNEL ;;
    packaging) list=$PKGS_PACKAGING ;;
    lint) list=$PKGS_LINT ;;
    *) echo "deps.sh: unknown group '$g'" >&2; exit 2 ;;
    esac
    read -r -a words <<<"$list"
    pkgs+=("${words[@]}")
done
missing_pkgs() {
    missing=()
    local p
    for p in "${pkgs[@]}"; do
        [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
    done
}
missing_pkgs
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#pkgs[@]} packages present"
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "deps: missing ${missing[*]}; run as root" >&2; exit 1; }
# One install at a time; another one may have installed them meanwhile.
lockdir=/run/lock
[ -d "$lockdir" ] || lockdir=/tmp
exec 9> "$lockdir/xpmem-deps.lock"
flock 9
missing_pkgs
[ ${#missing[@]} -gt 0 ] || { echo "deps: all ${#pkgs[@]} packages present"; exit 0; }
echo "deps: installing ${missing[*]}"
apt-get update -q
apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
