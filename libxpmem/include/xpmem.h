/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xpmem.h - user interface of libxpmem.so.0.
 *
 * A process exports a range of its address space with xpmem_make(),
 * another process asks for access with xpmem_get() and maps windows of
 * the range with xpmem_attach(). Every function returns -1 (xpmem_attach:
 * (void *)-1) and sets errno on failure.
 *
 * The command numbers, argument structs and flag values (XPMEM_RDONLY,
 * XPMEM_RDWR, XPMEM_PERMIT_MODE, XPMEM_MAXADDR_SIZE, XPMEM_ERRNO_NOPROC)
 * come from <xpmem/xpmem_uapi.h>, the header shared with the module.
 *
 * Environment read by the library:
 *   XPMEM_DEVICE  path of the device to open instead of /dev/xpmem
 *                 (for tests; ignored in set-user-ID programs)
 *   XPMEM_DEBUG   if set, print one line to stderr when the device cannot
 *                 be opened
 */
#ifndef XPMEM_H
#define XPMEM_H

#include <stddef.h>
#include <sys/types.h>
#include <xpmem/xpmem_uapi.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A segment id (from xpmem_make) and an access permit id (from xpmem_get). */
typedef __s64 xpmem_segid_t;
typedef __s64 xpmem_apid_t;

/* Where to attach: a permit and a byte offset into its segment. */
struct xpmem_addr {
	xpmem_apid_t apid;
	off_t offset;
};
typedef struct xpmem_addr xpmem_addr_t;

/* Open the device now (it is otherwise opened on first use). 0 or -1. */
int xpmem_init(void);

/* The module's version (major << 16 | minor << 12 | patch), or -1. */
int xpmem_version(void);

/*
 * Export [vaddr, vaddr + size) of the calling process. permit_type is
 * XPMEM_PERMIT_MODE and permit_value a mode within 0777 cast to a pointer,
 * e.g. (void *)0600. vaddr 0 with size XPMEM_MAXADDR_SIZE exports the
 * whole address space. Returns a positive segid, or -1.
 */
xpmem_segid_t xpmem_make(void *vaddr, size_t size, int permit_type,
			 void *permit_value);

/* Withdraw a segment made by this process. 0 or -1. */
int xpmem_remove(xpmem_segid_t segid);

/*
 * Ask for access to a segment: flags XPMEM_RDONLY or XPMEM_RDWR,
 * permit_type XPMEM_PERMIT_MODE; permit_value is not used (pass NULL).
 * Returns a positive apid, or -1.
 */
xpmem_apid_t xpmem_get(xpmem_segid_t segid, int flags, int permit_type,
		       void *permit_value);

/* Give up an access permit. 0 or -1. */
int xpmem_release(xpmem_apid_t apid);

/*
 * Map size bytes of the segment behind addr.apid, starting at
 * addr.offset, at vaddr (or anywhere if vaddr is NULL). Returns the
 * address of the mapping, or (void *)-1.
 */
void *xpmem_attach(struct xpmem_addr addr, size_t size, void *vaddr);

/* Unmap the attachment containing vaddr. 0 or -1. */
int xpmem_detach(void *vaddr);

/*
 * Issue an XPMEM_CMD_* ioctl on the library's descriptor, with the same
 * reopen-and-retry as xpmem_make/xpmem_get. Returns the ioctl's result.
 */
int xpmem_ioctl(int cmd, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* XPMEM_H */
