// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner (using raw open/ioctl on /dev/xpmem) closes its descriptor
 * while staying alive: its segments go away. The attacher's next access
 * raises SIGBUS (not the owner's still-existing data), it can detach and
 * release, and get on the segid fails. The owner's own memory is fine.
 */
#include "xt.h"

#include <sys/ioctl.h>

int main(void)
{
	size_t ps = XT_PS, len = 16 * ps;
	struct xt_owner o = { 0 };	/* makes its segment itself */
	int fd;
	size_t i;

	if (xt_owner_fork(&o) == 0) {
		char *buf = xt_map_anon(len);
		int dev = xt_open_dev();
		struct xpmem_cmd_make mk;

		fd = o.fd;
		xt_fill(buf, len, 51, 0);
		memset(&mk, 0, sizeof(mk));
		mk.vaddr = (uintptr_t)buf;
		mk.size = len;
		mk.permit_type = XPMEM_PERMIT_MODE;
		mk.permit_value = 0600;
		XT_OK(ioctl(dev, XPMEM_CMD_MAKE, &mk));
		XT_ASSERT_GT(mk.segid, 0);
		xt_send_u64(fd, mk.segid);
		xt_expect_u64(fd, 1);
		XT_OK(close(dev));
		xt_step(fd, 2);
		/* still alive, memory unchanged, pattern intact */
		XT_ASSERT_PATTERN(buf, len, 51, 0);
		return 0;
	}
	fd = o.fd;
	xpmem_segid_t s = xt_recv_u64(fd);
	xpmem_apid_t a;
	char *p = xt_get_attach(s, XPMEM_RDWR, len, &a);

	XT_ASSERT_PATTERN(p, len / 2, 51, 0);
	xt_step(fd, 1);

	XT_ASSERT_HOLE(p, len, "after owner's close");
	for (i = 0; i < len; i += ps)
		XT_EXPECT_SIG(xt_probe_write(p + i, 7), SIGBUS);
	XT_FAILS(xpmem_get(s, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL));
	xt_detach(p);
	(void)xpmem_release(a);
	xt_send_u64(fd, 3);
	xt_wait_ok(o.pid);
	return 0;
}
