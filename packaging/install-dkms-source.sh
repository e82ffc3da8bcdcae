#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the xpmem DKMS source tree: <destdir><prefix>/src/xpmem-<version>/
# with dkms.conf (version substituted), VERSION, driver/ and include/uapi/,
# which is all driver/Kbuild needs. The Debian rules and the RPM spec both
# call this script, so the tree is the same on every distribution; it is
# also what a manual install uses:
#
#   sudo packaging/install-dkms-source.sh
#   sudo dkms install xpmem/$(cat VERSION)
#
# Options:
#   --destdir DIR   staging root (default: empty, i.e. the live system)
#   --prefix DIR    default /usr
#   --version VER   default: contents of VERSION
#   --srcdir DIR    the xpmem source tree (default: this script's ../)
set -eu

destdir=
prefix=/usr
version=
srcdir=$(cd "$(dirname "$0")/.." && pwd)

while [ $# -gt 0 ]; do
    case "$1" in
    --destdir) destdir=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --srcdir) srcdir=$2; shift 2 ;;
    -h|--help) sed -n '3,19p' "$0"; exit 0 ;;
    *) echo "install-dkms-source.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done

[ -n "$version" ] || version=$(tr -d ' \n' < "$srcdir/VERSION")
case "$version" in
''|*[!0-9A-Za-z.+~_-]*) echo "install-dkms-source.sh: bad version '$version'" >&2; exit 2 ;;
esac
for f in dkms.conf VERSION driver include/uapi; do
    if [ ! -e "$srcdir/$f" ]; then
        echo "install-dkms-source.sh: $srcdir/$f is missing" >&2
        exit 1
    fi
done

dest="$destdir$prefix/src/xpmem-$version"
rm -rf "$dest"
mkdir -p "$dest/include"

# Copy the sources only: never build products of an in-tree module build.
copy_tree() {
    (cd "$srcdir" && find "$1" \( -type d \( -name '.tmp_versions' -o -name '.git' \) -prune \) -o \
        \( -type f ! -name '*.o' ! -name '*.ko' ! -name '*.mod' ! -name '*.mod.c' \
           ! -name '*.cmd' ! -name '.*.cmd' ! -name '*.a' ! -name 'Module.symvers' \
           ! -name 'modules.order' ! -name '*.tmp' ! -name '.*.d' ! -name '*~' \
           ! -name 'xpmem_compat_gen.h' -print \)) |
    while IFS= read -r f; do
        mkdir -p "$dest/$(dirname "$f")"
        cp -p "$srcdir/$f" "$dest/$f"
        chmod u+rw,go+r,go-w "$dest/$f"
        # Scripts (probe.sh) stay runnable even if the export lost the bit.
        if [ "$(head -c 2 "$dest/$f")" = '#!' ]; then chmod 0755 "$dest/$f"; fi
    done
}
copy_tree driver
copy_tree include/uapi

install -m 0644 "$srcdir/VERSION" "$dest/VERSION"
sed "s/#MODULE_VERSION#/$version/g" "$srcdir/dkms.conf" > "$dest/dkms.conf"
chmod 0644 "$dest/dkms.conf"
find "$dest" -type d -exec chmod 0755 {} +

echo "installed DKMS source tree in $dest"
