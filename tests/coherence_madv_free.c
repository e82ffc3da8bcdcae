// SPDX-License-Identifier: GPL-2.0-only
/*
 * Owner madvise(MADV_FREE): until the owner writes again, the attacher
 * sees, per page, either the old data or zeros - exactly what the owner
 * itself sees, never anything else - also after the kernel really frees
 * the pages (MADV_PAGEOUT); after the owner writes new data, the attacher
 * sees the new data.
 */
#include "xt.h"

static void check_old_or_zero(const char *who, char *p, size_t n, size_t ps,
			      uint64_t seed)
{
	size_t i, zero = 0;

	for (i = 0; i < n; i++) {
		char *pg = p + i * ps;
		if (*(volatile uint64_t *)pg == 0) {
			XT_ASSERT_ZERO(pg, ps);
			zero++;
		} else {
			XT_ASSERT_PATTERN(pg, ps, seed, i * ps);
		}
	}
	xt_info("%s: %zu of %zu pages read as zero", who, zero, n);
}

static void owner(struct xt_owner *o)
{
	size_t ps = XT_PS;
	char *buf = o->buf;
	int r;

	xt_expect_u64(o->fd, 1);
	XT_OK(madvise(buf, o->len, MADV_FREE));
	xt_step(o->fd, 2);
	/* now really free them (lazy-free pages are just dropped) */
	r = madvise(buf, o->len, MADV_PAGEOUT);
	xt_info("MADV_PAGEOUT: %d", r);
	check_old_or_zero("owner", buf, o->len / ps, ps, 70);
	xt_step(o->fd, 4);
	xt_fill(buf, o->len, 71, 0);
	xt_step(o->fd, 6);
}

int main(void)
{
	size_t ps = XT_PS, n = 64, len = n * ps;
	struct xt_owner o = { .len = len, .seed = 70, .mode = 0600,
			      .nohugepage = 1 };
	char *p;

	xt_owner_run(&o, owner);
	p = XT_OWNER_ATTACH_READ(&o, XPMEM_RDONLY);
	xt_step(o.fd, 1);
	check_old_or_zero("attacher after MADV_FREE", p, n, ps, 70);
	xt_step(o.fd, 3);
	check_old_or_zero("attacher after MADV_PAGEOUT", p, n, ps, 70);
	xt_step(o.fd, 5);
	XT_ASSERT_PATTERN(p, len, 71, 0);
	xt_detach(p);
	xt_owner_last_step(&o, 7);
	return 0;
}
