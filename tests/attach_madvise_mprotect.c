// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory calls on an attachment by the attacher: MADV_DONTNEED only drops
 * the attacher's entries (the next read faults the owner's data back in,
 * not zeros, and the owner's memory is untouched); mprotect of the whole
 * attachment to PROT_NONE makes accesses fail with SIGSEGV and back to
 * read-write works again; mlock/munlock either work or fail cleanly;
 * MADV_DOFORK cannot make it inheritable.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, len = 16 * ps;
	struct xt_owner o = { .len = len, .seed = 295, .mode = 0600,
			      .final_seed = 296 };
	uint64_t v;

	xt_owner_start(&o);
	char *p = xt_get_attach(o.segid, XPMEM_RDWR, len, NULL);

	XT_ASSERT_PATTERN(p, len, 295, 0);
	int r = madvise(p, len, MADV_DONTNEED);
	xt_info("MADV_DONTNEED on the attachment: %d (%s)", r,
		r ? strerror(errno) : "ok");
	XT_ASSERT_PATTERN(p, len, 295, 0);

	XT_OK(mprotect(p, len, PROT_NONE));
	XT_EXPECT_SIG(xt_probe_read(p + ps, &v), SIGSEGV);
	XT_OK(mprotect(p, len, PROT_READ));
	XT_ASSERT_PATTERN(p, len, 295, 0);
	XT_EXPECT_SIG(xt_probe_write(p + 2 * ps, 1), SIGSEGV);
	XT_OK(mprotect(p, len, PROT_READ | PROT_WRITE));
	xt_fill(p, len, 296, 0);

	r = mlock(p, len);
	xt_info("mlock of the attachment: %d (%s)", r, r ? strerror(errno) : "ok");
	XT_ASSERT_PATTERN(p, len, 296, 0);
	if (r == 0)
		XT_OK(munlock(p, len));

	r = madvise(p, len, MADV_DOFORK);
	xt_info("MADV_DOFORK on the attachment: %d (%s)", r,
		r ? strerror(errno) : "ok");
	pid_t c = xt_fork();
	if (c == 0) {
		int sig = xt_probe_read(p, &v);
		if (sig != SIGSEGV)
			XT_FAIL("child after MADV_DOFORK reads the attachment: %s "
				"0x%llx", xt_signame(sig), (unsigned long long)v);
		exit(0);
	}
	xt_wait_ok(c);
	XT_ASSERT_PATTERN(p, len, 296, 0);
	xt_detach(p);
	xt_owner_stop(&o);
	return 0;
}
