// SPDX-License-Identifier: GPL-2.0-only
/*
 * Removing a segid that does not exist (never made, already removed,
 * 0, negative) fails, and does not disturb a live segment.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS;
	char *buf = xt_map_anon(ps);
	xpmem_segid_t s, gone;

	gone = xt_make(buf, ps, 0600);
	xt_remove(gone);
	s = xt_make(buf, ps, 0600);

	XT_FAILS(xpmem_remove(gone));
	XT_FAILS(xpmem_remove(0));
	XT_FAILS(xpmem_remove(-1));
	XT_FAILS(xpmem_remove(-s));
	XT_FAILS(xpmem_remove(s + 1000000));
	XT_FAILS(xpmem_remove(s ^ (1LL << 40)));
	XT_FAILS(xpmem_remove(INT64_MAX));

	/* the live one is untouched */
	xt_remove(s);
	return 0;
}
