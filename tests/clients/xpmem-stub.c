// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A libxpmem.so.0 whose every call fails (errno ENODEV), with the symbols
 * and the version node of the real one (libxpmem/libxpmem.map), for the
 * negative check of the client tests: staged in the guest in place of the
 * build tree's library (run-mpi.sh, XPMEM_CLIENT_LIB=stub), it must make
 * every "xpmem used" check fail, i.e. a client that silently falls back
 * from xpmem is caught.
 */
#include <errno.h>
#include <stddef.h>
#include <xpmem.h>

#define STUB_FAIL(ret) do { errno = ENODEV; return ret; } while (0)

__attribute__((visibility("default"))) int xpmem_init(void)
{
	STUB_FAIL(-1);
}

__attribute__((visibility("default"))) int xpmem_version(void)
{
	STUB_FAIL(-1);
}

__attribute__((visibility("default")))
xpmem_segid_t xpmem_make(void *vaddr, size_t size, int permit_type, void *permit_value)
{
	(void)vaddr; (void)size; (void)permit_type; (void)permit_value;
	STUB_FAIL(-1);
}

__attribute__((visibility("default"))) int xpmem_remove(xpmem_segid_t segid)
{
	(void)segid;
	STUB_FAIL(-1);
}

__attribute__((visibility("default")))
xpmem_apid_t xpmem_get(xpmem_segid_t segid, int flags, int permit_type, void *permit_value)
{
	(void)segid; (void)flags; (void)permit_type; (void)permit_value;
	STUB_FAIL(-1);
}

__attribute__((visibility("default"))) int xpmem_release(xpmem_apid_t apid)
{
	(void)apid;
	STUB_FAIL(-1);
}

__attribute__((visibility("default")))
void *xpmem_attach(struct xpmem_addr addr, size_t size, void *vaddr)
{
	(void)addr; (void)size; (void)vaddr;
	STUB_FAIL((void *)-1);
}

__attribute__((visibility("default"))) int xpmem_detach(void *vaddr)
{
	(void)vaddr;
	STUB_FAIL(-1);
}

__attribute__((visibility("default"))) int xpmem_ioctl(int cmd, void *arg)
{
	(void)cmd; (void)arg;
	STUB_FAIL(-1);
}
