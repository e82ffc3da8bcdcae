#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-plots.sh XPMEM_BENCH OUTDIR - the benchmark's --plot output.
#
# Runs the baselines (no /dev/xpmem needed) in quick mode with --plot and
# checks that every selected section left a data file with numbers in it
# and a PNG image drawn by gnuplot, and that the gnuplot script is there.
# Exit 0 pass, 1 fail, 77 skip (no gnuplot: the benchmark then writes the
# data and the script only, which is also checked).
set -u
bench=$1
out=$2
rm -rf "$out"
mkdir -p "$out" || exit 1

fail() { echo "bench.plots: FAIL: $*"; exit 1; }

"$bench" --baselines-only --quick --quiet --plot "$out" > "$out/bench.txt" 2>&1 ||
	fail "xpmem-bench exited $? (output in $out/bench.txt)"
[ -s "$out/plots.gp" ] || fail "no plots.gp"
for s in copy touch control scale; do
	dat=$out/$s.dat
	[ -s "$dat" ] || fail "no $s.dat"
	grep -q '^[^#].*[0-9]' "$dat" || fail "$s.dat has no data line"
	grep -q "'$s.dat'" "$out/plots.gp" || fail "plots.gp does not plot $s.dat"
done
if ! command -v gnuplot > /dev/null 2>&1; then
	echo "bench.plots: SKIP: no gnuplot (data and script checked)"
	exit 77
fi
for s in copy touch control scale; do
	png=$out/$s.png
	[ -s "$png" ] || fail "no $s.png"
	# The PNG signature: \211 P N G \r \n \032 \n
	sig=$(od -An -tx1 -N8 "$png" | tr -d ' \n')
	[ "$sig" = 89504e470d0a1a0a ] || fail "$s.png is not a PNG ($sig)"
done
echo "bench.plots: PASS: copy, touch, control, scale: data, script and PNGs in $out"
exit 0
