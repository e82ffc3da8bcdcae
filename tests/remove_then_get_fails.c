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
	struct xt_chan ch;
	int fd;
	pid_t pid;

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_anon(2 * ps);
		xpmem_segid_t s;

		fd = xt_chan_end(&ch, 1);
		xt_fill(buf, 2 * ps, 7, 0);
		s = xt_make(buf, 2 * ps, 0666);
		xt_send_u64(fd, s);
		xt_expect_u64(fd, 1);
		xt_remove(s);
		XT_FAILS(xpmem_get(s, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL));
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_segid_t s = xt_recv_u64(fd);
	xpmem_apid_t early = xt_get(s, XPMEM_RDWR);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);
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
