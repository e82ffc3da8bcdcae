// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner exits without removing its segment or closing the device.
 * The attacher's next access raises SIGBUS (not the old data), for pages
 * it had faulted in and pages it had not; it can still detach and
 * release; xpmem_get on the dead owner's segid fails.
 */
#include "xt.h"

#include <sys/wait.h>

int main(void)
{
	size_t ps = XT_PS, len = 64 * ps;
	struct xt_owner o = { .len = len, .seed = 50, .mode = 0600 };
	xpmem_apid_t a;
	uint64_t v;

	if (xt_owner_fork(&o) == 0) {
		xt_expect_u64(o.fd, 1);
		_exit(0);	/* no remove, no close, no atexit */
	}
	char *p = xt_get_attach(o.segid, XPMEM_RDWR, len, &a);
	char *q = xt_attach(a, 0, len, NULL);

	XT_ASSERT_PATTERN(p, len / 2, 50, 0);
	xt_send_u64(o.fd, 1);
	xt_wait_ok(o.pid);

	XT_ASSERT_HOLE(p, len, "after owner exit");
	XT_EXPECT_SIG(xt_probe_write(p + 3 * ps, 1), SIGBUS);
	XT_EXPECT_SIG(xt_probe_read(q, &v), SIGBUS);
	XT_EXPECT_SIG(xt_probe_write(q + len - ps, 1), SIGBUS);

	/* new attachments through the old permit do not give data either */
	struct xpmem_addr xa = { a, 0 };
	char *r = xpmem_attach(xa, ps, NULL);
	if (r != XT_XPMEM_FAILED) {
		XT_EXPECT_SIG(xt_probe_read(r, &v), SIGBUS);
		xt_detach(r);
	}

	xt_detach(p + 5 * ps);
	xt_detach(q);
	XT_EXPECT_SIG(xt_probe_read(p, &v), SIGSEGV);
	int rr = xpmem_release(a);
	xt_info("release after owner exit: %d (errno %d)", rr, rr ? errno : 0);
	XT_FAILS(xpmem_get(o.segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL));
	/* the driver still works */
	char *mine = xt_map_anon(ps);
	xt_remove(xt_make(mine, ps, 0600));
	return 0;
}
