// SPDX-License-Identifier: GPL-2.0-only
/*
 * A revoked attachment leaves the owner's notifier tree at once, not when
 * the attacher unmaps it: after RELEASE of its permit, and after the
 * owner's REMOVE of its segment, the module's count of interval notifiers
 * (debugfs stats "notifiers") drops while the dead attachments are still
 * mapped (and raise SIGBUS); unmapping them later changes nothing more.
 */
#include "xt.h"

static long notifiers(void)
{
	long n = xt_proc_field("/sys/kernel/debug/xpmem/stats", "notifiers");

	if (n < 0)
		xt_skip("no notifiers count in the module's debugfs stats");
	return n;
}

int main(void)
{
	size_t ps = XT_PS, len = 8 * ps;
	struct xt_owner o = { .len = len, .seed = 71, .mode = 0600 };
	long n0, n;

	xt_owner_start(&o);
	n0 = notifiers();

	xpmem_apid_t a1 = xt_get(o.segid, XPMEM_RDWR);
	xpmem_apid_t a2 = xt_get(o.segid, XPMEM_RDWR);
	char *p1 = xt_attach(a1, 0, len, NULL);
	char *p2 = xt_attach(a2, 0, len, NULL);
	char *p3 = xt_attach(a2, ps, ps, NULL);

	XT_ASSERT_PATTERN(p1, len, 71, 0);
	XT_ASSERT_PATTERN(p2, len, 71, 0);
	XT_ASSERT_EQ(notifiers(), n0 + 3);

	xt_release(a1);
	n = notifiers();
	XT_ASSERT_MSG(n == n0 + 2, "after RELEASE: %ld notifiers, want %ld "
		      "(the dead attachment kept its notifier)", n, n0 + 2);
	XT_ASSERT_HOLE(p1, len, "attachment of a released permit");
	XT_ASSERT_PATTERN(p2, len, 71, 0);

	/* The owner removes the segment (xt_owner_stop does), p2, p3 die. */
	xt_owner_stop(&o);
	n = notifiers();
	XT_ASSERT_MSG(n == n0, "after REMOVE and exit: %ld notifiers, want %ld",
		      n, n0);
	XT_ASSERT_HOLE(p2, len, "attachment of a removed segment");
	XT_ASSERT_HOLE(p3, ps, "attachment of a removed segment");

	xt_detach(p1);
	xt_detach(p2);
	xt_detach(p3);
	XT_ASSERT_EQ(notifiers(), n0);
	xt_release(a2);
	XT_ASSERT_EQ(notifiers(), n0);
	return 0;
}
