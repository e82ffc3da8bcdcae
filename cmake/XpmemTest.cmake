# SPDX-License-Identifier: LGPL-2.1-or-later
#
# How a test of xpmem is declared: one call per test, from any
# CMakeLists.txt of the tree, in any order (nothing here reads what another
# directory declared; xpmem_finalize_tests() does, once, at the end).
#
#   xpmem_guest_test(<name> ...)       a program run in the QEMU guests,
#                                      on every kernel of the matrix
#   xpmem_guest_long_test(<name> ...)  long runs of guest programs in one boot of a
#                                      kernel: a CTest test of its own
#   xpmem_host_test(<name> ...)        a CTest test on the build host
#                                      (label host; no /dev/xpmem)
#   xpmem_test(<name> ...)             any other CTest test (a script:
#                                      lint, a VM boot, packaging, clients)
#
# Every test program is built the same way (xpmem_test_build_options):
# C99 with the GNU extensions (-std=gnu99; the tests use Linux and GNU
# interfaces, and define _GNU_SOURCE or get it from xpmem_guest_common),
# the project's warning set XPMEM_WARNING_FLAGS (-Werror with
# XPMEM_WERROR), include/uapi on the include path. Every CTest test has a
# label and a time limit. Exit code 77 of a test means "skipped" (for the
# guest tests, in the guest's result table; for host tests, to CTest).

include_guard(GLOBAL)
include(XpmemHelpers)

set(XPMEM_VM_DEFAULT_TIMEOUT 300 CACHE STRING
  "Per-test time limit (seconds) inside the QEMU guest")
option(XPMEM_VM_STREAM "vm-<kernel> tests stream the guest console" OFF)

# The guest's staging directory: the guest tests and their run list
# ("<test> <time limit in s>" a line), read by tests/vm/run.sh.
set(XPMEM_GUEST_STAGE ${CMAKE_BINARY_DIR}/guest)

function(_xpmem_not_finalized what)
  get_property(done GLOBAL PROPERTY XPMEM_TESTS_FINALIZED)
  if(done)
    message(FATAL_ERROR "${what} declared after xpmem_finalize_tests() "
      "(the end of the top-level CMakeLists.txt)")
  endif()
endfunction()

# xpmem_test_build_options(<target>): the C standard, warnings and include
# path of every test program (and of the guest-test helpers).
function(xpmem_test_build_options target)
  set_target_properties(${target} PROPERTIES
    C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS ON)
  xpmem_target_warnings(${target})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/include/uapi)
endfunction()

function(_xpmem_test_program target)
  cmake_parse_arguments(PARSE_ARGV 1 A "" "" "SOURCES;LIBS;DEFINES")
  add_executable(${target} ${A_SOURCES})
  target_link_libraries(${target} PRIVATE ${A_LIBS})
  if(A_DEFINES)
    target_compile_definitions(${target} PRIVATE ${A_DEFINES})
  endif()
  xpmem_test_build_options(${target})
  foreach(src IN LISTS A_SOURCES)
    get_filename_component(src "${src}" ABSOLUTE)
    set_property(GLOBAL APPEND PROPERTY XPMEM_TEST_SOURCES "${src}")
  endforeach()
endfunction()

# xpmem_test(<name> COMMAND <cmd>... LABELS <label>... TIMEOUT <s>
#            [SKIP_RETURN_CODE <n>] [COST <n>] [ENVIRONMENT <VAR=value>...]
#            [FIXTURES_SETUP <f>...] [FIXTURES_REQUIRED <f>...]
#            [RESOURCE_LOCK <r>] [WORKING_DIRECTORY <dir>] [WILL_FAIL])
#
# The CTest test <name> (exactly that name) with these properties (see
# set_tests_properties). LABELS and TIMEOUT are required: every test is
# selected by some label (ctest -L/-LE, the tiers of .ci/run) and bounded.
function(xpmem_test name)
  cmake_parse_arguments(PARSE_ARGV 1 A "WILL_FAIL"
    "TIMEOUT;SKIP_RETURN_CODE;COST;RESOURCE_LOCK;WORKING_DIRECTORY"
    "COMMAND;LABELS;ENVIRONMENT;FIXTURES_SETUP;FIXTURES_REQUIRED")
  if(NOT BUILD_TESTING)
    return()
  endif()
  _xpmem_not_finalized("test ${name}")
  if(A_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "xpmem_test(${name}): unknown arguments '${A_UNPARSED_ARGUMENTS}'")
  endif()
  if(NOT A_COMMAND OR NOT A_LABELS OR NOT A_TIMEOUT)
    message(FATAL_ERROR "xpmem_test(${name}): COMMAND, LABELS and TIMEOUT are required")
  endif()
  if(A_WORKING_DIRECTORY)
    add_test(NAME ${name} COMMAND ${A_COMMAND} WORKING_DIRECTORY ${A_WORKING_DIRECTORY})
  else()
    add_test(NAME ${name} COMMAND ${A_COMMAND})
  endif()
  # one property a call: a list value (ENVIRONMENT) stays one value
  set_tests_properties(${name} PROPERTIES LABELS "${A_LABELS}")
  set_tests_properties(${name} PROPERTIES TIMEOUT ${A_TIMEOUT})
  foreach(p SKIP_RETURN_CODE COST RESOURCE_LOCK ENVIRONMENT FIXTURES_SETUP
            FIXTURES_REQUIRED)
    if(DEFINED A_${p})
      set_tests_properties(${name} PROPERTIES ${p} "${A_${p}}")
    endif()
  endforeach()
  if(A_WILL_FAIL)
    set_tests_properties(${name} PROPERTIES WILL_FAIL TRUE)
  endif()
endfunction()

# xpmem_host_test(<name> {SOURCES <src>... [TARGET <exe>] [LIBS <lib>...]
#                         | COMMAND <cmd>...}
#                 [ARGS <arg>...] [LABELS <label>...] [TIMEOUT <s>]
#                 [ENVIRONMENT <VAR=value>...] [FIXTURES_SETUP <f>...]
#                 [FIXTURES_REQUIRED <f>...] [WILL_FAIL])
#
# A CTest test <name> on the build host: labels host and LABELS, time limit
# TIMEOUT (default 60 s), exit code 77 means skipped. With SOURCES, builds
# the test program <exe> (default: <name> with . replaced by _; several
# tests may share one TARGET, built once) linked to LIBS and runs it with
# ARGS; with COMMAND, runs that command with ARGS.
function(xpmem_host_test name)
  cmake_parse_arguments(PARSE_ARGV 1 A "WILL_FAIL" "TIMEOUT;TARGET"
    "SOURCES;COMMAND;LIBS;ARGS;LABELS;ENVIRONMENT;FIXTURES_SETUP;FIXTURES_REQUIRED")
  if(NOT BUILD_TESTING)
    return()
  endif()
  if(A_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "xpmem_host_test(${name}): unknown arguments '${A_UNPARSED_ARGUMENTS}'")
  endif()
  if(A_SOURCES)
    if(A_TARGET)
      set(exe ${A_TARGET})
    else()
      string(REPLACE "." "_" exe "${name}")
    endif()
    if(NOT TARGET ${exe})
      _xpmem_test_program(${exe} SOURCES ${A_SOURCES} LIBS ${A_LIBS})
    endif()
    set(cmd $<TARGET_FILE:${exe}> ${A_ARGS})
  elseif(A_COMMAND)
    set(cmd ${A_COMMAND} ${A_ARGS})
  else()
    message(FATAL_ERROR "xpmem_host_test(${name}): SOURCES or COMMAND required")
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 60)
  endif()
  set(more)
  foreach(p ENVIRONMENT FIXTURES_SETUP FIXTURES_REQUIRED)
    if(A_${p})
      list(APPEND more ${p} ${A_${p}})
    endif()
  endforeach()
  if(A_WILL_FAIL)
    list(APPEND more WILL_FAIL)
  endif()
  xpmem_test(${name} COMMAND ${cmd} LABELS host ${A_LABELS}
    TIMEOUT ${A_TIMEOUT} SKIP_RETURN_CODE 77 ${more})
endfunction()

# xpmem_guest_test(<name> [SOURCES <src>...] [STANDALONE] [LIBS <lib>...]
#                  [DEFINES <def>...] [TIMEOUT <s>])
#
# The guest test program <name> (exit 0 pass, 1 fail, 77 skip), built from
# SOURCES (default <name>.c) and linked to xpmem_guest_common (the helpers
# of tests/common, libxpmem, threads, _GNU_SOURCE and XT_EXPECTED_VERSION;
# not with STANDALONE) and LIBS. It is staged into build/guest/ and run in
# every vm-<kernel> test with the time limit TIMEOUT (seconds, default
# XPMEM_VM_DEFAULT_TIMEOUT, 300). The guest runs guest-env-check first,
# then the tests in the order they were declared.
function(xpmem_guest_test name)
  cmake_parse_arguments(PARSE_ARGV 1 A "STANDALONE" "TIMEOUT"
    "SOURCES;LIBS;DEFINES")
  if(NOT BUILD_TESTING)
    return()
  endif()
  _xpmem_not_finalized("guest test ${name}")
  if(A_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "xpmem_guest_test(${name}): unknown arguments '${A_UNPARSED_ARGUMENTS}'")
  endif()
  if(NOT A_SOURCES)
    set(A_SOURCES ${name}.c)
  endif()
  if(NOT A_STANDALONE)
    list(PREPEND A_LIBS xpmem_guest_common)
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT ${XPMEM_VM_DEFAULT_TIMEOUT})
  endif()
  if(NOT A_TIMEOUT MATCHES "^[1-9][0-9]*$")
    message(FATAL_ERROR "xpmem_guest_test(${name}): TIMEOUT '${A_TIMEOUT}' is not a number of seconds")
  endif()
  _xpmem_test_program(${name} SOURCES ${A_SOURCES} LIBS ${A_LIBS}
    DEFINES ${A_DEFINES})
  set_property(GLOBAL APPEND PROPERTY XPMEM_GUEST_TESTS ${name})
  set_property(GLOBAL PROPERTY XPMEM_GUEST_TEST_TIMEOUT_${name} ${A_TIMEOUT})
endfunction()

# xpmem_vm_kernels(<var>): the kernels of tests/vm/kernels.conf, in order,
# in <var>. A kernel built by a script of ours (field script:<path>, the
# debug kernel) has that path (relative to the tree) in <var>_SCRIPT_<k>
# and the name of the CTest fixture that builds it, which every test
# booting the kernel requires, in <var>_FIXTURE_<k> (tests/vm declares the
# fixture's test, vm-<k>-kernel).
function(xpmem_vm_kernels var)
  set(conf ${PROJECT_SOURCE_DIR}/tests/vm/kernels.conf)
  file(STRINGS ${conf} lines REGEX "^[ \t]*[^# \t]")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${conf})
  set(names)
  foreach(l IN LISTS lines)
    string(REGEX MATCH "^[ \t]*([^ \t]+)" m "${l}")
    set(k ${CMAKE_MATCH_1})
    list(APPEND names ${k})
    string(REGEX MATCH "script:([^ \t]+)" script "${l}")
    if(script)
      set(${var}_SCRIPT_${k} ${CMAKE_MATCH_1} PARENT_SCOPE)
      set(${var}_FIXTURE_${k} xpmem-kernel-${k} PARENT_SCOPE)
    else()
      unset(${var}_SCRIPT_${k} PARENT_SCOPE)
      unset(${var}_FIXTURE_${k} PARENT_SCOPE)
    endif()
  endforeach()
  set(${var} ${names} PARENT_SCOPE)
endfunction()

# The environment of a test that boots a guest: the console is not
# streamed (vm-logs/<name>/console.log only) unless XPMEM_VM_STREAM=ON.
function(xpmem_vm_quiet_env var)
  if(XPMEM_VM_STREAM)
    set(${var} XPMEM_VM_QUIET=0 PARENT_SCOPE)
  else()
    set(${var} XPMEM_VM_QUIET=1 PARENT_SCOPE)
  endif()
endfunction()

# xpmem_guest_long_test(<name> KERNEL <kernel> TEST <guest test> LIMIT <s>
#                       [APPEND <NAME=VALUE words>])
#
# A long run of the guest test <TEST> in the boot <name>, a CTest test of
# its own with its own boot of one kernel, so that ctest -j2 runs it beside
# the other kernels instead of lengthening one. Every call with the same
# <name> (and kernel) adds a run to that boot, in the order of the calls:
# one boot, one kernel start-up and kmemleak scan, for all of them.
# xpmem_finalize_tests() stages guest-env-check and the runs into
# build/guest-<name>/ (run list: each <TEST> with its <LIMIT> s) and runs
# the bed on <kernel> with every APPEND on the kernel command line, which
# /init and so the tests see as environment variables. Logs:
# vm-logs/<name without vm->/. Labels vm, vm-<kernel> and long (the tier
# .ci/run leaves out of a cold run, tests/vm/README "CI time budget");
# COST: the sum of the limits, so ctest -j starts the long boot first.
function(xpmem_guest_long_test name)
  cmake_parse_arguments(PARSE_ARGV 1 A "" "KERNEL;TEST;LIMIT;APPEND" "")
  if(NOT BUILD_TESTING)
    return()
  endif()
  _xpmem_not_finalized("xpmem_guest_long_test(${name})")
  if(A_UNPARSED_ARGUMENTS OR NOT A_KERNEL OR NOT A_TEST OR NOT A_LIMIT)
    message(FATAL_ERROR "xpmem_guest_long_test(${name}): KERNEL, TEST and LIMIT are required")
  endif()
  xpmem_vm_kernels(kernels)
  if(NOT A_KERNEL IN_LIST kernels)
    message(FATAL_ERROR "xpmem_guest_long_test(${name}): kernel '${A_KERNEL}' "
      "is not in tests/vm/kernels.conf (${kernels})")
  endif()
  get_property(boots GLOBAL PROPERTY XPMEM_GUEST_LONG_BOOTS)
  if(name IN_LIST boots)
    get_property(k GLOBAL PROPERTY XPMEM_GUEST_LONG_${name}_KERNEL)
    if(NOT k STREQUAL A_KERNEL)
      message(FATAL_ERROR "xpmem_guest_long_test(${name}): kernel ${A_KERNEL}, "
        "but an earlier run of this boot is on ${k}")
    endif()
  else()
    set_property(GLOBAL APPEND PROPERTY XPMEM_GUEST_LONG_BOOTS ${name})
    set_property(GLOBAL PROPERTY XPMEM_GUEST_LONG_${name}_KERNEL ${A_KERNEL})
  endif()
  set_property(GLOBAL APPEND PROPERTY XPMEM_GUEST_LONG_${name}_RUNS "${A_TEST}:${A_LIMIT}")
  if(A_APPEND)
    set_property(GLOBAL APPEND_STRING PROPERTY XPMEM_GUEST_LONG_${name}_APPEND " ${A_APPEND}")
  endif()
endfunction()

# _xpmem_guest_long_boot(<name> <declared guest tests>): the CTest test of
# the long boot <name> (xpmem_guest_long_test()), at finalize.
function(_xpmem_guest_long_boot name tests)
  get_property(kernel GLOBAL PROPERTY XPMEM_GUEST_LONG_${name}_KERNEL)
  get_property(runs GLOBAL PROPERTY XPMEM_GUEST_LONG_${name}_RUNS)
  get_property(append GLOBAL PROPERTY XPMEM_GUEST_LONG_${name}_APPEND)
  string(STRIP "${append}" append)
  set(stage ${CMAKE_BINARY_DIR}/guest-${name})
  string(REGEX REPLACE "^vm-" "" logname ${name})
  file(MAKE_DIRECTORY ${stage})
  set(runlist "# generated by cmake/XpmemTest.cmake: <test> <time limit in s>\n"
    "guest-env-check ${XPMEM_VM_DEFAULT_TIMEOUT}\n")
  set(copy COMMAND ${CMAKE_COMMAND} -E copy_if_different
    $<TARGET_FILE:guest-env-check> ${stage}/guest-env-check)
  set(deps guest-env-check)
  set(limits 0)
  foreach(r IN LISTS runs)
    string(REPLACE ":" ";" r "${r}")
    list(GET r 0 t)
    list(GET r 1 lim)
    if(NOT t IN_LIST tests)
      message(FATAL_ERROR "xpmem_guest_long_test(${name}): TEST ${t} "
        "is not declared with xpmem_guest_test()")
    endif()
    string(APPEND runlist "${t} ${lim}\n")
    list(APPEND copy COMMAND ${CMAKE_COMMAND} -E copy_if_different
      $<TARGET_FILE:${t}> ${stage}/${t})
    list(APPEND deps ${t})
    math(EXPR limits "${limits} + ${lim}")
  endforeach()
  file(WRITE ${CMAKE_BINARY_DIR}/${name}.runlist.new ${runlist})
  configure_file(${CMAKE_BINARY_DIR}/${name}.runlist.new
    ${CMAKE_BINARY_DIR}/${name}.runlist COPYONLY)
  add_custom_target(stage-${name} ALL ${copy}
    COMMAND ${CMAKE_COMMAND} -E copy_if_different
      ${CMAKE_BINARY_DIR}/${name}.runlist ${stage}/runlist
    DEPENDS ${deps}
    COMMENT "Staging the long runs of ${name} into ${stage}")
  # run.sh's wall-clock cap of the boot: the runs' limits plus booting (up
  # to 900 s on the debug kernel) and the checks.
  math(EXPR wall "${limits} + 1200")
  math(EXPR timeout "${wall} + 600")
  if(timeout LESS 5400)
    set(timeout 5400)
  endif()
  xpmem_vm_quiet_env(quiet)
  xpmem_vm_kernels(kernels)
  set(fixture)
  if(kernels_FIXTURE_${kernel})
    set(fixture FIXTURES_REQUIRED ${kernels_FIXTURE_${kernel}})
  endif()
  xpmem_test(${name}
    COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/run.sh -k ${kernel} -g ${stage}
            -l ${CMAKE_BINARY_DIR}/vm-logs -n ${logname}
    LABELS vm vm-${kernel} long TIMEOUT ${timeout} COST ${limits}
    ENVIRONMENT ${quiet} XPMEM_VM_WALL_MAX=${wall} "XPMEM_VM_APPEND=${append}"
    ${fixture})
endfunction()

# xpmem_finalize_tests([SOURCES_DECLARED <dir>...]): once, at the end of
# the top-level CMakeLists.txt, after every declaration. Stages the guest
# tests: target vm-guest copies every xpmem_guest_test program into
# build/guest/ with its run list (guest-env-check first, then the order of
# declaration). Every *.c directly in one of the SOURCES_DECLARED
# directories (relative to the tree) must be a source of a declared test:
# a test file nobody declared is a configure error, not a test silently
# left out.
function(xpmem_finalize_tests)
  cmake_parse_arguments(PARSE_ARGV 0 A "" "" "SOURCES_DECLARED")
  _xpmem_not_finalized("xpmem_finalize_tests()")
  if(NOT BUILD_TESTING)
    set_property(GLOBAL PROPERTY XPMEM_TESTS_FINALIZED TRUE)
    return()
  endif()

  get_property(tests GLOBAL PROPERTY XPMEM_GUEST_TESTS)
  if(NOT "guest-env-check" IN_LIST tests)
    message(FATAL_ERROR "no guest test guest-env-check (tests/vm/CMakeLists.txt)")
  endif()
  list(REMOVE_ITEM tests guest-env-check)
  list(PREPEND tests guest-env-check)

  # The long boots are the last tests declared.
  get_property(boots GLOBAL PROPERTY XPMEM_GUEST_LONG_BOOTS)
  foreach(b IN LISTS boots)
    _xpmem_guest_long_boot(${b} "${tests}")
  endforeach()
  set_property(GLOBAL PROPERTY XPMEM_TESTS_FINALIZED TRUE)

  get_property(sources GLOBAL PROPERTY XPMEM_TEST_SOURCES)
  foreach(dir IN LISTS A_SOURCES_DECLARED)
    file(GLOB cs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${dir}/*.c)
    foreach(c IN LISTS cs)
      if(NOT c IN_LIST sources)
        file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${c})
        get_filename_component(n ${c} NAME_WE)
        message(FATAL_ERROR "${rel} is the source of no test: declare it, "
          "e.g. xpmem_guest_test(${n}) in ${dir}/CMakeLists.txt")
      endif()
    endforeach()
  endforeach()

  set(stage ${XPMEM_GUEST_STAGE})
  set(runlist "# generated by cmake/XpmemTest.cmake: <test> <time limit in s>\n")
  set(copy)
  foreach(t IN LISTS tests)
    get_property(lim GLOBAL PROPERTY XPMEM_GUEST_TEST_TIMEOUT_${t})
    string(APPEND runlist "${t} ${lim}\n")
    list(APPEND copy COMMAND ${CMAKE_COMMAND} -E copy_if_different
         $<TARGET_FILE:${t}> ${stage}/${t})
  endforeach()
  file(MAKE_DIRECTORY ${stage})
  # The run list reaches the stage only when the target below runs, after
  # the executables: a reconfigure alone never lists a test not staged yet.
  set(rl ${CMAKE_CURRENT_BINARY_DIR}/xpmem-guest.runlist)
  file(WRITE ${rl}.new "${runlist}")
  configure_file(${rl}.new ${rl} COPYONLY)
  add_custom_target(vm-guest ALL ${copy}
    COMMAND ${CMAKE_COMMAND} -E copy_if_different ${rl} ${stage}/runlist
    DEPENDS ${tests}
    COMMENT "Staging guest tests into ${stage}")
endfunction()
