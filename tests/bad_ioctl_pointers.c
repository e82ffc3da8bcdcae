// SPDX-License-Identifier: GPL-2.0-only
/*
 * Raw ioctls with bad argument pointers fail with EFAULT: NULL, an
 * unmapped address, a kernel address, a struct that runs off the end of
 * its mapping into unmapped memory; MAKE and GET whose struct is
 * read-only (the result cannot be written back) fail with EFAULT too.
 * The module is fully usable afterwards.
 */
#include "xt.h"

#include <sys/ioctl.h>

int main(void)
{
	size_t ps = XT_PS;
	int fd = xt_open_dev();
	static const unsigned long cmds[] = {
		XPMEM_CMD_MAKE, XPMEM_CMD_REMOVE, XPMEM_CMD_GET,
		XPMEM_CMD_RELEASE, XPMEM_CMD_ATTACH, XPMEM_CMD_DETACH,
	};
	static const size_t sizes[] = {
		sizeof(struct xpmem_cmd_make), sizeof(struct xpmem_cmd_remove),
		sizeof(struct xpmem_cmd_get), sizeof(struct xpmem_cmd_release),
		sizeof(struct xpmem_cmd_attach), sizeof(struct xpmem_cmd_detach),
	};
	char *hole = xt_free_range(ps);
	/* one page mapped, the next one unmapped */
	char *two = xt_map_anon(2 * ps);
	XT_OK(munmap(two + ps, ps));
	unsigned i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		xt_info("command 0x%lx", cmds[i]);
		XT_ERR(ioctl(fd, cmds[i], NULL), EFAULT);
		XT_ERR(ioctl(fd, cmds[i], hole), EFAULT);
		XT_ERR(ioctl(fd, cmds[i], (void *)0xffffffff81000000UL), EFAULT);
		XT_ERR(ioctl(fd, cmds[i], (void *)-8L), EFAULT);
		/* the struct straddles into the unmapped page */
		char *straddle = two + ps - sizes[i] / 2;
		if (sizes[i] > 8) {
			memset(straddle, 0, sizes[i] / 2);
			XT_ERR(ioctl(fd, cmds[i], straddle), EFAULT);
		}
	}

	/* MAKE with a valid but read-only struct: cannot store the segid */
	char *buf = xt_map_anon(4 * ps);
	struct xpmem_cmd_make *mk = xt_map_anon(ps);
	mk->vaddr = (uintptr_t)buf;
	mk->size = 4 * ps;
	mk->permit_type = XPMEM_PERMIT_MODE;
	mk->permit_value = 0600;
	XT_OK(mprotect(mk, ps, PROT_READ));
	XT_ERR(ioctl(fd, XPMEM_CMD_MAKE, mk), EFAULT);

	/* a good segment, then GET into a read-only struct */
	struct xpmem_cmd_make good = *mk;
	XT_OK(ioctl(fd, XPMEM_CMD_MAKE, &good));
	struct xpmem_cmd_get *g = xt_map_anon(ps);
	g->segid = good.segid;
	g->flags = XPMEM_RDWR;
	g->permit_type = XPMEM_PERMIT_MODE;
	XT_OK(mprotect(g, ps, PROT_READ));
	XT_ERR(ioctl(fd, XPMEM_CMD_GET, g), EFAULT);

	/* ATTACH into a read-only struct */
	struct xpmem_cmd_get gg;
	memset(&gg, 0, sizeof(gg));
	gg.segid = good.segid;
	gg.flags = XPMEM_RDWR;
	gg.permit_type = XPMEM_PERMIT_MODE;
	XT_OK(ioctl(fd, XPMEM_CMD_GET, &gg));
	struct xpmem_cmd_attach *at = xt_map_anon(ps);
	at->apid = gg.apid;
	at->size = ps;
	XT_OK(mprotect(at, ps, PROT_READ));
	XT_ERR(ioctl(fd, XPMEM_CMD_ATTACH, at), EFAULT);

	/* everything still works, with the same descriptor */
	memset(buf, 0x3c, 4 * ps);
	struct xpmem_cmd_attach a2;
	memset(&a2, 0, sizeof(a2));
	a2.apid = gg.apid;
	a2.size = 4 * ps;
	XT_OK(ioctl(fd, XPMEM_CMD_ATTACH, &a2));
	XT_ASSERT_EQ(((volatile char *)(uintptr_t)a2.vaddr)[3 * ps], 0x3c);
	struct xpmem_cmd_detach d = { a2.vaddr };
	XT_OK(ioctl(fd, XPMEM_CMD_DETACH, &d));
	struct xpmem_cmd_release r = { gg.apid };
	XT_OK(ioctl(fd, XPMEM_CMD_RELEASE, &r));
	struct xpmem_cmd_remove rm = { good.segid };
	XT_OK(ioctl(fd, XPMEM_CMD_REMOVE, &rm));
	close(fd);
	xt_remove(xt_make(buf, 4 * ps, 0600));
	return 0;
}
