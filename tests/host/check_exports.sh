#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check_exports.sh LIBRARY READELF NM
#
# libxpmem.so.0 must export exactly the nine API functions, each as
# NAME@@XPMEM_1.0 (a version node XPMEM_1.0 must be defined; binutils may
# also list it as an absolute symbol, which is ignored), and its SONAME
# must be libxpmem.so.0. Checked with readelf and, independently, nm.
set -u
lib=$1 readelf=$2 nm=$3
fail=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/want" <<LIST
xpmem_attach@@XPMEM_1.0
xpmem_detach@@XPMEM_1.0
xpmem_get@@XPMEM_1.0
xpmem_init@@XPMEM_1.0
xpmem_ioctl@@XPMEM_1.0
xpmem_make@@XPMEM_1.0
xpmem_release@@XPMEM_1.0
xpmem_remove@@XPMEM_1.0
xpmem_version@@XPMEM_1.0
LIST

# readelf: defined (Ndx not UND), global or weak, not local.
"$readelf" --dyn-syms -W "$lib" >"$tmp/readelf.out" || exit 1
awk '$1 ~ /^[0-9]+:$/ && $7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") \
	&& $8 != "XPMEM_1.0" { print $8 }' "$tmp/readelf.out" |
	LC_ALL=C sort >"$tmp/got.readelf"
if ! diff -u "$tmp/want" "$tmp/got.readelf"; then
	echo "FAIL: readelf --dyn-syms: exported set differs (- missing, + extra)"
	fail=1
fi

# nm -D --defined-only prints NAME@@VERSION on current binutils; the
# version node shows as an absolute symbol.
"$nm" -D --defined-only "$lib" >"$tmp/nm.out" || exit 1
awk 'NF >= 2 && $NF != "XPMEM_1.0" { print $NF }' "$tmp/nm.out" |
	LC_ALL=C sort >"$tmp/got.nm"
if ! diff -u "$tmp/want" "$tmp/got.nm"; then
	echo "FAIL: nm -D --defined-only: exported set differs (- missing, + extra)"
	fail=1
fi

# The version definition node.
if ! "$readelf" -V "$lib" | grep -q 'Name: XPMEM_1\.0$'; then
	echo "FAIL: no version definition XPMEM_1.0"
	fail=1
fi

soname=$("$readelf" -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" != libxpmem.so.0 ]; then
	echo "FAIL: SONAME is '$soname', want libxpmem.so.0"
	fail=1
fi

# The real file name starts with the SONAME.
real=$(readlink -f "$lib")
case ${real##*/} in
libxpmem.so.0.*) ;;
*) echo "FAIL: file name ${real##*/} does not start with libxpmem.so.0."; fail=1 ;;
esac

[ $fail = 0 ] && echo "PASS: $(wc -l <"$tmp/want") exported symbols, SONAME $soname, file ${real##*/}"
exit $fail
