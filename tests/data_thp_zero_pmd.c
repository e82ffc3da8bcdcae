// SPDX-License-Identifier: GPL-2.0-only
/*
 * Untouched THP memory of the owner, first read through the attachment:
 * the owner's read fault maps its huge zero page, which the attacher
 * must see as zeros (and which is not mapped with a 2 MiB entry: 7.3
 * zaps such an entry as the owner's own huge zero PMD). The attacher's
 * writes then reach the owner (copy-on-write of the zero page in the
 * owner), the owner's writes reach the attacher, and detaching (zapping
 * whatever the attacher maps) is clean. Skips where the kernel lacks
 * huge PFN mappings (huge_mappings N).
 */
#include "xt.h"

#define HP (2 * XT_MiB)

#define LEN (2 * HP)

/* The second block: read by the owner itself first, before the make. */
static void owner_reads(struct xt_owner *o)
{
	XT_ASSERT_ZERO(o->buf + HP, HP);
}

int main(void)
{
	size_t ps = XT_PS, i;
	/* untouched memory: no pattern */
	struct xt_owner o = { .len = LEN, .mode = 0600, .thp = 1,
			      .prepare = owner_reads };
	int round;

	xt_require_huge_mappings();
	if (xt_owner_fork(&o) == 0) {
		xt_expect_u64(o.fd, 1);
		for (i = 0; i < LEN; i += ps)
			XT_ASSERT_PATTERN(o.buf + i, 8, 250, i);
		xt_fill(o.buf, LEN, 251, 0);
		xt_send_u64(o.fd, 2);
		xt_expect_u64(o.fd, 3);
		return 0;
	}
	xpmem_apid_t a = xt_get(o.segid, XPMEM_RDWR);

	for (round = 0; round < 2; round++) {
		char *p = xt_attach(a, 0, LEN, NULL);

		if (round == 0) {
			XT_ASSERT_ZERO(p, LEN);
			xt_info("after reading zeros: pmd_mappings %ld",
				xt_pmd_mappings());
			for (i = 0; i < LEN; i += ps)
				xt_fill(p + i, 8, 250, i);
			xt_send_u64(o.fd, 1);
			xt_expect_u64(o.fd, 2);
		}
		XT_ASSERT_PATTERN(p, LEN, 251, 0);
		xt_detach(p);
	}
	xt_release(a);
	xt_send_u64(o.fd, 3);
	xt_wait_ok(o.pid);
	return 0;
}
