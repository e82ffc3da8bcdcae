#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# installed_consumer.sh install BUILD_DIR PREFIX
#     cmake --install BUILD_DIR into PREFIX (a fresh directory).
# installed_consumer.sh pkg-config PREFIX NAME CC SRC
#     build SRC with `CC $(pkg-config --cflags --libs NAME)` against PREFIX
#     and run it (no device: it must see -1/ENOENT|ENODEV).
# installed_consumer.sh cmake PREFIX SRCDIR VERSION GENERATOR
#     configure SRCDIR (find_package(xpmem VERSION), xpmem::xpmem) against
#     PREFIX, build it and run it the same way.
# Exit 77 (skip) when pkg-config is not installed.
set -u
what=$1
shift

libdir_of() {
	for d in "$1"/lib "$1"/lib64 "$1"/lib/*-linux-gnu*; do
		[ -e "$d/libxpmem.so.0" ] && { echo "$d"; return; }
	done
	echo "FAIL: no libxpmem.so.0 under $1" >&2
	exit 1
}

run_consumer() { # PREFIX PROGRAM
	libdir=$(libdir_of "$1") || exit 1
	XPMEM_DEVICE="$1/no-such-device" LD_LIBRARY_PATH="$libdir" "$2" "$1/"
}

case $what in
install)
	build=$1 prefix=$2
	rm -rf "$prefix"
	cmake --install "$build" --prefix "$prefix" || exit 1
	for f in include/xpmem.h include/xpmem/xpmem_uapi.h; do
		[ -f "$prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
	done
	libdir=$(libdir_of "$prefix") || exit 1
	for f in pkgconfig/xpmem.pc pkgconfig/cray-xpmem.pc \
		 cmake/xpmem/xpmemConfig.cmake \
		 cmake/xpmem/xpmemConfigVersion.cmake \
		 cmake/xpmem/xpmemTargets.cmake libxpmem.so; do
		[ -e "$libdir/$f" ] || { echo "FAIL: $f not in $libdir"; exit 1; }
	done
	if ls "$libdir"/*.a >/dev/null 2>&1; then
		echo "FAIL: a static archive was installed"; exit 1
	fi
	echo "PASS: installed into $prefix"
	;;
pkg-config)
	prefix=$1 name=$2 cc=$3 src=$4
	command -v pkg-config >/dev/null ||
		{ echo "SKIP: pkg-config is not installed"; exit 77; }
	libdir=$(libdir_of "$prefix") || exit 1
	export PKG_CONFIG_PATH="$libdir/pkgconfig"
	export PKG_CONFIG_LIBDIR="$libdir/pkgconfig"
	flags=$(pkg-config --cflags --libs "$name") ||
		{ echo "FAIL: pkg-config $name"; exit 1; }
	echo "pkg-config --cflags --libs $name: $flags"
	case $flags in
	*"-L$libdir"*"-lxpmem"*) ;;
	*) echo "FAIL: $name.pc does not point at $libdir"; exit 1 ;;
	esac
	[ "$(pkg-config --modversion "$name")" = "$(pkg-config --modversion xpmem)" ] ||
		{ echo "FAIL: versions differ"; exit 1; }
	out="$prefix/../consumer-$name"
	# shellcheck disable=SC2086
	"$cc" -std=c99 -Wall -Wextra -pedantic -Werror "$src" $flags -o "$out" ||
		exit 1
	run_consumer "$prefix" "$out"
	;;
cmake)
	prefix=$1 src=$2 version=$3 generator=$4
	bdir="$prefix/../consumer-cmake"
	rm -rf "$bdir"
	cmake -S "$src" -B "$bdir" -G "$generator" \
		-DCMAKE_PREFIX_PATH="$prefix" -DXPMEM_WANT_VERSION="$version" ||
		exit 1
	cmake --build "$bdir" || exit 1
	run_consumer "$prefix" "$bdir/consumer"
	;;
*)
	echo "usage: $0 install|pkg-config|cmake ..."; exit 2 ;;
esac
