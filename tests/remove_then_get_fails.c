// SPDX-License-Identifier: GPL-2.0-only
/*
 * After the owner removes a segment, xpmem_get on its segid fails, in
 * another process and in the owner itself; a permit taken before the
 * remove can no longer attach.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS;
	struct xt_owner o = { .len = 2 * ps, .seed = 7, .mode = 0666 };
	xpmem_segid_t s;
	int fd;
	pid_t pid;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	s = o.segid;
	if (pid == 0) {
		xt_expect_u64(fd, 1);
		xt_remove(s);
		XT_FAILS(xpmem_get(s, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL));
		xt_step(fd, 2);
		return 0;
	}
	xpmem_apid_t early = xt_get(s, XPMEM_RDWR);
	xt_step(fd, 1);
	XT_FAILS(xpmem_get(s, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL));
	XT_FAILS(xpmem_get(s, XPMEM_RDONLY, XPMEM_PERMIT_MODE, NULL));
	struct xpmem_addr xa = { early, 0 };
	void *p = xpmem_attach(xa, ps, NULL);
	XT_ASSERT_MSG(p == XT_XPMEM_FAILED,
		      "attach through a permit of a removed segment gave %p", p);
	xt_info("attach after remove failed: errno %d", errno);
	/* releasing the stale permit is allowed to succeed or fail */
	(void)xpmem_release(early);
	xt_send_u64(fd, 3);
	xt_wait_ok(pid);
	return 0;
}
