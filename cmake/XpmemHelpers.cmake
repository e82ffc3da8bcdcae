# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Small helpers shared by the CMake files of xpmem.

include_guard(GLOBAL)

# Warning flags used for everything we compile ourselves.
set(XPMEM_WARNING_FLAGS -Wall -Wextra -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -Wpointer-arith -Wformat=2)

# xpmem_target_warnings(<target>)
function(xpmem_target_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C>:${XPMEM_WARNING_FLAGS}>)
  if(XPMEM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# xpmem_shared_library(<name> MAP <version-script> SOVERSION <n>
#                      VERSION <x.y.z> SOURCES <src>...)
#
# A shared library exporting exactly what its version script lists: hidden
# visibility by default, no undefined symbols, relinked when the map changes.
function(xpmem_shared_library name)
  cmake_parse_arguments(PARSE_ARGV 1 A "" "MAP;SOVERSION;VERSION" "SOURCES")
  if(NOT A_MAP OR NOT DEFINED A_SOVERSION OR NOT A_VERSION OR NOT A_SOURCES)
    message(FATAL_ERROR "xpmem_shared_library: MAP, SOVERSION, VERSION and SOURCES are required")
  endif()
  get_filename_component(map "${A_MAP}" ABSOLUTE)
  add_library(${name} SHARED ${A_SOURCES})
  set_target_properties(${name} PROPERTIES
    SOVERSION ${A_SOVERSION}
    VERSION ${A_VERSION}
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${map}")
  target_link_options(${name} PRIVATE
    "LINKER:--version-script=${map}"
    "LINKER:--no-undefined")
  xpmem_target_warnings(${name})
endfunction()

# The tests' functions (xpmem_guest_test, xpmem_host_test, ...): XpmemTest.cmake.

# xpmem_add_module_target(): `module` and `module-clean` custom targets that
# run Kbuild against KDIR on a copy of driver/, include/ and VERSION in
# <build>/module (the source tree stays clean; the module is
# <build>/module/driver/xpmem.ko). Never part of ALL.
function(xpmem_add_module_target)
  if(NOT DEFINED KDIR)
    execute_process(COMMAND uname -r OUTPUT_VARIABLE _krel
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    set(KDIR "/lib/modules/${_krel}/build" CACHE PATH
        "Kernel build tree for the `module` target")
  endif()
  find_program(XPMEM_MAKE NAMES make gmake)
  if(NOT XPMEM_MAKE)
    return()
  endif()
  set(out "${PROJECT_BINARY_DIR}/module")
  add_custom_target(module
    COMMAND ${CMAKE_COMMAND} -DSRC=${PROJECT_SOURCE_DIR} -DDST=${out}
            -P ${PROJECT_SOURCE_DIR}/cmake/XpmemCopyModuleSources.cmake
    COMMAND ${XPMEM_MAKE} -C "${KDIR}" "M=${out}/driver" modules
    COMMENT "Building the xpmem kernel module against ${KDIR}"
    USES_TERMINAL VERBATIM)
  add_custom_target(module-clean
    COMMAND ${CMAKE_COMMAND} -E rm -rf "${out}"
    COMMENT "Removing the xpmem kernel module build"
    VERBATIM)
endfunction()
