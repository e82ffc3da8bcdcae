// SPDX-License-Identifier: GPL-2.0-only
/*
 * After the owner's madvise(MADV_FREE), a write by the attacher is a write
 * to the owner's memory: like the owner's own write it must cancel the
 * lazy free. When the kernel then reclaims the range (MADV_PAGEOUT drops
 * clean lazy-free pages), the pages the attacher wrote must keep the
 * attacher's data (a driver that maps the page writable without marking
 * it dirty loses the write here).
 */
#include "xt.h"

static void owner(struct xt_owner *o)
{
	size_t ps = XT_PS, n = o->len / ps, i, lost = 0, zero = 0;
	char *buf = o->buf;

	xt_expect_u64(o->fd, 1);
	XT_OK(madvise(buf, o->len, MADV_FREE));
	xt_step(o->fd, 2);
	if (madvise(buf, o->len, MADV_PAGEOUT) != 0)
		xt_skip("MADV_PAGEOUT not supported: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		uint64_t w = *(volatile uint64_t *)(buf + i * ps + 8);
		if (i % 2 == 0) {
			/* written by the attacher: must be there */
			if (w != 0x7777000000000000ULL + i) {
				xt_info("page %zu: attacher's write lost "
					"(0x%llx)", i, (unsigned long long)w);
				lost++;
			}
		} else if (w == 0) {
			zero++;
		} else {
			XT_ASSERT_PATTERN(buf + i * ps, ps, 72, i * ps);
		}
	}
	xt_info("untouched lazy-free pages dropped: %zu of %zu", zero, n / 2);
	if (lost)
		XT_FAIL("%zu of %zu pages written by the attacher after "
			"MADV_FREE lost their data on reclaim", lost, n / 2);
}

int main(void)
{
	size_t ps = XT_PS, n = 32, len = n * ps;
	struct xt_owner o = { .len = len, .seed = 72, .mode = 0600,
			      .nohugepage = 1 };
	size_t i;
	char *p;

	xt_owner_run(&o, owner);
	p = XT_OWNER_ATTACH_READ(&o, XPMEM_RDWR);	/* mapped (read) before */
	xt_step(o.fd, 1);
	for (i = 0; i < n; i += 2)
		*(volatile uint64_t *)(p + i * ps + 8) = 0x7777000000000000ULL + i;
	xt_owner_last_step(&o, 3);
	xt_detach(p);
	return 0;
}
