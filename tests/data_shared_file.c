// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared memory of the owner: a MAP_SHARED tmpfs file and MAP_SHARED
 * anonymous memory. The attacher reads them; its writes are seen by the
 * owner, by read(2) of the file, and by another process sharing the
 * anonymous mapping.
 */
#include "xt.h"

#include <fcntl.h>

int main(void)
{
	size_t ps = XT_PS, len = 64 * ps;
	struct xt_owner o = { 0 };	/* makes its segments itself */
	int fd;
	pid_t pid;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		int f = open("/tmp", O_TMPFILE | O_RDWR, 0600);
		XT_ASSERT(f >= 0);
		XT_OK(ftruncate(f, len));
		char *fm = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
		char *sm = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		XT_ASSERT(fm != MAP_FAILED && sm != MAP_FAILED);
		xt_fill(fm, len, 124, 0);
		xt_fill(sm, len, 125, 0);
		/* a sibling sharing sm */
		struct xt_chan sc;
		xt_chan_init(&sc);
		pid_t sib = xt_fork();
		if (sib == 0) {
			int sfd = xt_chan_end(&sc, 1);
			xt_expect_u64(sfd, 1);
			XT_ASSERT_PATTERN(sm, len, 127, 0);
			return 0;
		}
		int sfd = xt_chan_end(&sc, 0);
		xt_send_u64(fd, xt_make(fm, len, 0600));
		xt_send_u64(fd, xt_make(sm, len, 0600));
		xt_expect_u64(fd, 1);
		XT_ASSERT_PATTERN(fm, len, 126, 0);
		XT_ASSERT_PATTERN(sm, len, 127, 0);
		static uint64_t tmp[64 * 4096 / 8];
		XT_ASSERT_EQ(pread(f, tmp, len, 0), (ssize_t)len);
		XT_ASSERT_PATTERN(tmp, len, 126, 0);
		xt_send_u64(sfd, 1);
		xt_wait_ok(sib);
		return 0;
	}
	xpmem_apid_t af = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	xpmem_apid_t as = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	char *f = xt_attach(af, 0, len, NULL);
	char *s = xt_attach(as, 0, len, NULL);
	XT_ASSERT_PATTERN(f, len, 124, 0);
	XT_ASSERT_PATTERN(s, len, 125, 0);
	xt_fill(f, len, 126, 0);
	xt_fill(s, len, 127, 0);
	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	xt_detach(f);
	xt_detach(s);
	return 0;
}
