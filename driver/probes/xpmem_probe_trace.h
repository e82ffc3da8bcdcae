/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * __assign_str() lost its source argument in 6.10 (__string() names it).
 * A whole trace event: the macro exists only inside the trace headers.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xpmem_probe
#if !defined(_XPMEM_PROBE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XPMEM_PROBE_TRACE_H
#include <linux/tracepoint.h>
TRACE_EVENT(xpmem_probe_str,
	    TP_PROTO(const char *s),
	    TP_ARGS(s),
	    TP_STRUCT__entry(__string(s, s)),
	    TP_fast_assign(__assign_str(s);),
	    TP_printk("%s", __get_str(s))
);
#endif
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xpmem_probe_trace
#include <trace/define_trace.h>
