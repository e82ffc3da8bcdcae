# SPDX-License-Identifier: GPL-2.0-only
# ctest: groff -wall -mandoc must format PAGE with no warning on stderr.
execute_process(COMMAND "${GROFF}" -wall -mandoc -Tutf8 -P-cbou "${PAGE}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
  message(FATAL_ERROR "groff on ${PAGE}: exit ${rc}\n${err}")
endif()
if(NOT out MATCHES "NAME")
  message(FATAL_ERROR "groff produced no NAME section for ${PAGE}")
endif()
