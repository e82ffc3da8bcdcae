// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner exits while the attacher maps its THP with 2 MiB entries:
 * as with 4 KiB entries (owner_exit), the attacher's next read or write
 * of any page raises SIGBUS (never the old data), and it can still
 * detach and release. Skips where the kernel lacks huge PFN mappings
 * (huge_mappings N) or the owner got no THP.
 */
#include "xt.h"

#define HP (2 * XT_MiB)

#define LEN (2 * HP)

int main(void)
{
	/* the owner exits at xt_owner_stop, without removing the segment */
	struct xt_owner o = { .len = LEN, .seed = 240, .mode = 0600, .thp = 1 };
	xpmem_apid_t a;

	xt_require_huge_mappings();
	xt_owner_start(&o);
	char *p = XT_OWNER_ATTACH_PMD(&o, &a);

	xt_owner_stop(&o);
	XT_ASSERT_HOLE(p, LEN, "after the owner's exit");
	XT_EXPECT_SIG(xt_probe_write(p + HP + 8, 1), SIGBUS);
	xt_detach(p);
	xt_release(a);
	return 0;
}
