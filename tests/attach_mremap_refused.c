// SPDX-License-Identifier: GPL-2.0-only
/*
 * An attachment cannot be grown or moved with mremap (the call fails and
 * the attachment is unchanged and still works). Shrinking, if allowed,
 * must leave the remaining part correct.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, len = 8 * ps;
	struct xt_owner o = { .len = 2 * len, .seed = 56, .mode = 0600 };
	void *r;
	uint64_t v;

	xt_owner_start(&o);
	xpmem_apid_t a = xt_get(o.segid, XPMEM_RDWR);
	char *area = xt_free_range(4 * len);
	char *p = xt_attach(a, 0, len, area);
	XT_ASSERT_PATTERN(p, len, 56, 0);

	/* grow in place (the space after it is free) */
	r = mremap(p, len, 2 * len, 0);
	XT_ASSERT_MSG(r == MAP_FAILED, "mremap grow in place gave %p", r);
	/* grow, may move */
	r = mremap(p, len, 2 * len, MREMAP_MAYMOVE);
	XT_ASSERT_MSG(r == MAP_FAILED, "mremap grow/move gave %p", r);
	/* move to a fixed free place */
	r = mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, area + 2 * len);
	XT_ASSERT_MSG(r == MAP_FAILED, "mremap move gave %p", r);
	XT_EXPECT_SIG(xt_probe_read(area + 2 * len, &v), SIGSEGV);
	XT_ASSERT_PATTERN(p, len, 56, 0);

	/* shrink: refused, or the head still reads right */
	r = mremap(p, len, 4 * ps, 0);
	if (r == MAP_FAILED) {
		xt_info("mremap shrink refused: errno %d", errno);
		XT_ASSERT_PATTERN(p, len, 56, 0);
	} else {
		xt_info("mremap shrink allowed");
		XT_ASSERT(r == p);
		XT_ASSERT_PATTERN(p, 4 * ps, 56, 0);
		XT_EXPECT_SIG(xt_probe_read(p + 5 * ps, &v), SIGSEGV);
	}
	xt_detach(p);
	XT_EXPECT_SIG(xt_probe_read(p, &v), SIGSEGV);
	xt_owner_stop(&o);
	return 0;
}
