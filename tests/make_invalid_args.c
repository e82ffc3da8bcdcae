// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem_make rejects with EINVAL: an unaligned address or size, size 0,
 * a permit type other than XPMEM_PERMIT_MODE, a mode outside 0777. The
 * same calls with valid arguments succeed (so EINVAL is not blanket).
 */
#include "xt.h"

static void *mode(unsigned long m)
{
	return (void *)(uintptr_t)m;
}

int main(void)
{
	size_t ps = XT_PS;
	char *buf = xt_map_anon(4 * ps);
	xpmem_segid_t s;

	memset(buf, 1, 4 * ps);

	/* unaligned address */
	XT_ERR(xpmem_make(buf + 1, ps, XPMEM_PERMIT_MODE, mode(0600)), EINVAL);
	XT_ERR(xpmem_make(buf + ps / 2, ps, XPMEM_PERMIT_MODE, mode(0600)), EINVAL);
	/* unaligned size */
	XT_ERR(xpmem_make(buf, ps + 1, XPMEM_PERMIT_MODE, mode(0600)), EINVAL);
	XT_ERR(xpmem_make(buf, 100, XPMEM_PERMIT_MODE, mode(0600)), EINVAL);
	/* size 0 */
	XT_ERR(xpmem_make(buf, 0, XPMEM_PERMIT_MODE, mode(0600)), EINVAL);
	/* permit type */
	XT_ERR(xpmem_make(buf, ps, 0, mode(0600)), EINVAL);
	XT_ERR(xpmem_make(buf, ps, 2, mode(0600)), EINVAL);
	XT_ERR(xpmem_make(buf, ps, -1, mode(0600)), EINVAL);
	/* mode outside 0777 */
	XT_ERR(xpmem_make(buf, ps, XPMEM_PERMIT_MODE, mode(01000)), EINVAL);
	XT_ERR(xpmem_make(buf, ps, XPMEM_PERMIT_MODE, mode(01777)), EINVAL);
	XT_ERR(xpmem_make(buf, ps, XPMEM_PERMIT_MODE, mode(04600)), EINVAL);
	XT_ERR(xpmem_make(buf, ps, XPMEM_PERMIT_MODE, mode(0x10000)), EINVAL);
	XT_ERR(xpmem_make(buf, ps, XPMEM_PERMIT_MODE, (void *)-1), EINVAL);
	/* a range that wraps around the address space */
	XT_FAILS(xpmem_make((void *)(uintptr_t)-(2 * ps), 4 * ps,
			    XPMEM_PERMIT_MODE, mode(0600)));

	/* the valid forms work */
	s = xt_make(buf, ps, 0600);
	xt_remove(s);
	s = xt_make(buf, 4 * ps, 0);
	xt_remove(s);
	s = xt_make(buf, 4 * ps, 0777);
	xt_remove(s);
	return 0;
}
