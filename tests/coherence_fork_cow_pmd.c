// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copy-on-write under a 2 MiB entry: the attacher maps the owner's THP
 * with 2 MiB entries, then the owner forks, so its huge pages become
 * read-only and shared with the child. The attacher still reads the
 * data (through read-only entries); its write to a read-only 2 MiB entry
 * refaults as a write, breaks copy-on-write in the owner and lands in
 * the owner's memory only: the child keeps the data of the time of the
 * fork, and the rest of the owner's memory is unchanged. Skips where the
 * kernel lacks huge PFN mappings (huge_mappings N) or the owner got no
 * THP.
 */
#include "xt.h"

#define HP (2 * XT_MiB)

#define LEN (2 * HP)

int main(void)
{
	size_t ps = XT_PS;
	const size_t w = HP + 7 * ps;
	struct xt_owner o = { .len = LEN, .seed = 210, .mode = 0600, .thp = 1 };
	xpmem_apid_t a;

	xt_require_huge_mappings();
	if (xt_owner_fork(&o) == 0) {
		struct xt_cow_witness cw;

		xt_expect_u64(o.fd, 1);
		/* the child: the data of the time of the fork */
		xt_cow_witness_fork(&cw, o.buf, LEN, 210);
		xt_send_u64(o.fd, 2);
		xt_expect_u64(o.fd, 3);
		XT_ASSERT_PATTERN(o.buf + w, ps, 211, w);
		XT_ASSERT_PATTERN(o.buf, w, 210, 0);
		XT_ASSERT_PATTERN(o.buf + w + ps, LEN - w - ps, 210, w + ps);
		xt_cow_witness_check(&cw);
		xt_send_u64(o.fd, 4);
		return 0;
	}
	char *p = XT_OWNER_ATTACH_PMD(&o, &a);

	xt_send_u64(o.fd, 1);
	xt_expect_u64(o.fd, 2);
	/* read-only 2 MiB entries now (the owner's are) */
	XT_ASSERT_PMD_READ("after the fork", p, LEN, 210, 0, 0);
	xt_fill(p + w, ps, 211, w);
	XT_ASSERT_PATTERN(p + w, ps, 211, w);
	XT_ASSERT_PATTERN(p, w, 210, 0);
	XT_ASSERT_PATTERN(p + w + ps, LEN - w - ps, 210, w + ps);
	xt_send_u64(o.fd, 3);
	xt_expect_u64(o.fd, 4);
	xt_detach(p);
	xt_release(a);
	xt_wait_ok(o.pid);
	return 0;
}
