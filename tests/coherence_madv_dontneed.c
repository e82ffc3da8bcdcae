// SPDX-License-Identifier: GPL-2.0-only
/*
 * Owner madvise(MADV_DONTNEED) on private anonymous memory: the attacher
 * then reads zeros (what the owner reads), never the old data; after the
 * owner writes again the attacher sees the new data, and the attacher's
 * writes reach the owner's new pages.
 */
#include "xt.h"

static void owner(struct xt_owner *o)
{
	size_t ps = XT_PS;
	char *buf = o->buf;

	xt_expect_u64(o->fd, 1);
	XT_OK(madvise(buf + 8 * ps, 40 * ps, MADV_DONTNEED));
	XT_ASSERT_ZERO(buf + 8 * ps, ps);	/* the owner's own view */
	xt_step(o->fd, 2);
	xt_fill(buf + 8 * ps, 40 * ps, 68, 8 * ps);
	xt_step(o->fd, 4);
	XT_ASSERT_PATTERN(buf, o->len, 69, 0);
}

int main(void)
{
	size_t ps = XT_PS, n = 64, len = n * ps;
	struct xt_owner o = { .len = len, .seed = 67, .mode = 0600,
			      .nohugepage = 1 };
	size_t i;
	char *p;

	xt_owner_run(&o, owner);
	p = XT_OWNER_ATTACH_READ(&o, XPMEM_RDWR);
	xt_step(o.fd, 1);
	for (i = 0; i < n; i++) {
		if (i >= 8 && i < 48)
			XT_ASSERT_ZERO(p + i * ps, ps);
		else
			XT_ASSERT_PATTERN(p + i * ps, ps, 67, i * ps);
	}
	xt_step(o.fd, 3);
	XT_ASSERT_PATTERN(p, 8 * ps, 67, 0);
	XT_ASSERT_PATTERN(p + 8 * ps, 40 * ps, 68, 8 * ps);
	xt_fill(p, len, 69, 0);
	xt_owner_last_step(&o, 5);
	xt_detach(p);
	return 0;
}
