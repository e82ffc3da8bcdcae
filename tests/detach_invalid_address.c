// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem_detach of an address that is not in an attachment fails with
 * EINVAL and leaves that memory alone: unmapped address, own anonymous
 * memory, the stack, NULL, a kernel address, an address just past an
 * attachment, and an attachment that was already detached.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, len = 4 * ps;
	struct xt_owner o = { .len = len, .seed = 54, .mode = 0600 };
	char local[256];

	xt_owner_start(&o);
	xpmem_apid_t a = xt_get(o.segid, XPMEM_RDWR);
	char *mine = xt_map_anon(len);
	xt_fill(mine, len, 60, 0);
	memset(local, 0x42, sizeof(local));

	char *area = xt_free_range(3 * len);
	char *p = xt_attach(a, 0, len, area + len);
	XT_ASSERT(p == area + len);

	XT_ERR(xpmem_detach(area), EINVAL);		/* unmapped, before */
	XT_ERR(xpmem_detach(p + len), EINVAL);		/* just past the end */
	XT_ERR(xpmem_detach(p - 1), EINVAL);		/* just before */
	XT_ERR(xpmem_detach(mine), EINVAL);
	XT_ERR(xpmem_detach(mine + len - 1), EINVAL);
	XT_ERR(xpmem_detach(local), EINVAL);
	XT_ERR(xpmem_detach(NULL), EINVAL);
	XT_ERR(xpmem_detach((void *)0xffffffff81000000UL), EINVAL);
	XT_ERR(xpmem_detach((void *)main), EINVAL);

	XT_ASSERT_PATTERN(mine, len, 60, 0);
	for (unsigned i = 0; i < sizeof(local); i++)
		XT_ASSERT_EQ(local[i], 0x42);
	XT_ASSERT_PATTERN(p, len, 54, 0);

	xt_detach(p);
	XT_ERR(xpmem_detach(p), EINVAL);
	XT_ERR(xpmem_detach(p + ps), EINVAL);

	/* an attachment of another process's context: a plain mapping here */
	xt_owner_stop(&o);
	return 0;
}
