// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Stand-in for another build of libxpmem.so.0 (the original libraries
 * have no symbol versions): same SONAME and function names, unversioned,
 * and results that ours never gives. A client linked against it must run
 * unchanged on our libxpmem.so.0 (test drop-in-foreign-client).
 */
#include <xpmem.h>

int xpmem_init(void) { return 12345; }
int xpmem_version(void) { return 12345; }
int xpmem_ioctl(int cmd, void *arg) { (void)cmd; (void)arg; return 12345; }
xpmem_segid_t xpmem_make(void *vaddr, size_t size, int permit_type,
			 void *permit_value)
{
	(void)vaddr; (void)size; (void)permit_type; (void)permit_value;
	return 12345;
}
int xpmem_remove(xpmem_segid_t segid) { (void)segid; return 12345; }
xpmem_apid_t xpmem_get(xpmem_segid_t segid, int flags, int permit_type,
		       void *permit_value)
{
	(void)segid; (void)flags; (void)permit_type; (void)permit_value;
	return 12345;
}
int xpmem_release(xpmem_apid_t apid) { (void)apid; return 12345; }
void *xpmem_attach(struct xpmem_addr addr, size_t size, void *vaddr)
{
	(void)addr; (void)size; (void)vaddr;
	return (void *)12345;
}
int xpmem_detach(void *vaddr) { (void)vaddr; return 12345; }
