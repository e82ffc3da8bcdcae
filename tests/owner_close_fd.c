// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner (using raw open/ioctl on /dev/xpmem) closes its descriptor
 * while staying alive: its segments go away. The attacher's next access
 * raises SIGBUS (not the owner's still-existing data), it can detach and
 * release, and get on the segid fails. The owner's own memory is fine.
 */
#include "xt.h"

#include <sys/ioctl.h>

int main(void)
{
	size_t ps = XT_PS, len = 16 * ps;
	struct xt_chan ch;
	int fd;
	pid_t pid;
	uint64_t v;
	size_t i;

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_anon(len);
		int dev = xt_open_dev();
		struct xpmem_cmd_make mk;

		fd = xt_chan_end(&ch, 1);
		xt_fill(buf, len, 51, 0);
		memset(&mk, 0, sizeof(mk));
		mk.vaddr = (uintptr_t)buf;
		mk.size = len;
		mk.permit_type = XPMEM_PERMIT_MODE;
		mk.permit_value = 0600;
		XT_OK(ioctl(dev, XPMEM_CMD_MAKE, &mk));
		XT_ASSERT_GT(mk.segid, 0);
		xt_send_u64(fd, mk.segid);
		xt_expect_u64(fd, 1);
		XT_OK(close(dev));
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		/* still alive, memory unchanged, pattern intact */
		XT_ASSERT_PATTERN(buf, len, 51, 0);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_segid_t s = xt_recv_u64(fd);
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);
	char *p = xt_attach(a, 0, len, NULL);

	XT_ASSERT_PATTERN(p, len / 2, 51, 0);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);

	for (i = 0; i < len; i += ps) {
		int sig = xt_probe_read(p + i, &v);
		if (sig != SIGBUS)
			XT_FAIL("page %zu after owner's close: expected SIGBUS, "
				"got %s, value 0x%llx", i / ps, xt_signame(sig),
				(unsigned long long)v);
		XT_EXPECT_SIG(xt_probe_write(p + i, 7), SIGBUS);
	}
	XT_FAILS(xpmem_get(s, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL));
	xt_detach(p);
	(void)xpmem_release(a);
	xt_send_u64(fd, 3);
	xt_wait_ok(pid);
	return 0;
}
