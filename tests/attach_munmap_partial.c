// SPDX-License-Identifier: GPL-2.0-only
/*
 * munmap of a part of an attachment (middle, head, tail) is either
 * refused with EINVAL (and the attachment keeps working whole) or handled
 * cleanly: the unmapped part faults with SIGSEGV, the rest reads the
 * right data or SIGSEGV (never wrong data), nobody is killed, and
 * detach/release/remove still work. munmap of a whole attachment works.
 */
#include "xt.h"

static size_t ps, len;

static void check_rest(char *p, size_t lo, size_t hi, int unmapped)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < len; i += ps) {
		int sig = xt_probe_read(p + i, &v);
		int hole = i >= lo && i < hi;
		if (unmapped && hole) {
			if (sig != SIGSEGV)
				XT_FAIL("unmapped page %zu: %s, value 0x%llx",
					i / ps, xt_signame(sig),
					(unsigned long long)v);
		} else if (sig == 0) {
			XT_ASSERT_EQ(v, xt_pat(55, i));
		} else if (sig != SIGSEGV || !unmapped) {
			XT_FAIL("page %zu: %s", i / ps, xt_signame(sig));
		}
	}
}

int main(void)
{
	int k;

	ps = XT_PS;
	len = 8 * ps;
	struct xt_owner o = { .len = len, .seed = 55, .mode = 0600,
			      .final_seed = 55 };
	xt_owner_start(&o);
	xpmem_segid_t s = o.segid;
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);

	size_t lo[] = { 3 * ps, 0, 6 * ps };
	size_t hi[] = { 5 * ps, 2 * ps, 8 * ps };
	for (k = 0; k < 3; k++) {
		char *p = xt_attach(a, 0, len, NULL);
		XT_ASSERT_PATTERN(p, len, 55, 0);
		int r = munmap(p + lo[k], hi[k] - lo[k]);
		int e = errno;
		xt_info("munmap of pages %zu..%zu: %d (errno %d)", lo[k] / ps,
			hi[k] / ps, r, r ? e : 0);
		if (r != 0)
			XT_ASSERT_EQ(e, EINVAL);
		check_rest(p, lo[k], hi[k], r == 0);
		/* detach of the remaining parts: 0 or EINVAL, no crash */
		for (size_t i = 0; i < len; i += ps) {
			if (r == 0 && i >= lo[k] && i < hi[k])
				continue;
			int d = xpmem_detach(p + i);
			if (d != 0)
				XT_ASSERT_EQ(errno, EINVAL);
		}
		uint64_t v;
		for (size_t i = 0; i < len; i += ps)
			XT_EXPECT_SIG(xt_probe_read(p + i, &v), SIGSEGV);
	}
	/* munmap of a whole attachment */
	char *p = xt_attach(a, 0, len, NULL);
	XT_ASSERT_PATTERN(p, len, 55, 0);
	XT_OK(munmap(p, len));
	uint64_t v;
	XT_EXPECT_SIG(xt_probe_read(p, &v), SIGSEGV);
	XT_ERR(xpmem_detach(p), EINVAL);
	/* everything still works */
	p = xt_attach(a, 0, len, NULL);
	XT_ASSERT_PATTERN(p, len, 55, 0);
	xt_detach(p);
	xt_release(a);
	xt_owner_stop(&o);
	return 0;
}
