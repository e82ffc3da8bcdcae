// SPDX-License-Identifier: GPL-2.0-only
/*
 * Owner mremap: when the owner moves its memory away, the old range is a
 * hole for the attacher (SIGBUS), and a window over the new address shows
 * the moved data; memory mapped again at the old address is seen with
 * its new content; a shrink makes the cut tail a hole; a grow in place
 * makes new (zero) pages visible.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, n = 16, len = n * ps;
	struct xt_owner o = { 0 };	/* makes its segment itself */
	int fd;
	pid_t pid;
	uint64_t v;
	size_t i;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		/* the segment covers [area, area + 4 len); data in the first len */
		char *area = xt_map_anon(4 * len);
		XT_OK(munmap(area + len, 3 * len));
		xt_fill(area, len, 63, 0);
		xt_send_u64(fd, xt_make(area, 4 * len, 0600));
		xt_expect_u64(fd, 1);
		/* move to [area + 2 len, area + 3 len) */
		char *m = mremap(area, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
				 area + 2 * len);
		XT_ASSERT(m == area + 2 * len);
		xt_step(fd, 2);
		char *again = mmap(area, len, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		XT_ASSERT(again == area);
		xt_fill(again, len, 64, 0);
		xt_step(fd, 4);
		/* shrink the moved copy to 4 pages */
		XT_ASSERT(mremap(m, len, 4 * ps, 0) == m);
		xt_step(fd, 6);
		/* grow it in place back to 12 pages: new pages are zero */
		XT_ASSERT(mremap(m, 4 * ps, 12 * ps, 0) == m);
		xt_step(fd, 8);
		XT_ASSERT_EQ(*(uint64_t *)(m + 10 * ps), 0x4242);
		return 0;
	}
	char *p = xt_get_attach(xt_recv_u64(fd), XPMEM_RDWR, 4 * len, NULL);
	char *moved = p + 2 * len;

	XT_ASSERT_PATTERN(p, len, 63, 0);
	XT_EXPECT_SIG(xt_probe_read(moved, &v), SIGBUS);
	xt_step(fd, 1);
	XT_ASSERT_HOLE(p, len, "moved away");
	/* the data is at the new place (pattern of the old offsets) */
	XT_ASSERT_PATTERN(moved, len, 63, 0);
	xt_step(fd, 3);
	XT_ASSERT_PATTERN(p, len, 64, 0);
	XT_ASSERT_PATTERN(moved, len, 63, 0);
	xt_step(fd, 5);
	XT_ASSERT_PATTERN(moved, 4 * ps, 63, 0);
	for (i = 4; i < n; i++)
		XT_EXPECT_SIG(xt_probe_read(moved + i * ps, &v), SIGBUS);
	xt_step(fd, 7);
	XT_ASSERT_PATTERN(moved, 4 * ps, 63, 0);
	XT_ASSERT_ZERO(moved + 4 * ps, 8 * ps);
	XT_EXPECT_SIG(xt_probe_read(moved + 12 * ps, &v), SIGBUS);
	*(volatile uint64_t *)(moved + 10 * ps) = 0x4242;
	xt_detach(p);
	xt_send_u64(fd, 9);
	xt_wait_ok(pid);
	return 0;
}
