# SPDX-License-Identifier: LGPL-2.1-or-later
#
# cmake -DSRC=<source dir> -DDST=<dir> -P XpmemCopyModuleSources.cmake
#
# Copy what Kbuild needs for driver/ (driver sources, include/, VERSION)
# into DST, leaving build products of an in-tree build behind, so that the
# `module` target builds out of the source tree. Unchanged files keep their
# time stamps, so Kbuild rebuilds only what changed.
foreach(v SRC DST)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "${v} is not set")
  endif()
endforeach()
file(COPY "${SRC}/driver/" DESTINATION "${DST}/driver"
  FILES_MATCHING
    PATTERN "*.c" PATTERN "*.h" PATTERN "*.sh" PATTERN "Kbuild"
    PATTERN "Makefile"
    PATTERN "*.mod.c" EXCLUDE
    PATTERN "xpmem_compat_gen.h" EXCLUDE)
file(COPY "${SRC}/include/" DESTINATION "${DST}/include")
file(COPY "${SRC}/VERSION" DESTINATION "${DST}")
