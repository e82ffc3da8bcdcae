// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem_make(0, XPMEM_MAXADDR_SIZE, ...) exports the whole address space
 * (what UCX/Open MPI/MPICH do); another process can attach windows of it
 * at any address offset and read and write the owner's memory there.
 */
#include "xt.h"

static char global_buf[3 * 4096] __attribute__((aligned(4096)));

int main(void)
{
	size_t ps = XT_PS;
	struct xt_chan ch;
	pid_t pid;
	int fd;

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		/* owner */
		size_t len = 16 * ps;
		char *heap = malloc(len + ps);
		char *map = xt_map_anon(len);
		xpmem_segid_t s;

		fd = xt_chan_end(&ch, 1);
		char *hp = (char *)(((uintptr_t)heap + ps - 1) & ~(ps - 1));
		xt_fill(hp, len, 1, (uintptr_t)hp);
		xt_fill(map, len, 2, (uintptr_t)map);
		xt_fill(global_buf, sizeof(global_buf), 3, (uintptr_t)global_buf);
		s = xpmem_make(0, XPMEM_MAXADDR_SIZE, XPMEM_PERMIT_MODE,
			       (void *)0666);
		XT_ASSERT_GT(s, 0);
		xt_send_u64(fd, s);
		xt_send_u64(fd, (uintptr_t)hp);
		xt_send_u64(fd, (uintptr_t)map);
		xt_send_u64(fd, (uintptr_t)global_buf);
		xt_expect_u64(fd, 1);
		/* the attacher wrote into map */
		XT_ASSERT_PATTERN(map, len, 9, (uintptr_t)map);
		XT_ASSERT_PATTERN(hp, len, 1, (uintptr_t)hp);
		xt_remove(s);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_segid_t s = xt_recv_u64(fd);
	uint64_t hp = xt_recv_u64(fd), map = xt_recv_u64(fd);
	uint64_t gb = xt_recv_u64(fd);
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);
	size_t len = 16 * ps;
	char *p;

	p = xt_attach(a, hp, len, NULL);
	XT_ASSERT_PATTERN(p, len, 1, hp);
	xt_detach(p);

	p = xt_attach(a, gb, 3 * ps, NULL);
	XT_ASSERT_PATTERN(p, 3 * ps, 3, gb);
	xt_detach(p);

	p = xt_attach(a, map, len, NULL);
	XT_ASSERT_PATTERN(p, len, 2, map);
	xt_fill(p, len, 9, map);
	xt_detach(p);
	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	xt_release(a);
	return 0;
}
