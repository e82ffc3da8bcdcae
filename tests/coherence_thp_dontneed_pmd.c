// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner splits a THP the attacher maps with a 2 MiB entry: its
 * MADV_DONTNEED of one 4 KiB page inside the huge page must make the
 * attacher see zeros exactly in that page and the owner's data in every
 * other page of the block (and of the next, untouched block); a write
 * by the attacher to that page then reaches the owner. Skips where the
 * kernel lacks huge PFN mappings (huge_mappings N) or the owner got no
 * THP.
 */
#include "xt.h"

#define HP (2 * XT_MiB)

#define LEN (2 * HP)

int main(void)
{
	size_t ps = XT_PS, i;
	const size_t gone = HP / 2 + 5 * ps;
	struct xt_owner o = { .len = LEN, .seed = 170, .mode = 0600, .thp = 1 };
	xpmem_apid_t a;

	xt_require_huge_mappings();
	if (xt_owner_fork(&o) == 0) {
		xt_expect_u64(o.fd, 1);
		XT_OK(madvise(o.buf + gone, ps, MADV_DONTNEED));
		xt_info("after MADV_DONTNEED: AnonHugePages %ld kB",
			xt_anon_huge_kb());
		xt_send_u64(o.fd, 2);
		xt_expect_u64(o.fd, 3);
		XT_ASSERT_PATTERN(o.buf + gone, ps, 171, gone);
		XT_ASSERT_PATTERN(o.buf, gone, 170, 0);
		XT_ASSERT_PATTERN(o.buf + gone + ps, LEN - gone - ps, 170,
				  gone + ps);
		xt_send_u64(o.fd, 4);
		return 0;
	}
	char *p = XT_OWNER_ATTACH_PMD(&o, &a);

	xt_send_u64(o.fd, 1);
	xt_expect_u64(o.fd, 2);
	/* zeros exactly in the page the owner dropped */
	for (i = 0; i < LEN; i += ps) {
		if (i == gone)
			XT_ASSERT_ZERO(p + i, ps);
		else
			XT_ASSERT_PATTERN(p + i, ps, 170, i);
	}
	xt_info("after the split: pmd_mappings %ld", xt_pmd_mappings());
	xt_fill(p + gone, ps, 171, gone);
	xt_send_u64(o.fd, 3);
	xt_expect_u64(o.fd, 4);
	xt_detach(p);
	xt_release(a);
	xt_wait_ok(o.pid);
	return 0;
}
