// SPDX-License-Identifier: GPL-2.0-only
/*
 * When the owner removes a segment that is attached elsewhere, the
 * attacher's next access raises SIGBUS (never the old data, never a
 * wrong page), and the attacher can still detach and release.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, len = 8 * ps;
	struct xt_owner o = { .len = len, .seed = 3, .mode = 0666 };
	int fd;

	if (xt_owner_fork(&o) == 0) {
		fd = o.fd;
		xt_expect_u64(fd, 1);
		xt_remove(o.segid);
		/* the owner's memory itself is unaffected */
		XT_ASSERT_PATTERN(o.buf, len, 3, 0);
		xt_step(fd, 2);
		XT_ASSERT_PATTERN(o.buf, len, 3, 0);
		return 0;
	}
	fd = o.fd;
	xpmem_apid_t a;
	char *p = xt_get_attach(o.segid, XPMEM_RDWR, len, &a);
	char *q = xt_attach(a, 2 * ps, 2 * ps, NULL);
	uint64_t v;
	size_t i;

	/* fault in half of the pages, leave the others untouched */
	XT_ASSERT_PATTERN(p, len / 2, 3, 0);
	XT_ASSERT_PATTERN(q, ps, 3, 2 * ps);
	xt_step(fd, 1);

	XT_ASSERT_HOLE(p, len, "after remove");
	for (i = 0; i < len; i += ps)
		XT_EXPECT_SIG(xt_probe_write(p + i, 0xdead), SIGBUS);
	XT_EXPECT_SIG(xt_probe_read(q + ps, &v), SIGBUS);

	xt_detach(p + ps);
	xt_detach(q);
	/* the range is gone now: SIGSEGV, not SIGBUS */
	XT_EXPECT_SIG(xt_probe_read(p, &v), SIGSEGV);
	(void)xpmem_release(a);
	xt_send_u64(fd, 3);
	xt_wait_ok(o.pid);
	return 0;
}
