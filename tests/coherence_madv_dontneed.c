// SPDX-License-Identifier: GPL-2.0-only
/*
 * Owner madvise(MADV_DONTNEED) on private anonymous memory: the attacher
 * then reads zeros (what the owner reads), never the old data; after the
 * owner writes again the attacher sees the new data, and the attacher's
 * writes reach the owner's new pages.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, n = 64, len = n * ps;
	struct xt_chan ch;
	int fd;
	pid_t pid;
	size_t i;

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_anon(len);
		fd = xt_chan_end(&ch, 1);
		XT_OK(madvise(buf, len, MADV_NOHUGEPAGE));
		xt_fill(buf, len, 67, 0);
		xt_send_u64(fd, xt_make(buf, len, 0600));
		xt_expect_u64(fd, 1);
		XT_OK(madvise(buf + 8 * ps, 40 * ps, MADV_DONTNEED));
		XT_ASSERT_ZERO(buf + 8 * ps, ps);	/* the owner's own view */
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		xt_fill(buf + 8 * ps, 40 * ps, 68, 8 * ps);
		xt_send_u64(fd, 4);
		xt_expect_u64(fd, 5);
		XT_ASSERT_PATTERN(buf, len, 69, 0);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	char *p = xt_attach(a, 0, len, NULL);

	XT_ASSERT_PATTERN(p, len, 67, 0);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);
	for (i = 0; i < n; i++) {
		if (i >= 8 && i < 48)
			XT_ASSERT_ZERO(p + i * ps, ps);
		else
			XT_ASSERT_PATTERN(p + i * ps, ps, 67, i * ps);
	}
	xt_send_u64(fd, 3);
	xt_expect_u64(fd, 4);
	XT_ASSERT_PATTERN(p, 8 * ps, 67, 0);
	XT_ASSERT_PATTERN(p + 8 * ps, 40 * ps, 68, 8 * ps);
	xt_fill(p, len, 69, 0);
	xt_send_u64(fd, 5);
	xt_wait_ok(pid);
	xt_detach(p);
	return 0;
}
