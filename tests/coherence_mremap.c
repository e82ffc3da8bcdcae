// SPDX-License-Identifier: GPL-2.0-only
/*
 * Owner mremap: when the owner moves its memory away, the old range is a
 * hole for the attacher (SIGBUS), and a window over the new address shows
 * the moved data; memory mapped again at the old address is seen with
 * its new content; a shrink makes the cut tail a hole; a grow in place
 * makes new (zero) pages visible.
 */
#include "xt.h"

#define NPAGES 16

static void owner(struct xt_owner *o)
{
	size_t ps = XT_PS, len = NPAGES * ps;
	/* the segment covers [area, area + 4 len); data in the first len */
	char *area = xt_map_anon(4 * len), *m, *again;

	XT_OK(munmap(area + len, 3 * len));
	xt_fill(area, len, 63, 0);
	xt_send_u64(o->fd, xt_make(area, 4 * len, 0600));
	xt_expect_u64(o->fd, 1);
	/* move to [area + 2 len, area + 3 len) */
	m = mremap(area, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, area + 2 * len);
	XT_ASSERT(m == area + 2 * len);
	xt_step(o->fd, 2);
	again = mmap(area, len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	XT_ASSERT(again == area);
	xt_fill(again, len, 64, 0);
	xt_step(o->fd, 4);
	/* shrink the moved copy to 4 pages */
	XT_ASSERT(mremap(m, len, 4 * ps, 0) == m);
	xt_step(o->fd, 6);
	/* grow it in place back to 12 pages: new pages are zero */
	XT_ASSERT(mremap(m, 4 * ps, 12 * ps, 0) == m);
	xt_step(o->fd, 8);
	XT_ASSERT_EQ(*(uint64_t *)(m + 10 * ps), 0x4242);
}

int main(void)
{
	size_t ps = XT_PS, n = NPAGES, len = n * ps;
	struct xt_owner o = { 0 };	/* makes its segment itself */
	uint64_t v;
	size_t i;
	char *p, *moved;

	xt_owner_run(&o, owner);
	p = xt_recv_attach(o.fd, XPMEM_RDWR, 4 * len, NULL);
	moved = p + 2 * len;
	XT_ASSERT_PATTERN(p, len, 63, 0);
	XT_EXPECT_SIG(xt_probe_read(moved, &v), SIGBUS);
	xt_step(o.fd, 1);
	XT_ASSERT_HOLE(p, len, "moved away");
	/* the data is at the new place (pattern of the old offsets) */
	XT_ASSERT_PATTERN(moved, len, 63, 0);
	xt_step(o.fd, 3);
	XT_ASSERT_PATTERN(p, len, 64, 0);
	XT_ASSERT_PATTERN(moved, len, 63, 0);
	xt_step(o.fd, 5);
	XT_ASSERT_PATTERN(moved, 4 * ps, 63, 0);
	for (i = 4; i < n; i++)
		XT_EXPECT_SIG(xt_probe_read(moved + i * ps, &v), SIGBUS);
	xt_step(o.fd, 7);
	XT_ASSERT_PATTERN(moved, 4 * ps, 63, 0);
	XT_ASSERT_ZERO(moved + 4 * ps, 8 * ps);
	XT_EXPECT_SIG(xt_probe_read(moved + 12 * ps, &v), SIGBUS);
	*(volatile uint64_t *)(moved + 10 * ps) = 0x4242;
	xt_detach(p);
	xt_owner_last_step(&o, 9);
	return 0;
}
