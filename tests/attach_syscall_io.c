// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attachments work as buffers of system calls, which access them from
 * the kernel (copy_to_user / copy_from_user faults on the attachment):
 * write(2) from an attachment into a pipe and read(2) from the pipe into
 * another attachment move the owner's data; pread(2) of a file straight
 * into never-touched attachment pages lands in the owner's memory.
 */
#include "xt.h"

#include <fcntl.h>

int main(void)
{
	size_t ps = XT_PS, len = 32 * ps;
	struct xt_owner o = { 0 };	/* makes its segments itself */
	int fd;
	pid_t pid;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		char *src = xt_map_anon(len), *dst = xt_map_anon(len);
		xt_fill(src, len, 270, 0);
		memset(dst, 0, len);
		xt_send_u64(fd, xt_make(src, len, 0600));
		xt_send_u64(fd, xt_make(dst, len, 0600));
		xt_expect_u64(fd, 1);
		XT_ASSERT_PATTERN(dst, len / 2, 270, 0);
		XT_ASSERT_PATTERN(dst + len / 2, len / 2, 271, 0);
		return 0;
	}
	char *s = xt_attach(xt_get(xt_recv_u64(fd), XPMEM_RDONLY), 0, len, NULL);
	char *d = xt_attach(xt_get(xt_recv_u64(fd), XPMEM_RDWR), 0, len, NULL);

	/* pipe: attachment -> pipe -> attachment, in 1-page steps */
	int pp[2];
	XT_OK(pipe(pp));
	for (size_t off = 0; off < len / 2; off += ps) {
		XT_ASSERT_EQ(write(pp[1], s + off, ps), (ssize_t)ps);
		XT_ASSERT_EQ(read(pp[0], d + off, ps), (ssize_t)ps);
	}
	/* file -> attachment with pread */
	int f = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	XT_ASSERT(f >= 0);
	char *tmp = xt_map_anon(len / 2);
	xt_fill(tmp, len / 2, 271, 0);
	XT_ASSERT_EQ(pwrite(f, tmp, len / 2, 0), (ssize_t)(len / 2));
	XT_ASSERT_EQ(pread(f, d + len / 2, len / 2, 0), (ssize_t)(len / 2));
	/* and back out of the attachment into the file */
	XT_ASSERT_EQ(pwrite(f, s, len, 0), (ssize_t)len);
	XT_ASSERT_EQ(pread(f, tmp, len / 2, 0), (ssize_t)(len / 2));
	XT_ASSERT_PATTERN(tmp, len / 2, 270, 0);
	/* a read-only attachment is refused as a read(2) target */
	XT_ASSERT_EQ(write(pp[1], tmp, 64), 64);
	XT_ERR(read(pp[0], s, 64), EFAULT);
	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	return 0;
}
