// SPDX-License-Identifier: GPL-2.0-only
/*
 * Read-only owner pages, copy-on-write after fork: the owner writes its
 * data, forks (the child keeps running, holding the COW-shared pages),
 * then the attacher writes. The write must break COW in the owner: the
 * owner sees the attacher's data, the child's copy keeps the old value.
 * Once with the attachment faulted in before the fork, once after.
 */
#include "xt.h"

static void round_(int fd, char *p, size_t len, int early, uint64_t seed)
{
	xt_expect_u64(fd, 10);		/* the owner has written its data */
	if (early)
		XT_ASSERT_PATTERN(p, len, seed, 0);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);		/* the owner has forked */
	if (!early)
		XT_ASSERT_PATTERN(p, len, seed, 0);
	xt_fill(p, len, seed + 1, 0);
	xt_step(fd, 3);
}

static void owner_round(int fd, char *buf, size_t len, uint64_t seed)
{
	struct xt_cow_witness child;

	xt_fill(buf, len, seed, 0);
	xt_send_u64(fd, 10);
	xt_expect_u64(fd, 1);
	xt_cow_witness_fork(&child, buf, len, seed);
	xt_step(fd, 2);
	XT_ASSERT_PATTERN(buf, len, seed + 1, 0);
	xt_cow_witness_check(&child);
	xt_send_u64(fd, 4);
}

int main(void)
{
	size_t ps = XT_PS, len = 32 * ps;
	struct xt_owner o = { .len = len, .mode = 0600, .nohugepage = 1 };
	int fd;
	pid_t pid;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		owner_round(fd, o.buf, len, 80);
		owner_round(fd, o.buf, len, 90);
		return 0;
	}
	xpmem_apid_t a;
	char *p = xt_get_attach(o.segid, XPMEM_RDWR, len, &a);
	round_(fd, p, len, 1, 80);
	xt_detach(p);
	p = xt_attach(a, 0, len, NULL);
	round_(fd, p, len, 0, 90);
	xt_detach(p);
	xt_wait_ok(pid);
	return 0;
}
