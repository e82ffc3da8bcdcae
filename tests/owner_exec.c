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
	struct xt_chan ch;
	int fd;
	pid_t pid;
	uint64_t v;

	if (argc == 3 && strcmp(argv[1], "--exec") == 0) {
		/* the new image: tell the attacher, wait to be released */
		fd = atoi(argv[2]);
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		return 0;
	}
	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_anon(len);
		char arg[16];
		fd = xt_chan_end(&ch, 1);
		xt_fill(buf, len, 281, 0);
		xt_send_u64(fd, xt_make(buf, len, 0600));
		xt_expect_u64(fd, 1);
		/* keep the channel across exec */
		int nfd = dup(fd);
		XT_ASSERT(nfd >= 0);
		snprintf(arg, sizeof(arg), "%d", nfd);
		execl("/proc/self/exe", argv[0], "--exec", arg, (char *)NULL);
		XT_FAIL("exec: %s", strerror(errno));
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_segid_t s = xt_recv_u64(fd);
	char *p = xt_attach(xt_get(s, XPMEM_RDWR), 0, len, NULL);
	XT_ASSERT_PATTERN(p, len, 281, 0);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);		/* the owner runs its new image */
	for (size_t i = 0; i < len; i += ps) {
		int sig = xt_probe_read(p + i, &v);
		if (sig != SIGBUS)
			XT_FAIL("page %zu after the owner's exec: %s, value 0x%llx",
				i / ps, xt_signame(sig), (unsigned long long)v);
	}
	XT_FAILS(xpmem_get(s, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL));
	xt_detach(p);
	xt_send_u64(fd, 3);
	xt_wait_ok(pid);
	return 0;
}
