// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attacher writes through an RDWR attachment and the owner sees every
 * word; single stores are visible at once; then the owner writes and the
 * attacher reads it back. Also the first access of a page being a write.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, len = 1 * XT_MiB;
	struct xt_chan ch;
	int fd;
	pid_t pid;

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_anon(len);
		fd = xt_chan_end(&ch, 1);
		memset(buf, 0xee, len);
		xt_send_u64(fd, xt_make(buf, len, 0600));
		xt_expect_u64(fd, 1);
		XT_ASSERT_PATTERN(buf, len, 17, 0);
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		XT_ASSERT_EQ(*(volatile uint64_t *)(buf + 7 * ps + 8), 42);
		xt_fill(buf, len, 18, 0);
		xt_send_u64(fd, 4);
		xt_expect_u64(fd, 5);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	char *p = xt_attach(a, 0, len, NULL);

	/* first touch of every page is a write */
	xt_fill(p, len, 17, 0);
	XT_ASSERT_PATTERN(p, len, 17, 0);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);
	*(volatile uint64_t *)(p + 7 * ps + 8) = 42;
	xt_send_u64(fd, 3);
	xt_expect_u64(fd, 4);
	XT_ASSERT_PATTERN(p, len, 18, 0);
	xt_detach(p);
	xt_send_u64(fd, 5);
	xt_wait_ok(pid);
	return 0;
}
