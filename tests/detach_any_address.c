// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem_detach accepts any address inside the attachment (start, middle,
 * unaligned, last byte) and removes the whole attachment, nothing else:
 * neighbouring attachments keep working.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, len = 8 * ps;
	struct xt_owner o = { .len = len, .seed = 53, .mode = 0600 };
	int k;
	uint64_t v;

	xt_owner_start(&o);
	xpmem_apid_t a = xt_get(o.segid, XPMEM_RDWR);

	size_t where[] = { 0, 5 * ps + 123, len - 1, ps, 3 * ps + 8 };
	for (k = 0; k < 5; k++) {
		/* three adjacent-ish attachments; detach the middle one */
		char *area = xt_free_range(3 * len);
		char *x = xt_attach(a, 0, len, area);
		char *y = xt_attach(a, 0, len, area + len);
		char *z = xt_attach(a, 0, len, area + 2 * len);
		XT_ASSERT(x == area && y == area + len && z == area + 2 * len);
		XT_ASSERT_PATTERN(y, len, 53, 0);
		xt_detach(y + where[k]);
		for (size_t i = 0; i < len; i += ps)
			XT_EXPECT_SIG(xt_probe_read(y + i, &v), SIGSEGV);
		XT_ASSERT_PATTERN(x, len, 53, 0);
		XT_ASSERT_PATTERN(z, len, 53, 0);
		/* the range is free again */
		char *m = mmap(y, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			       -1, 0);
		XT_ASSERT(m == y);
		munmap(m, len);
		xt_detach(x + len - 1);
		xt_detach(z);
	}
	xt_owner_stop(&o);
	return 0;
}
