// SPDX-License-Identifier: GPL-2.0-only
/*
 * Segids and apids are positive 64-bit values that are not small
 * sequential integers: each carries a tag in its high 32 bits. Live
 * segids are not found by counting: the small integer of a segid's low
 * bits, or the segid with its tag changed, names nothing (ENOENT), and
 * so for apids (EINVAL). Consecutive MAKEs give tags that differ.
 */
#include "xt.h"

#include <limits.h>

#define N 8

int main(void)
{
	size_t ps = XT_PS;
	char *buf = xt_map_anon(ps);
	xpmem_segid_t s[N];
	xpmem_apid_t a[N];
	int i, same_tag = 0;

	xt_fill(buf, ps, 91, 0);
	for (i = 0; i < N; i++) {
		s[i] = xt_make(buf, ps, 0600);
		a[i] = xt_get(s[i], XPMEM_RDWR);
		xt_info("segid 0x%llx apid 0x%llx", (unsigned long long)s[i],
			(unsigned long long)a[i]);
		XT_ASSERT_GT(s[i], (xpmem_segid_t)INT_MAX);
		XT_ASSERT_GT(a[i], (xpmem_apid_t)INT_MAX);
		if (i && (s[i] >> 32) == (s[i - 1] >> 32))
			same_tag++;

		xpmem_segid_t low = s[i] & 0xffffffffLL;
		XT_ERR(xpmem_get(low, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL),
		       ENOENT);
		XT_ERR(xpmem_get(s[i] ^ (1LL << 40), XPMEM_RDWR,
				 XPMEM_PERMIT_MODE, NULL), ENOENT);
		XT_ERR(xpmem_remove(low), ENOENT);

		struct xpmem_addr bad = { a[i] & 0xffffffffLL, 0 };
		XT_ERR(xpmem_attach(bad, ps, NULL), EINVAL);
		bad.apid = a[i] ^ (1LL << 33);
		XT_ERR(xpmem_attach(bad, ps, NULL), EINVAL);
		XT_ERR(xpmem_release(a[i] & 0xffffffffLL), EINVAL);
	}
	XT_ASSERT_MSG(same_tag < N - 1, "all %d segids share one tag", N);
	for (i = 0; i < N; i++) {
		char *p = xt_attach(a[i], 0, ps, NULL);

		XT_ASSERT_PATTERN(p, ps, 91, 0);
		xt_detach(p);
		xt_release(a[i]);
		xt_remove(s[i]);
	}
	return 0;
}
