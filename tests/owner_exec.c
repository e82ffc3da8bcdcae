// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner calls execve: its old address space is gone (and the
 * library's descriptor, close-on-exec, with it). The attacher's next
 * access raises SIGBUS - not the old data and not the new image's
 * memory at the same addresses - and get on the segid fails, while the
 * new image is still running.
 */
#include "xt.h"

int main(int argc, char **argv)
{
	size_t ps = XT_PS, len = 16 * ps;
	struct xt_owner o = { .len = len, .seed = 281, .mode = 0600 };
	int fd;
	pid_t pid;

	if (argc == 3 && strcmp(argv[1], "--exec") == 0) {
		/* the new image: tell the attacher, wait to be released */
		fd = atoi(argv[2]);
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		return 0;
	}
	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		char arg[16];
		xt_expect_u64(fd, 1);
		/* keep the channel across exec */
		int nfd = dup(fd);
		XT_ASSERT(nfd >= 0);
		snprintf(arg, sizeof(arg), "%d", nfd);
		execl("/proc/self/exe", argv[0], "--exec", arg, (char *)NULL);
		XT_FAIL("exec: %s", strerror(errno));
	}
	char *p = xt_get_attach(o.segid, XPMEM_RDWR, len, NULL);
	XT_ASSERT_PATTERN(p, len, 281, 0);
	xt_step(fd, 1);		/* then the owner runs its new image */
	XT_ASSERT_HOLE(p, len, "after the owner's exec");
	XT_FAILS(xpmem_get(o.segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL));
	xt_detach(p);
	xt_send_u64(fd, 3);
	xt_wait_ok(pid);
	return 0;
}
