// SPDX-License-Identifier: GPL-2.0-only
/* __assign_str() with one argument (6.10+): see xpmem_probe_trace.h. */
#define CREATE_TRACE_POINTS
#include "xpmem_probe_trace.h"
