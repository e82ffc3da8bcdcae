// SPDX-License-Identifier: GPL-2.0-only
/*
 * memfd_secret() memory is never reachable through an attachment, as GUP
 * refuses it to other processes: the owner exports a segment of its
 * secret memory and its whole address space (as MPI libraries do), and
 * the attacher's reads and writes of the secret pages raise SIGBUS,
 * through either segment, and a syscall reading them from the attachment
 * (write(2) to a pipe) fails with EFAULT. The owner's other memory in the
 * same whole-address-space segment stays readable, and the secret pages
 * keep the owner's data. Skips where memfd_secret() is not available.
 */
#include "xt.h"

#include <sys/syscall.h>

#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif

#define NPAGES 4

struct ids {
	xpmem_segid_t secret, all;
	uint64_t secret_addr, plain_addr;
};

int main(void)
{
	size_t ps = XT_PS, len = NPAGES * ps;
	struct xt_owner o = { 0 };	/* makes its segments itself */
	struct ids ids;
	pid_t pid;
	int fd;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		int sfd = (int)syscall(SYS_memfd_secret, 0);
		char *plain = xt_map_anon(len), *secret;

		if (sfd < 0) {
			memset(&ids, 0, sizeof(ids));
			xt_send(fd, &ids, sizeof(ids));
			xt_skip("memfd_secret: %s", strerror(errno));
		}
		XT_OK(ftruncate(sfd, (off_t)len));
		secret = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			      sfd, 0);
		XT_ASSERT(secret != MAP_FAILED);
		xt_fill(secret, len, 61, 0);
		xt_fill(plain, len, 62, 0);
		ids.secret = xt_make(secret, len, 0600);
		ids.all = xpmem_make(0, XPMEM_MAXADDR_SIZE, XPMEM_PERMIT_MODE,
				     (void *)0600);
		XT_ASSERT_GT(ids.all, 0);
		ids.secret_addr = (uintptr_t)secret;
		ids.plain_addr = (uintptr_t)plain;
		xt_send(fd, &ids, sizeof(ids));
		xt_expect_u64(fd, 1);
		XT_ASSERT_PATTERN(secret, len, 61, 0);
		XT_ASSERT_PATTERN(plain, len, 62, 0);
		return 0;
	}
	xt_recv(fd, &ids, sizeof(ids));
	if (!ids.secret) {
		xt_wait_ok(pid);
		return XT_EXIT_SKIP;
	}

	char *p = xt_get_attach(ids.secret, XPMEM_RDWR, len, NULL);
	XT_ASSERT_HOLE(p, len, "secret segment");
	XT_EXPECT_SIG(xt_probe_write(p, 1), SIGBUS);

	int pfd[2];
	XT_OK(pipe(pfd));
	errno = 0;
	XT_ASSERT_EQ(write(pfd[1], p, ps), -1);
	XT_ASSERT_EQ(errno, EFAULT);
	xt_detach(p);

	xpmem_apid_t a = xt_get(ids.all, XPMEM_RDWR);
	char *w = xt_attach(a, (off_t)ids.secret_addr, len, NULL);
	XT_ASSERT_HOLE(w, len, "whole address space, secret range");
	XT_EXPECT_SIG(xt_probe_write(w + ps, 2), SIGBUS);
	errno = 0;
	XT_ASSERT_EQ(write(pfd[1], w, ps), -1);
	XT_ASSERT_EQ(errno, EFAULT);
	xt_detach(w);

	w = xt_attach(a, (off_t)ids.plain_addr, len, NULL);
	XT_ASSERT_PATTERN(w, len, 62, 0);
	xt_detach(w);
	xt_release(a);
	close(pfd[0]);
	close(pfd[1]);
	xt_info("secret pages refused; plain pages of the same segment read");
	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	return 0;
}
