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
	xt_send_u64(fd, 3);
	xt_expect_u64(fd, 4);
}

static void owner_round(int fd, char *buf, size_t len, uint64_t seed)
{
	struct xt_chan cc;
	int cfd;

	xt_fill(buf, len, seed, 0);
	xt_send_u64(fd, 10);
	xt_expect_u64(fd, 1);
	xt_chan_init(&cc);
	pid_t child = xt_fork();
	if (child == 0) {
		cfd = xt_chan_end(&cc, 1);
		xt_expect_u64(cfd, 1);
		XT_ASSERT_PATTERN(buf, len, seed, 0);
		exit(0);
	}
	cfd = xt_chan_end(&cc, 0);
	xt_send_u64(fd, 2);
	xt_expect_u64(fd, 3);
	XT_ASSERT_PATTERN(buf, len, seed + 1, 0);
	xt_send_u64(cfd, 1);
	xt_wait_ok(child);
	close(cfd);
	xt_send_u64(fd, 4);
}

int main(void)
{
	size_t ps = XT_PS, len = 32 * ps;
	struct xt_chan ch;
	int fd;
	pid_t pid;

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_anon(len);
		fd = xt_chan_end(&ch, 1);
		XT_OK(madvise(buf, len, MADV_NOHUGEPAGE));
		xt_send_u64(fd, xt_make(buf, len, 0600));
		owner_round(fd, buf, len, 80);
		owner_round(fd, buf, len, 90);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	char *p = xt_attach(a, 0, len, NULL);
	round_(fd, p, len, 1, 80);
	xt_detach(p);
	p = xt_attach(a, 0, len, NULL);
	round_(fd, p, len, 0, 90);
	xt_detach(p);
	xt_wait_ok(pid);
	return 0;
}
