/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xpmem_trace.h - the module's trace events (system xpmem).
 *
 * Usable from tracefs (events/xpmem/), perf (perf trace -e 'xpmem:*') and
 * bpftrace (tracepoint:xpmem:xpmem_fault); examples in xpmem(7). Ids are
 * printed as user space sees them (xpmem_id_make()); pids and uids are
 * those of the initial namespaces; addresses are the attacher's unless
 * the field is named src. Every event but xpmem_zap runs in the task of
 * the call it reports (common_pid): the maker, getter, attacher, the task
 * faulting or closing the attachment's last VMA, the refused caller. A zap
 * runs in whatever task changed the owner's memory (or reclaims it), so it
 * names the attacher. CREATE_TRACE_POINTS is defined in trace.c.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xpmem

#if !defined(_XPMEM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XPMEM_TRACE_H

#include <linux/tracepoint.h>

#include "compat.h"

/* MAKE exported [vaddr, vaddr + size) of the caller's under segid. */
TRACE_EVENT(xpmem_make,
	    TP_PROTO(u64 segid, unsigned long vaddr, unsigned long size,
		     unsigned int mode),
	    TP_ARGS(segid, vaddr, size, mode),
	    TP_STRUCT__entry(__field(u64, segid)
			     __field(unsigned long, vaddr)
			     __field(unsigned long, size)
			     __field(unsigned int, mode)),
	    TP_fast_assign(__entry->segid = segid;
			   __entry->vaddr = vaddr;
			   __entry->size = size;
			   __entry->mode = mode;),
	    TP_printk("segid=0x%llx vaddr=0x%lx size=0x%lx mode=0%03o",
		      __entry->segid, __entry->vaddr, __entry->size,
		      __entry->mode)
);

/* GET gave the caller permit apid on segid. */
TRACE_EVENT(xpmem_get,
	    TP_PROTO(u64 segid, u64 apid, bool writable),
	    TP_ARGS(segid, apid, writable),
	    TP_STRUCT__entry(__field(u64, segid)
			     __field(u64, apid)
			     __field(bool, writable)),
	    TP_fast_assign(__entry->segid = segid;
			   __entry->apid = apid;
			   __entry->writable = writable;),
	    TP_printk("segid=0x%llx apid=0x%llx %s", __entry->segid,
		      __entry->apid, __entry->writable ? "rw" : "ro")
);

/* ATTACH mapped npages of segid from src at vaddr. */
TRACE_EVENT(xpmem_attach,
	    TP_PROTO(u64 segid, unsigned long vaddr, unsigned long src,
		     unsigned long npages, bool writable),
	    TP_ARGS(segid, vaddr, src, npages, writable),
	    TP_STRUCT__entry(__field(u64, segid)
			     __field(unsigned long, vaddr)
			     __field(unsigned long, src)
			     __field(unsigned long, npages)
			     __field(bool, writable)),
	    TP_fast_assign(__entry->segid = segid;
			   __entry->vaddr = vaddr;
			   __entry->src = src;
			   __entry->npages = npages;
			   __entry->writable = writable;),
	    TP_printk("segid=0x%llx vaddr=0x%lx src=0x%lx npages=%lu %s",
		      __entry->segid, __entry->vaddr, __entry->src,
		      __entry->npages, __entry->writable ? "rw" : "ro")
);

/*
 * The attachment at vaddr is gone (the last close of its VMA: DETACH,
 * munmap, exit); faulted: the pages its faults mapped over its life.
 */
TRACE_EVENT(xpmem_detach,
	    TP_PROTO(u64 segid, unsigned long vaddr, unsigned long npages,
		     unsigned long faulted),
	    TP_ARGS(segid, vaddr, npages, faulted),
	    TP_STRUCT__entry(__field(u64, segid)
			     __field(unsigned long, vaddr)
			     __field(unsigned long, npages)
			     __field(unsigned long, faulted)),
	    TP_fast_assign(__entry->segid = segid;
			   __entry->vaddr = vaddr;
			   __entry->npages = npages;
			   __entry->faulted = faulted;),
	    TP_printk("segid=0x%llx vaddr=0x%lx npages=%lu faulted=%lu",
		      __entry->segid, __entry->vaddr, __entry->npages,
		      __entry->faulted)
);

/*
 * A fault at address mapped pages entries of page_size bytes (4 KiB
 * PTEs, or one 2 MiB PMD) from start: the entries it created, not those
 * already present.
 */
TRACE_EVENT(xpmem_fault,
	    TP_PROTO(u64 segid, unsigned long address, unsigned long start,
		     unsigned long pages, unsigned long page_size, bool write),
	    TP_ARGS(segid, address, start, pages, page_size, write),
	    TP_STRUCT__entry(__field(u64, segid)
			     __field(unsigned long, address)
			     __field(unsigned long, start)
			     __field(unsigned long, pages)
			     __field(unsigned long, page_size)
			     __field(bool, write)),
	    TP_fast_assign(__entry->segid = segid;
			   __entry->address = address;
			   __entry->start = start;
			   __entry->pages = pages;
			   __entry->page_size = page_size;
			   __entry->write = write;),
	    TP_printk("segid=0x%llx address=0x%lx start=0x%lx pages=%lu page_size=%lu %s",
		      __entry->segid, __entry->address, __entry->start,
		      __entry->pages, __entry->page_size,
		      __entry->write ? "write" : "read")
);

/*
 * The attacher's entries of [vaddr, vaddr + npages pages) of an
 * attachment are zapped: the owner's memory changed, or the attachment
 * died. The range is the one zapped, not a count of entries present.
 */
TRACE_EVENT(xpmem_zap,
	    TP_PROTO(u64 segid, int attacher, unsigned long vaddr,
		     unsigned long npages),
	    TP_ARGS(segid, attacher, vaddr, npages),
	    TP_STRUCT__entry(__field(u64, segid)
			     __field(int, attacher)
			     __field(unsigned long, vaddr)
			     __field(unsigned long, npages)),
	    TP_fast_assign(__entry->segid = segid;
			   __entry->attacher = attacher;
			   __entry->vaddr = vaddr;
			   __entry->npages = npages;),
	    TP_printk("segid=0x%llx attacher=%d vaddr=0x%lx npages=%lu",
		      __entry->segid, __entry->attacher, __entry->vaddr,
		      __entry->npages)
);

/*
 * A policy of policy.c refused the call of pid (effective uid uid):
 * reason names the module parameter (or the segment's mode), err is the
 * call's error. segid 0 and owner_uid 4294967295: no segment (MAKE).
 */
TRACE_EVENT(xpmem_refuse,
	    TP_PROTO(u64 segid, int pid, unsigned int uid,
		     unsigned int owner_uid, const char *reason, int err),
	    TP_ARGS(segid, pid, uid, owner_uid, reason, err),
	    TP_STRUCT__entry(__field(u64, segid)
			     __field(int, pid)
			     __field(unsigned int, uid)
			     __field(unsigned int, owner_uid)
			     __field(int, err)
			     __string(reason, reason)),
	    TP_fast_assign(__entry->segid = segid;
			   __entry->pid = pid;
			   __entry->uid = uid;
			   __entry->owner_uid = owner_uid;
			   __entry->err = err;
			   xpmem_assign_str(reason, reason);),
	    TP_printk("segid=0x%llx pid=%d uid=%u owner_uid=%u err=%d reason=%s",
		      __entry->segid, __entry->pid, __entry->uid,
		      __entry->owner_uid, __entry->err, __get_str(reason))
);

#endif /* _XPMEM_TRACE_H */

/* Out of tree: found through -I$(src) (Kbuild, CFLAGS_trace.o). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xpmem_trace
#include <trace/define_trace.h>
