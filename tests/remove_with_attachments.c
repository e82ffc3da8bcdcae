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
	struct xt_chan ch;
	int fd;
	pid_t pid;

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_anon(len);
		xpmem_segid_t s;

		fd = xt_chan_end(&ch, 1);
		xt_fill(buf, len, 3, 0);
		s = xt_make(buf, len, 0666);
		xt_send_u64(fd, s);
		xt_expect_u64(fd, 1);
		xt_remove(s);
		/* the owner's memory itself is unaffected */
		XT_ASSERT_PATTERN(buf, len, 3, 0);
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		XT_ASSERT_PATTERN(buf, len, 3, 0);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_segid_t s = xt_recv_u64(fd);
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);
	char *p = xt_attach(a, 0, len, NULL);
	char *q = xt_attach(a, 2 * ps, 2 * ps, NULL);
	uint64_t v;
	size_t i;

	/* fault in half of the pages, leave the others untouched */
	XT_ASSERT_PATTERN(p, len / 2, 3, 0);
	XT_ASSERT_PATTERN(q, ps, 3, 2 * ps);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);

	for (i = 0; i < len; i += ps) {
		int sig = xt_probe_read(p + i, &v);
		if (sig != SIGBUS)
			XT_FAIL("page %zu after remove: expected SIGBUS, got %s "
				"(value 0x%llx)", i / ps, xt_signame(sig),
				(unsigned long long)v);
		XT_EXPECT_SIG(xt_probe_write(p + i, 0xdead), SIGBUS);
	}
	XT_EXPECT_SIG(xt_probe_read(q + ps, &v), SIGBUS);

	xt_detach(p + ps);
	xt_detach(q);
	/* the range is gone now: SIGSEGV, not SIGBUS */
	XT_EXPECT_SIG(xt_probe_read(p, &v), SIGSEGV);
	(void)xpmem_release(a);
	xt_send_u64(fd, 3);
	xt_wait_ok(pid);
	return 0;
}
