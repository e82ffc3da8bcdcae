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
	struct xt_owner o = { .len = len, .seed = 15, .mode = 0600 };
	int fd;
	pid_t pid;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		char *buf = o.buf;
		xt_expect_u64(fd, 1);
		xt_fill(buf, len, 16, 0);
		xt_step(fd, 2);
		*(volatile uint64_t *)(buf + 5 * ps) = 0x0123456789abcdefULL;
		xt_step(fd, 4);
		return 0;
	}
	char *p = xt_get_attach(o.segid, XPMEM_RDONLY, len, NULL);

	XT_ASSERT_PATTERN(p, len, 15, 0);
	xt_step(fd, 1);
	XT_ASSERT_PATTERN(p, len, 16, 0);
	xt_step(fd, 3);
	XT_ASSERT_EQ(*(volatile uint64_t *)(p + 5 * ps), 0x0123456789abcdefULL);
	xt_detach(p);
	xt_send_u64(fd, 5);
	xt_wait_ok(pid);
	return 0;
}
