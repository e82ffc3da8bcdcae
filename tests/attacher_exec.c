// SPDX-License-Identifier: GPL-2.0-only
/*
 * An attacher calls execve with live attachments and permits: the new
 * image has none of them (the old address space is gone, the device
 * descriptor was close-on-exec), it can start over with the library, and
 * the owner is unaffected: its memory is intact, it can be attached again
 * and it removes its segment fine.
 */
#include "xt.h"

#include <sys/wait.h>

int main(int argc, char **argv)
{
	size_t ps = XT_PS, len = 16 * ps;

	if (argc == 3 && strcmp(argv[1], "--exec") == 0) {
		/* the new image of the attacher */
		xpmem_segid_t s = strtoll(argv[2], NULL, 0);
		xpmem_apid_t a = xt_get(s, XPMEM_RDONLY);
		char *p = xt_attach(a, 0, len, NULL);
		XT_ASSERT_PATTERN(p, len, 294, 0);
		xt_detach(p);
		return 0;
	}
	char *buf = xt_map_anon(len);
	xt_fill(buf, len, 293, 0);
	xpmem_segid_t s = xt_make(buf, len, 0600);
	struct xt_chan ch;
	xt_chan_init(&ch);
	pid_t pid = xt_fork();
	if (pid == 0) {
		int fd = xt_chan_end(&ch, 1);
		char arg[32];
		char *p = xt_attach(xt_get(s, XPMEM_RDWR), 0, len, NULL);
		XT_ASSERT_PATTERN(p, len, 293, 0);
		xt_fill(p, len, 294, 0);
		xt_attach(xt_get(s, XPMEM_RDONLY), ps, ps, NULL);
		xt_send_u64(fd, 1);
		snprintf(arg, sizeof(arg), "%lld", (long long)s);
		execl("/proc/self/exe", argv[0], "--exec", arg, (char *)NULL);
		XT_FAIL("exec: %s", strerror(errno));
	}
	int fd = xt_chan_end(&ch, 0);
	xt_expect_u64(fd, 1);
	xt_wait_ok(pid);
	XT_ASSERT_PATTERN(buf, len, 294, 0);
	/* the owner is fine: attach it from a fresh child, then remove */
	pid = xt_fork();
	if (pid == 0) {
		char *p = xt_attach(xt_get(s, XPMEM_RDWR), 0, len, NULL);
		XT_ASSERT_PATTERN(p, len, 294, 0);
		return 0;
	}
	xt_wait_ok(pid);
	xt_remove(s);
	return 0;
}
