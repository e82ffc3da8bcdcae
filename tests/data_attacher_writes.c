// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attacher writes through an RDWR attachment and the owner sees every
 * word; single stores are visible at once; then the owner writes and the
 * attacher reads it back. Also the first access of a page being a write.
 */
#include "xt.h"

static void owner(struct xt_owner *o)
{
	char *buf = o->buf;

	xt_expect_u64(o->fd, 1);
	XT_ASSERT_PATTERN(buf, o->len, 17, 0);
	xt_step(o->fd, 2);
	XT_ASSERT_EQ(*(volatile uint64_t *)(buf + 7 * XT_PS + 8), 42);
	xt_fill(buf, o->len, 18, 0);
	xt_step(o->fd, 4);
}

int main(void)
{
	size_t ps = XT_PS, len = 1 * XT_MiB;
	/* the owner's data is not the attacher's pattern (17) */
	struct xt_owner o = { .len = len, .seed = 19, .mode = 0600 };
	char *p;

	xt_owner_run(&o, owner);
	p = xt_get_attach(o.segid, XPMEM_RDWR, len, NULL);
	/* first touch of every page is a write */
	xt_fill(p, len, 17, 0);
	XT_ASSERT_PATTERN(p, len, 17, 0);
	xt_step(o.fd, 1);
	*(volatile uint64_t *)(p + 7 * ps + 8) = 42;
	xt_step(o.fd, 3);
	XT_ASSERT_PATTERN(p, len, 18, 0);
	xt_detach(p);
	xt_owner_last_step(&o, 5);
	return 0;
}
