#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs shellcheck on every shell script of the repository (CTest lint.shellcheck,
# label lint): the *.sh files and the files whose first line is a sh/bash
# shebang (.ci/run), tracked or new (git ls-files; without git, find).
# Settings: .shellcheckrc at the top (sourced files are followed). A finding
# is fixed, or silenced on its line with
#   # shellcheck disable=SCxxxx # <one-line reason>
#   tests/lint/shellcheck.sh [file...]
# Exit 0 clean, 1 findings, 77 (skip) without shellcheck (1 with
# XPMEM_LINT_STRICT=1, as in .ci/run).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
if ! command -v shellcheck >/dev/null; then
    why="shellcheck is not installed (.ci/deps.sh lint)"
    [ "${XPMEM_LINT_STRICT:-0}" = 1 ] && { echo "FAIL: $why (XPMEM_LINT_STRICT=1)"; exit 1; }
    echo "SKIP: $why"
    exit 77
fi

is_shell() {
    case $1 in *.sh) return 0 ;; esac
    [ -f "$1" ] && head -n 1 "$1" 2>/dev/null | grep -qE '^#!(/usr)?/bin/(env )?(ba|da)?sh([[:space:]]|$)'
}
files=()
if [ $# -gt 0 ]; then
    files=("$@")
else
    if git rev-parse --git-dir >/dev/null 2>&1; then
        lister=(git ls-files -c -o --exclude-standard)
    else
        lister=(find . -path ./build -prune -o -type f -print)
    fi
    while IFS= read -r f; do
        f=${f#./}
        [ -f "$f" ] && is_shell "$f" && files+=("$f")
    done < <("${lister[@]}" | LC_ALL=C sort -u)
fi
echo "shellcheck $(shellcheck --version | sed -n 's/^version: //p'): ${#files[@]} scripts"
out=$(shellcheck -x -f gcc "${files[@]}" 2>&1); rc=$?
if [ -n "$out" ]; then
    printf '%s\n' "$out" | sed 's/^/  /'
fi
n=$(printf '%s\n' "$out" | grep -c ': \(error\|warning\|note\|style\|info\): ')
echo "shellcheck: $n findings in $(printf '%s\n' "$out" | grep ': \(error\|warning\|note\|style\|info\): ' | cut -d: -f1 | sort -u | grep -c .) of ${#files[@]} scripts"
[ "$rc" = 0 ] && [ -z "$out" ]
