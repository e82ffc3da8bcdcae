// SPDX-License-Identifier: GPL-2.0-only
/*
 * mprotect of an attachment mapped with 2 MiB entries: PROT_READ of the
 * whole attachment keeps the reads (the owner's data) and makes writes
 * raise SIGSEGV; PROT_READ | PROT_WRITE again makes writes work and
 * reach the owner (the read-only 2 MiB entry is upgraded through a
 * refault); mprotect of 4 KiB inside a 2 MiB entry is refused with
 * EINVAL or leaves every page reading the right data. Skips where the
 * kernel lacks huge PFN mappings (huge_mappings N) or the owner got no
 * THP.
 */
#include "xt.h"

#define HP (2 * XT_MiB)

#define LEN (2 * HP)

int main(void)
{
	size_t ps = XT_PS, i;
	struct xt_owner o = { .len = LEN, .seed = 200, .mode = 0600, .thp = 1,
			      .final_seed = 201 };
	xpmem_apid_t a;
	uint64_t v;
	int r;

	xt_require_huge_mappings();
	xt_owner_start(&o);
	char *p = XT_OWNER_ATTACH_PMD(&o, &a);

	XT_OK(mprotect(p, LEN, PROT_READ));
	XT_ASSERT_PATTERN(p, LEN, 200, 0);
	for (i = 0; i < LEN; i += HP / 4)
		XT_EXPECT_SIG(xt_probe_write(p + i, 1), SIGSEGV);
	XT_ASSERT_PATTERN(p, LEN, 200, 0);

	r = mprotect(p + HP / 2, ps, PROT_READ | PROT_WRITE);
	xt_info("mprotect of 4 KiB inside a 2 MiB entry: %d (errno %d)", r,
		r ? errno : 0);
	if (r != 0)
		XT_ASSERT_EQ(errno, EINVAL);
	XT_ASSERT_PATTERN(p, LEN, 200, 0);

	XT_OK(mprotect(p, LEN, PROT_READ | PROT_WRITE));
	for (i = 0; i < LEN; i += ps)
		XT_ASSERT_EQ(xt_probe_write(p + i, xt_pat(201, i)), 0);
	xt_fill(p, LEN, 201, 0);
	XT_ASSERT_PATTERN(p, LEN, 201, 0);
	XT_ASSERT_EQ(xt_probe_read(p, &v), 0);
	xt_info("after the writes: pmd_mappings %ld", xt_pmd_mappings());
	xt_detach(p);
	xt_release(a);
	xt_owner_stop(&o);
	return 0;
}
