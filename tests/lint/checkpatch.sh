#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The kernel's checkpatch.pl --strict on the driver and the UAPI header
# (CTest lint.checkpatch, label lint).
#
#   tests/lint/checkpatch.sh [file...]
#
# Default: the C sources and headers of driver/ and include/uapi/ that git
# tracks or would add (not build products such as driver/*.mod.c).
#
# checkpatch.pl, spelling.txt and const_structs.checkpatch come from
# Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz, .ci/deps.sh
# group debug-kernel); they are extracted once into
#   ${XPMEM_CACHE:-${XDG_CACHE_HOME:-~/.cache}/xpmem}/checkpatch/<package version>/
# (the cache key, printed). Known false positives are listed, one finding a
# line without its line number, in tests/lint/checkpatch.allow.
# Exit 0 clean, 1 findings, 77 (skip) without linux-source-6.1 (1 with
# XPMEM_LINT_STRICT=1, as in .ci/run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
pkg=linux-source-6.1
tarball=/usr/src/linux-source-6.1.tar.xz
# shellcheck source=../lib/xpmem-sh.sh
. "$here/../lib/xpmem-sh.sh"
cache=$(xpmem_cache)/checkpatch

ver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
if [ -z "$ver" ] || [ ! -f "$tarball" ]; then
    why="$pkg is not installed (.ci/deps.sh lint)"
    [ "${XPMEM_LINT_STRICT:-0}" = 1 ] && { echo "FAIL: $why (XPMEM_LINT_STRICT=1)"; exit 1; }
    echo "SKIP: $why"
    exit 77
fi
dir=$cache/$ver
if [ ! -f "$dir/checkpatch.pl" ]; then
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/.tmp.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    echo "checkpatch: extracting it from $tarball (once per $pkg version)"
    tar -C "$tmp" -xJf "$tarball" --wildcards --no-anchored --strip-components=2 \
        '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
    [ -f "$tmp/checkpatch.pl" ] || { echo "FAIL: no scripts/checkpatch.pl in $tarball"; exit 1; }
    rm -rf "$dir"
    mv "$tmp" "$dir" 2>/dev/null || [ -f "$dir/checkpatch.pl" ]
fi
echo "checkpatch: $pkg $ver, cache key $ver ($dir)"

cd "$top"
if [ $# -eq 0 ]; then
    if git rev-parse --git-dir >/dev/null 2>&1; then
        mapfile -t files < <(git ls-files -c -o --exclude-standard -- 'driver/*.[ch]' 'include/uapi/*.[ch]' |
                             while read -r f; do [ -f "$f" ] && echo "$f"; done | LC_ALL=C sort -u)
    else
        mapfile -t files < <(find driver include/uapi -type f -name '*.[ch]' ! -name '*.mod.c' | LC_ALL=C sort)
    fi
else
    files=("$@")
fi
allow=$here/checkpatch.allow
# It runs in a scratch copy of the files (and of include/, from which it
# learns the CamelCase names it accepts): checkpatch writes a cache file
# into its working directory, which is not to land in the source tree.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/findings
mkdir -p "$work/tree"
cp -r --parents include "${files[@]}" "$work/tree/"
for f in "${files[@]}"; do
    (cd "$work/tree" && GIT_DIR=$work/no-git perl "$dir/checkpatch.pl" --strict \
        --no-tree --root=. --terse --show-types --no-summary --file "$f") >> "$out" 2>&1 || true
done
# Findings: "<file>:<line>: <TYPE>:<NAME>: <message>"; anything else it
# printed (a perl error, say) also counts.
n=0 allowed=0
while IFS= read -r line; do
    [ -n "$line" ] || continue
    key=$(sed -E 's/^([^:]+):[0-9]+: /\1: /' <<<"$line")
    if [ -f "$allow" ] && grep -qxF -- "$key" <(grep -v '^[[:space:]]*\(#\|$\)' "$allow"); then
        allowed=$((allowed + 1))
        echo "  (allowed) $line"
        continue
    fi
    n=$((n + 1))
    echo "  $line"
done < "$out"
echo "checkpatch --strict: ${#files[@]} files, $n findings ($allowed allowed in ${allow#"$top"/})"
[ "$n" = 0 ]
