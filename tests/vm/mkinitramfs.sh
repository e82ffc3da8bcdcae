#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Pack the initramfs of the xpmem test guest.
#
#   mkinitramfs.sh -m xpmem.ko -g <guest-dir> -o <out.cpio.gz> [-r <runlist>]
#                  [-k <modules-dir>]
#
# -k: kernel modules for the guest's disks (guest-modules.sh: *.ko and
# "order"), packed into /usr/lib/xpmem-guest-modules for /init to insmod.
#
# <guest-dir> holds the test executables and "runlist" (lines "<name> <secs>",
# run in that order), and optionally sbin/: programs the tests run (e.g.
# xpmem-info), packed into /usr/sbin with their libraries.  Packed: busybox (static), /init, the tests and every
# shared library they need (ldd, with the dynamic loader), libxpmem.so* in
# /usr/lib, the module, /etc/passwd and /etc/group with the test users, and
# the source of /data/ro-file.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ko='' gdir='' out='' rl='' kmods=''
while getopts m:g:o:r:k: o; do
    case $o in
    m) ko=$OPTARG ;; g) gdir=$OPTARG ;; o) out=$OPTARG ;; r) rl=$OPTARG ;;
    k) kmods=$OPTARG ;;
    *) die "usage: $0 -m xpmem.ko -g guest-dir -o out.cpio.gz" ;;
    esac
done
[ -f "$ko" ] || die "module '$ko' not found"
[ -n "$rl" ] || rl="$gdir/runlist"
[ -f "$rl" ] || die "no run list $rl"
bb=$(command -v busybox || true)
if [ -z "$bb" ] || ! file -L "$bb" | grep -q 'statically linked'; then
    die "a static busybox is needed (apt-get install busybox-static)"
fi

st=$(mktemp -d "${TMPDIR:-/tmp}/xpmem-initramfs.XXXXXX")
trap 'rm -rf "$st"' EXIT
mkdir -p "$st"/{usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,etc,tests,proc,sys,dev,tmp,data,root,run,var/tmp}
ln -s usr/bin "$st/bin"; ln -s usr/sbin "$st/sbin"
ln -s usr/lib "$st/lib"; ln -s usr/lib64 "$st/lib64"
cp "$bb" "$st/usr/bin/busybox"
for a in $("$bb" --list); do
    [ "$a" = busybox ] || ln -s busybox "$st/usr/bin/$a"
done
install -m 0755 "$VM_DIR/guest-init.sh" "$st/init"
install -m 0644 "$VM_DIR/splat.conf" "$st/splat.conf"
cp "$ko" "$st/xpmem.ko"
if [ -n "$kmods" ]; then
    [ -f "$kmods/order" ] || die "no $kmods/order"
    mkdir -p "$st/usr/lib/xpmem-guest-modules"
    while read -r m; do
        cp "$kmods/$m" "$st/usr/lib/xpmem-guest-modules/$m"
    done < "$kmods/order"
    cp "$kmods/order" "$st/usr/lib/xpmem-guest-modules/order"
fi

# /data/ro-file source: 1 MiB, byte i = (i*7+3) & 0xff.
perl -e 'print pack("C*", map { ($_ * 7 + 3) & 0xff } 0 .. 1048575)' > "$st/ro-file.src"

cat > "$st/etc/passwd" <<'EOT'
root:x:0:0:root:/root:/bin/sh
alice:x:1000:1000:alice:/tmp:/bin/sh
bob:x:1001:1001:bob:/tmp:/bin/sh
carol:x:1002:1002:carol:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOT
cat > "$st/etc/group" <<'EOT'
root:x:0:
alice:x:1000:
bob:x:1001:
carol:x:1002:
team:x:2000:alice,bob
nogroup:x:65534:
EOT
echo "hosts: files" > "$st/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n' > "$st/etc/hosts"

# Tests, in run-list order, plus their libraries.
copy_lib() {    # copy_lib <host path> -> same path inside, dereferenced
    local p=$1 d
    d=$(dirname "$p")
    case $d in /lib|/lib/*|/lib64|/lib64/*) d=/usr$d ;; esac
    mkdir -p "$st$d"
    [ -e "$st$d/$(basename "$p")" ] || cp -L "$p" "$st$d/$(basename "$p")"
    case $(basename "$p") in
    libxpmem.so*)   # the build tree's library, also in /usr/lib
        local f
        for f in "$(dirname "$p")"/libxpmem.so*; do
            [ -e "$st/usr/lib/$(basename "$f")" ] || cp -a "$f" "$st/usr/lib/"
        done ;;
    esac
}
ntests=0
while read -r name limit; do
    case $name in ''|'#'*) continue ;; esac
    [ -x "$gdir/$name" ] || die "test '$name' listed in runlist but $gdir/$name is missing"
    cp -L "$gdir/$name" "$st/tests/$name"
    echo "$name ${limit:-300}" >> "$st/tests/runlist"
    ntests=$((ntests + 1))
    if ldd "$gdir/$name" > "$st/.ldd" 2>&1; then
        grep -q 'not found' "$st/.ldd" && { cat "$st/.ldd" >&2; die "$name: missing libraries"; }
        awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' "$st/.ldd" |
            while read -r lib; do copy_lib "$lib"; done
    fi
done < "$rl"
# Programs the tests run (tools/CMakeLists.txt stages xpmem-info there).
if [ -d "$gdir/sbin" ]; then
    for p in "$gdir"/sbin/*; do
        if [ ! -f "$p" ] || [ ! -x "$p" ]; then continue; fi
        cp -L "$p" "$st/usr/sbin/$(basename "$p")"
        if ldd "$p" > "$st/.ldd" 2>&1; then
            grep -q 'not found' "$st/.ldd" && { cat "$st/.ldd" >&2; die "$p: missing libraries"; }
            awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' "$st/.ldd" |
                while read -r lib; do copy_lib "$lib"; done
        fi
    done
fi
rm -f "$st/.ldd"
[ -f "$st/tests/runlist" ] || die "empty run list"
# Extra files some tests may use (e.g. data files), if staged.
[ -d "$gdir/data" ] && cp -a "$gdir/data" "$st/tests/data"

(cd "$st" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
log "initramfs $out: $ntests tests, $(du -k "$out" | cut -f1) KiB"
