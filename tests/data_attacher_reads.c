// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attacher reads the owner's memory: the pattern the owner wrote,
 * then, after plain stores by the owner (no mapping change), the new
 * values - the two share the same physical pages.
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
		xt_fill(buf, len, 15, 0);
		xt_send_u64(fd, xt_make(buf, len, 0600));
		xt_expect_u64(fd, 1);
		xt_fill(buf, len, 16, 0);
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		*(volatile uint64_t *)(buf + 5 * ps) = 0x0123456789abcdefULL;
		xt_send_u64(fd, 4);
		xt_expect_u64(fd, 5);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDONLY);
	char *p = xt_attach(a, 0, len, NULL);

	XT_ASSERT_PATTERN(p, len, 15, 0);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);
	XT_ASSERT_PATTERN(p, len, 16, 0);
	xt_send_u64(fd, 3);
	xt_expect_u64(fd, 4);
	XT_ASSERT_EQ(*(volatile uint64_t *)(p + 5 * ps), 0x0123456789abcdefULL);
	xt_detach(p);
	xt_send_u64(fd, 5);
	xt_wait_ok(pid);
	return 0;
}
