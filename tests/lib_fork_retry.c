// SPDX-License-Identifier: GPL-2.0-only
/*
 * The library's fork handling: the parent has used libxpmem (its
 * descriptor is open and bound to the parent); a forked child calls
 * xpmem_make and xpmem_get with no setup at all - they must succeed (the
 * module answers XPMEM_ERRNO_NOPROC on the inherited descriptor and the
 * library reopens the device and retries). The child's segment is its
 * own: it goes away when the child exits. The parent keeps working.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS;
	struct xt_chan ch;
	int fd;
	pid_t pid;

	char *pbuf = xt_map_anon(ps);
	xt_fill(pbuf, ps, 210, 0);
	xpmem_segid_t ps_seg = xt_make(pbuf, ps, 0600);

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		fd = xt_chan_end(&ch, 1);
		char *cbuf = xt_map_anon(ps);
		xt_fill(cbuf, ps, 211, 0);
		xpmem_segid_t cs = xpmem_make(cbuf, ps, XPMEM_PERMIT_MODE,
					      (void *)0600);
		if (cs <= 0)
			XT_FAIL("xpmem_make in the forked child: %lld errno %d (%s)",
				(long long)cs, errno, strerror(errno));
		xpmem_apid_t a = xpmem_get(ps_seg, XPMEM_RDWR, XPMEM_PERMIT_MODE,
					   NULL);
		if (a <= 0)
			XT_FAIL("xpmem_get in the forked child: %lld errno %d",
				(long long)a, errno);
		char *p = xt_attach(a, 0, ps, NULL);
		XT_ASSERT_PATTERN(p, ps, 210, 0);
		xt_send_u64(fd, cs);
		xt_expect_u64(fd, 1);
		/* a grandchild, again without setup */
		pid_t g = xt_fork();
		if (g == 0) {
			xpmem_apid_t ga = xpmem_get(cs, XPMEM_RDONLY,
						    XPMEM_PERMIT_MODE, NULL);
			XT_ASSERT_GT(ga, 0);
			char *q = xt_attach(ga, 0, ps, NULL);
			XT_ASSERT_PATTERN(q, ps, 211, 0);
			exit(0);
		}
		xt_wait_ok(g);
		xt_detach(p);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_segid_t cs = xt_recv_u64(fd);
	XT_ASSERT_NE(cs, ps_seg);
	xpmem_apid_t a = xt_get(cs, XPMEM_RDONLY);
	char *p = xt_attach(a, 0, ps, NULL);
	XT_ASSERT_PATTERN(p, ps, 211, 0);
	xt_detach(p);
	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	/* the child's segment died with it */
	XT_FAILS(xpmem_get(cs, XPMEM_RDONLY, XPMEM_PERMIT_MODE, NULL));
	/* the parent's own segment is still fine */
	xt_remove(ps_seg);
	return 0;
}
