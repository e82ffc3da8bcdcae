#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# header_check.sh MODE COMPILER LANG STD LIBDIR SRC INCDIR...
#
# MODE run:     compile SRC as LANG (c or c++) with -std=STD -Wall -Wextra
#               -pedantic -Werror against <xpmem.h>, link it to libxpmem in
#               LIBDIR and run it without a device.
# MODE asserts: the same compile, first unchanged (must succeed), then with
#               a copy of <xpmem/xpmem_uapi.h> whose struct xpmem_cmd_make
#               has an extra field: the header's own layout assertions
#               must make that compile fail.
set -u
mode=$1 cc=$2 lang=$3 std=$4 libdir=$5 src=$6
shift 6
incs=
for d in "$@"; do incs="$incs -I$d"; done

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
flags="-x $lang -std=$std -Wall -Wextra -pedantic -Werror"

case $mode in
run)
	# shellcheck disable=SC2086
	$cc $flags $incs "$src" -x none -o "$tmp/prog" -L"$libdir" -lxpmem ||
		{ echo "FAIL: <xpmem.h> does not compile as $lang -std=$std"; exit 1; }
	XPMEM_DEVICE="$tmp/no-such-device" LD_LIBRARY_PATH="$libdir" "$tmp/prog"
	;;
asserts)
	uapi=
	for d in "$@"; do
		[ -f "$d/xpmem/xpmem_uapi.h" ] && uapi="$d/xpmem/xpmem_uapi.h"
	done
	[ -n "$uapi" ] || { echo "FAIL: xpmem/xpmem_uapi.h not found"; exit 1; }
	# shellcheck disable=SC2086
	$cc $flags $incs -c "$src" -o "$tmp/ok.o" ||
		{ echo "FAIL: unchanged header does not compile"; exit 1; }
	mkdir "$tmp/xpmem"
	sed 's/__u32 __pad0;/__u32 __pad0; __u32 __pad_extra;/' "$uapi" \
		>"$tmp/xpmem/xpmem_uapi.h"
	grep -q __pad_extra "$tmp/xpmem/xpmem_uapi.h" ||
		{ echo "FAIL: could not alter struct xpmem_cmd_make"; exit 1; }
	# shellcheck disable=SC2086
	if $cc $flags -I"$tmp" $incs -c "$src" -o "$tmp/bad.o" \
		>"$tmp/log" 2>&1; then
		echo "FAIL: a wrong xpmem_cmd_make layout compiled as $lang -std=$std"
		exit 1
	fi
	if ! grep -Eq "__xpmem_abi_check|static assert|static_assert" "$tmp/log"; then
		cat "$tmp/log"
		echo "FAIL: the compile failed, but not on a layout assertion"
		exit 1
	fi
	echo "PASS: layout assertions fire as $lang -std=$std"
	;;
*)
	echo "usage: $0 run|asserts ..."; exit 2 ;;
esac
