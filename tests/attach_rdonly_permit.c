// SPDX-License-Identifier: GPL-2.0-only
/*
 * An attachment made through an XPMEM_RDONLY permit is a read-only
 * mapping: reads see the owner's data, a write raises SIGSEGV, mprotect
 * cannot make it writable, and the owner's memory never changes.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, len = 8 * ps;
	struct xt_owner o = { .len = len, .seed = 14, .mode = 0666,
			      .final_seed = 14 };
	size_t i;

	xt_owner_start(&o);
	char *p = xt_get_attach(o.segid, XPMEM_RDONLY, len, NULL);

	/* write first (before any read fault), then read, then write */
	XT_EXPECT_SIG(xt_probe_write(p, 1), SIGSEGV);
	XT_ASSERT_PATTERN(p, len, 14, 0);
	for (i = 0; i < len; i += ps) {
		XT_EXPECT_SIG(xt_probe_write(p + i + 8, 0x1111), SIGSEGV);
		XT_EXPECT_SIG(xt_probe_write8(p + i + ps - 1, 0x22), SIGSEGV);
	}
	XT_ASSERT_PATTERN(p, len, 14, 0);

	int r = mprotect(p, len, PROT_READ | PROT_WRITE);
	if (r == 0) {
		xt_info("mprotect(PROT_WRITE) on a RDONLY attachment succeeded; "
			"writes must still fail");
		for (i = 0; i < len; i += ps) {
			int sig = xt_probe_write(p + i, 0x3333);
			XT_ASSERT_MSG(sig == SIGSEGV || sig == SIGBUS,
				      "write after mprotect: %s", xt_signame(sig));
		}
	} else {
		xt_info("mprotect(PROT_WRITE) refused: errno %d", errno);
	}
	XT_ASSERT_PATTERN(p, len, 14, 0);
	xt_detach(p);
	xt_owner_stop(&o);
	return 0;
}
