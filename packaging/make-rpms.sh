#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the RPMs (libxpmem, libxpmem-devel, xpmem-tools, xpmem-dkms and, for
# a given kernel, kmod-xpmem) from the committed tree with rpmbuild. Works
# with Debian's rpm (--nodeps: build dependencies are not rpm packages there)
# as well as on Fedora/RHEL.
#
# Usage: packaging/make-rpms.sh [OUTDIR]
#   OUTDIR  default build/packages/rpm/ in the source tree
# Environment:
#   XPMEM_KMOD_KVER       build kmod-xpmem for this kernel release
#                         (its headers: /usr/src/kernels/KVER or
#                         /lib/modules/KVER/build, or XPMEM_KMOD_KDIR)
#   XPMEM_KMOD_KDIR       kernel build directory for kmod-xpmem
#   XPMEM_GIT_REF         what to export (default HEAD)
#   XPMEM_WORKTREE=1      export the tracked files as they are on disk
#   XPMEM_RPM_NODEPS=0    do not pass --nodeps (on Fedora/RHEL with the
#                         build dependencies installed)
#   XPMEM_RPM_DIST        value of %dist (e.g. .el9); default none
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
outdir=${1:-$top/build/packages/rpm}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
version=$(tr -d ' \n' < "$top/VERSION")
ref=${XPMEM_GIT_REF:-HEAD}

topdir=$(mktemp -d "${TMPDIR:-/tmp}/xpmem-rpmbuild.XXXXXX")
trap 'rm -rf "$topdir"' EXIT INT TERM
mkdir -p "$topdir/SOURCES" "$topdir/SPECS" "$topdir/BUILD" "$topdir/RPMS" "$topdir/SRPMS"

cd "$top"
tarball="$topdir/SOURCES/xpmem-$version.tar.gz"
if [ "${XPMEM_WORKTREE:-0}" = 1 ]; then
    stage="$topdir/stage/xpmem-$version"
    mkdir -p "$stage"
    # shellcheck disable=SC2016 # $f is the loop variable of the inner sh
    git ls-files -z | xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
        tar --null -T - -cf - | tar -C "$stage" -xf -
    tar -C "$topdir/stage" --owner=0 --group=0 -czf "$tarball" "xpmem-$version"
else
    git archive --format=tar.gz --prefix="xpmem-$version/" -o "$tarball" "$ref"
fi
# The version goes into the spec itself, so the source RPM rebuilds alone.
sed "s/^%{!?xpmem_version:.*/%global xpmem_version $version/" \
    packaging/rpm/xpmem.spec > "$topdir/SPECS/xpmem.spec"
grep -q "^%global xpmem_version $version\$" "$topdir/SPECS/xpmem.spec" ||
    { echo "make-rpms.sh: cannot set the version in the spec" >&2; exit 1; }

set -- --define "_topdir $topdir"
[ "${XPMEM_RPM_NODEPS:-1}" = 0 ] || set -- "$@" --nodeps
[ -z "${XPMEM_RPM_DIST:-}" ] || set -- "$@" --define "dist $XPMEM_RPM_DIST"
[ -z "${XPMEM_KMOD_KVER:-}" ] || set -- "$@" --define "kernel_version $XPMEM_KMOD_KVER"
[ -z "${XPMEM_KMOD_KDIR:-}" ] || set -- "$@" --define "kernel_source_dir $XPMEM_KMOD_KDIR"

nice rpmbuild -ba "$@" "$topdir/SPECS/xpmem.spec"

find "$topdir/RPMS" "$topdir/SRPMS" -name '*.rpm' -exec cp -f {} "$outdir/" \;
echo "make-rpms.sh: packages in $outdir:"
find "$outdir" -mindepth 1 -maxdepth 1 -printf '  %f\n' | sort
