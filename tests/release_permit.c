// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem_release: after releasing a permit, attaching through it fails,
 * releasing it again fails, and an attachment made through it before
 * reads either the owner's data or faults with SIGBUS - never anything
 * else - and can still be detached. Other permits of the same segment
 * in the same process are not affected.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, len = 8 * ps;
	struct xt_owner o = { .len = len, .seed = 280, .mode = 0600 };
	uint64_t v;

	xt_owner_start(&o);
	xpmem_apid_t a = xt_get(o.segid, XPMEM_RDWR);
	xpmem_apid_t b = xt_get(o.segid, XPMEM_RDONLY);
	XT_ASSERT_NE(a, b);
	char *pa = xt_attach(a, 0, len, NULL);
	char *pb = xt_attach(b, 0, len, NULL);
	XT_ASSERT_PATTERN(pa, len / 2, 280, 0);

	xt_release(a);
	struct xpmem_addr xa = { a, 0 };
	XT_FAILS(xpmem_attach(xa, ps, NULL));
	XT_FAILS(xpmem_release(a));
	for (size_t i = 0; i < len; i += ps) {
		int sig = xt_probe_read(pa + i, &v);
		if (sig == 0)
			XT_ASSERT_EQ(v, xt_pat(280, i));
		else if (sig != SIGBUS)
			XT_FAIL("attachment of a released permit: %s", xt_signame(sig));
		if (i == 0)
			xt_info("attachment of a released permit: %s",
				sig ? "SIGBUS" : "still reads the data");
	}
	xt_detach(pa);
	/* the other permit works */
	XT_ASSERT_PATTERN(pb, len, 280, 0);
	char *pc = xt_attach(b, ps, ps, NULL);
	XT_ASSERT_PATTERN(pc, ps, 280, ps);
	xt_detach(pc);
	xt_detach(pb);
	xt_release(b);
	xt_owner_stop(&o);
	return 0;
}
