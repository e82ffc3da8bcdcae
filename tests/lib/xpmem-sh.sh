# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Shell helpers shared by the scripts of the repository (sourced, not
# executed): tests/vm/lib.sh (so the test bed and the client tests), the
# packaging scripts (packaging/*.sh, through packaging/root-overlay.sh for
# those that use a build root) and .ci/run.  It only defines functions and
# XPMEM_SH_TOP; sourcing it again is harmless.
#
#   say <text...>      "<tag>: <text>" on stdout; <tag> is $XPMEM_SH_TAG,
#                      else the script's name without .sh
#   fail <text...>     say "FAIL: <text>", exit 1
#   skip <text...>     say "SKIP: <text>", exit 77 (CTest's skip code)
#   usage              the script's leading comment block (after the
#                      shebang and SPDX lines, up to the first line that is
#                      not a comment) without its "# "
#   xpmem_cache        the cache root: $XPMEM_CACHE, else
#                      ${XDG_CACHE_HOME:-$HOME/.cache}/xpmem
#   kconf              the kernel lines of tests/vm/kernels.conf (no
#                      comments, no blank lines); fields: name root base
#                      extra headers
#   kconf_line <name>  the line of kernel <name>
#   kconf_names        the kernel names, one a line

# The top of the source tree.
XPMEM_SH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

say()  { printf '%s: %s\n' "${XPMEM_SH_TAG:-$(basename "$0" .sh)}" "$*"; }
fail() { say "FAIL: $*"; exit 1; }
skip() { say "SKIP: $*"; exit 77; }

usage() {
    awk 'NR == 1 && /^#!/ { next }
         !on && (/^# SPDX-License-Identifier:/ || /^#[[:space:]]*$/) { next }
         /^#/ { on = 1; sub(/^# ?/, ""); print; next }
         { exit }' "$0"
}

xpmem_cache() {
    printf '%s\n' "${XPMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xpmem}"
}

kconf() { grep -v '^[[:space:]]*\(#\|$\)' "$XPMEM_SH_TOP/tests/vm/kernels.conf"; }
kconf_line() { kconf | awk -v n="$1" '$1 == n'; }
kconf_names() { kconf | awk '{print $1}'; }
