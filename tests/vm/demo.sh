#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Show xpmem working, from a fresh Debian machine (as root): install the
# packages needed, build the library and the demo, create the cached Debian
# bookworm build root, build xpmem.ko for its 6.1 kernel, boot that kernel in
# QEMU and run the demo there: two processes sharing memory.
#   tests/vm/demo.sh [kernel-name]     (default 6.1)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${XPMEM_BUILD_DIR:-$src/build}
"$src/.ci/deps.sh" testbed build
cmake -S "$src" -B "$build" >/dev/null
cmake --build "$build" --target vm-demo -j2 >/dev/null
XPMEM_VM_QUIET=${XPMEM_VM_QUIET:-1} "$here/run.sh" -k "${1:-6.1}" -g "$build/guest-demo" -l "$build/vm-logs-demo"
echo "console: $build/vm-logs-demo/${1:-6.1}/console.log"
grep -a -E '^(child|parent|demo|xpmem module)' "$build/vm-logs-demo/${1:-6.1}/console.log" | tr -d '\r' || true
