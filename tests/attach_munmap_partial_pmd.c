// SPDX-License-Identifier: GPL-2.0-only
/*
 * munmap of one 4 KiB page (and of a 1 MiB half) inside a 2 MiB entry
 * of an attachment: as for 4 KiB entries (attach_munmap_partial), it is
 * either refused with EINVAL and the whole attachment keeps reading the
 * owner's data, or the unmapped part faults with SIGSEGV and the rest of
 * the huge page still reads the right data (never stale or wrong data);
 * detach then removes the rest. Skips where the kernel lacks huge PFN
 * mappings (huge_mappings N) or the owner got no THP.
 */
#include "xt.h"

#define HP (2 * XT_MiB)

#define LEN (2 * HP)

static size_t ps;

static void check_rest(char *p, size_t lo, size_t hi, int unmapped)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < LEN; i += ps) {
		int sig = xt_probe_read(p + i, &v);

		if (unmapped && i >= lo && i < hi) {
			if (sig != SIGSEGV)
				XT_FAIL("unmapped page %zu: %s, value 0x%llx",
					i / ps, xt_signame(sig),
					(unsigned long long)v);
		} else {
			XT_ASSERT_EQ(sig, 0);
			XT_ASSERT_EQ(v, xt_pat(180, i));
		}
	}
}

int main(void)
{
	struct xt_owner o = { .len = LEN, .seed = 180, .mode = 0600, .thp = 1,
			      .final_seed = 180 };
	int k;

	ps = XT_PS;
	xt_require_huge_mappings();
	xt_owner_start(&o);
	xt_owner_require_thp(&o);
	xpmem_apid_t a = xt_get(o.segid, XPMEM_RDWR);

	size_t lo[] = { HP / 2, HP + HP / 2, 0 };
	size_t hi[] = { HP / 2 + ps, 2 * HP, HP / 2 };

	for (k = 0; k < 3; k++) {
		char *p = xt_attach(a, 0, LEN, NULL);

		XT_ASSERT_PMD_READ(NULL, p, LEN, 180, 0, 2);
		int r = munmap(p + lo[k], hi[k] - lo[k]);
		int e = errno;

		xt_info("munmap of [%#zx, %#zx) inside 2 MiB entries: %d "
			"(errno %d)", lo[k], hi[k], r, r ? e : 0);
		if (r != 0)
			XT_ASSERT_EQ(e, EINVAL);
		check_rest(p, lo[k], hi[k], r == 0);
		/* and again after the refaults */
		check_rest(p, lo[k], hi[k], r == 0);
		for (size_t i = 0; i < LEN; i += ps) {
			if (r == 0 && i >= lo[k] && i < hi[k])
				continue;
			if (xpmem_detach(p + i) != 0)
				XT_ASSERT_EQ(errno, EINVAL);
		}
		uint64_t v;

		for (size_t i = 0; i < LEN; i += ps)
			XT_EXPECT_SIG(xt_probe_read(p + i, &v), SIGSEGV);
	}
	xt_release(a);
	xt_owner_stop(&o);
	return 0;
}
