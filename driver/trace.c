// SPDX-License-Identifier: GPL-2.0-only
/*
 * trace.c - the home of the module's trace events: the one translation
 * unit that defines CREATE_TRACE_POINTS before including xpmem_trace.h,
 * which makes <trace/define_trace.h> emit the events' code and data.
 * Every other file includes xpmem_trace.h plainly and calls trace_*().
 *
 * <trace/define_trace.h> includes the header again by TRACE_INCLUDE_PATH
 * (".") and TRACE_INCLUDE_FILE: out of the kernel tree, "." is found only
 * through the -I$(src) that Kbuild gives this object (CFLAGS_trace.o).
 */

#include "xpmem_internal.h"

#define CREATE_TRACE_POINTS
#include "xpmem_trace.h"
