# SPDX-License-Identifier: LGPL-2.1-or-later
#
# ctest: the listing options of xpmem-info (--segments, --attachments PID).
# Usage errors exit 2; a listing exits 0 (root, module with its debugfs
# files: the JSON is valid) or 1 with a message saying why not (elsewhere,
# the usual build host).
# Usage: cmake -DXPMEM_INFO=<path> -P check-listing.cmake
function(run want)
  execute_process(COMMAND "${XPMEM_INFO}" ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc MATCHES "^(${want})$")
    message(FATAL_ERROR "xpmem-info ${ARGN} exited with '${rc}' (want ${want})\n${out}${err}")
  endif()
  set(rc "${rc}" PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

run(2 --attachments)
run(2 --attachments 12x)
run(2 --attachments 0)
run(2 --segments --attachments 1)

foreach(what "--segments" "--attachments;1")
  run("0|1" --json ${what})
  if(rc EQUAL 1)
    if(NOT err MATCHES "^xpmem-info: cannot read /sys/kernel/debug/xpmem/"
       AND NOT err MATCHES "^xpmem-info: no process 1")
      message(FATAL_ERROR "xpmem-info --json ${what}: exit 1 without saying why:\n${err}")
    endif()
  elseif(NOT CMAKE_VERSION VERSION_LESS 3.19)
    if(what STREQUAL "--segments")
      string(JSON n ERROR_VARIABLE jerr LENGTH "${out}" segments)
    else()
      string(JSON n ERROR_VARIABLE jerr LENGTH "${out}" attachments)
    endif()
    if(jerr)
      message(FATAL_ERROR "xpmem-info --json ${what}: invalid JSON (${jerr}):\n${out}")
    endif()
  endif()
endforeach()
