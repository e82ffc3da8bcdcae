// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner forks (its pages become copy-on-write shared with the child)
 * and then writes: the attacher must see the owner's new data, not the
 * child's copy. Then the attacher writes: the owner sees it, the child's
 * copy keeps the data of the time of the fork.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, n = 32, len = n * ps;
	struct xt_owner o = { 0 };	/* makes its segment itself */
	int fd;
	pid_t pid;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		char *buf = xt_map_anon(len);
		struct xt_cow_witness child;

		XT_OK(madvise(buf, len / 2, MADV_NOHUGEPAGE));
		xt_fill(buf, len, 73, 0);
		xt_send_u64(fd, xt_make(buf, len, 0600));
		xt_expect_u64(fd, 1);

		xt_cow_witness_fork(&child, buf, len, 73);
		xt_fill(buf, len / 2, 74, 0);	/* COW break in the owner */
		xt_step(fd, 2);
		XT_ASSERT_PATTERN(buf, len, 75, 0);
		xt_cow_witness_check(&child);
		return 0;
	}
	char *p = xt_get_attach(xt_recv_u64(fd), XPMEM_RDWR, len, NULL);

	XT_ASSERT_PATTERN(p, len, 73, 0);
	xt_step(fd, 1);
	XT_ASSERT_PATTERN(p, len / 2, 74, 0);
	XT_ASSERT_PATTERN(p + len / 2, len / 2, 73, len / 2);
	/* the second half is still COW-shared with the child: we write it */
	xt_fill(p, len, 75, 0);
	xt_send_u64(fd, 3);
	xt_wait_ok(pid);
	xt_detach(p);
	return 0;
}
