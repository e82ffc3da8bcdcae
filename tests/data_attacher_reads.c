// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attacher reads the owner's memory: the pattern the owner wrote,
 * then, after plain stores by the owner (no mapping change), the new
 * values - the two share the same physical pages.
 */
#include "xt.h"

static void owner(struct xt_owner *o)
{
	char *buf = o->buf;

	xt_expect_u64(o->fd, 1);
	xt_fill(buf, o->len, 16, 0);
	xt_step(o->fd, 2);
	*(volatile uint64_t *)(buf + 5 * XT_PS) = 0x0123456789abcdefULL;
	xt_step(o->fd, 4);
}

int main(void)
{
	size_t ps = XT_PS, len = 1 * XT_MiB;
	struct xt_owner o = { .len = len, .seed = 15, .mode = 0600 };
	char *p;

	xt_owner_run(&o, owner);
	p = XT_OWNER_ATTACH_READ(&o, XPMEM_RDONLY);
	xt_step(o.fd, 1);
	XT_ASSERT_PATTERN(p, len, 16, 0);
	xt_step(o.fd, 3);
	XT_ASSERT_EQ(*(volatile uint64_t *)(p + 5 * ps), 0x0123456789abcdefULL);
	xt_detach(p);
	xt_owner_last_step(&o, 5);
	return 0;
}
