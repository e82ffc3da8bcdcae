// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem_attach at a caller-chosen address that overlaps an existing
 * mapping fails (it must not clobber it like MAP_FIXED would); the
 * existing mapping - plain memory or another attachment - keeps its data.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, len = 8 * ps;
	struct xt_owner o = { .len = len, .seed = 13, .mode = 0600 };
	struct xpmem_addr xa;
	void *r;

	xt_owner_start(&o);
	xpmem_apid_t a = xt_get(o.segid, XPMEM_RDWR);
	xa.apid = a;
	xa.offset = 0;

	char *mine = xt_map_anon(4 * ps);
	xt_fill(mine, 4 * ps, 99, 0);

	/* exactly on it, inside it, straddling its start and its end */
	char *tries[] = { mine, mine + ps, mine - ps, mine + 3 * ps };
	unsigned i;
	for (i = 0; i < 4; i++) {
		r = xpmem_attach(xa, 2 * ps, tries[i]);
		XT_ASSERT_MSG(r == XT_XPMEM_FAILED,
			      "attach over own mapping at %p gave %p", tries[i], r);
		xt_info("attach at %p failed: errno %d", tries[i], errno);
		XT_ASSERT_PATTERN(mine, 4 * ps, 99, 0);
	}

	/* over another attachment */
	char *att = xt_attach(a, 0, len, NULL);
	XT_ASSERT_PATTERN(att, len, 13, 0);
	xa.offset = 2 * ps;
	r = xpmem_attach(xa, 2 * ps, att + 4 * ps);
	XT_ASSERT_MSG(r == XT_XPMEM_FAILED,
		      "attach over an attachment at %p gave %p", att + 4 * ps, r);
	XT_ASSERT_PATTERN(att, len, 13, 0);

	/* over the stack */
	char local[64];
	r = xpmem_attach(xa, ps, (void *)((uintptr_t)local & ~(ps - 1)));
	XT_ASSERT_MSG(r == XT_XPMEM_FAILED, "attach over the stack gave %p", r);
	memset(local, 1, sizeof(local));

	xt_detach(att);
	XT_ASSERT_PATTERN(mine, 4 * ps, 99, 0);
	xt_owner_stop(&o);
	return 0;
}
