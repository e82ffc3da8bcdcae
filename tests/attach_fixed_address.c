// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem_attach at a free address chosen by the caller maps the window
 * exactly there; the data is the owner's.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, len = 16 * ps;
	struct xt_owner o = { .len = len, .seed = 12, .mode = 0600 };

	xt_owner_start(&o);
	xpmem_apid_t a = xt_get(o.segid, XPMEM_RDWR);

	/* a free range, with a guard page on both sides kept mapped */
	char *area = mmap(NULL, len + 2 * ps, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	XT_ASSERT(area != MAP_FAILED);
	char *want = area + ps;
	XT_OK(munmap(want, len));

	char *p = xt_attach(a, 0, len, want);
	XT_ASSERT_MSG(p == want, "attach at %p returned %p", want, p);
	XT_ASSERT_PATTERN(p, len, 12, 0);
	xt_detach(p);

	/* again, with an offset, at a far away free address */
	want = xt_free_range(64 * ps);
	want += 8 * ps;
	p = xt_attach(a, 4 * ps, 8 * ps, want);
	XT_ASSERT_MSG(p == want, "attach at %p returned %p", want, p);
	XT_ASSERT_PATTERN(p, 8 * ps, 12, 4 * ps);
	xt_detach(p);

	xt_owner_stop(&o);
	return 0;
}
