// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unknown ioctl commands on /dev/xpmem fail with ENOTTY (or EINVAL; any
 * other result is wrong): the next numbers after FORK_END, other types,
 * the known numbers with size/direction bits encoded, and 0. The module
 * is usable afterwards. Other file operations: read and write are
 * refused, not crashing.
 */
#include "xt.h"

#include <sys/ioctl.h>

int main(void)
{
	int fd = xt_open_dev();
	char buf[64];
	static const unsigned long bad[] = {
		_IO('x', 9), _IO('x', 10), _IO('x', 0xff), _IO('y', 1),
		_IO('X', 1), 0, 1, 0x1234,
		_IOWR('x', 1, struct xpmem_cmd_make),
		_IOW('x', 3, struct xpmem_cmd_get),
		_IOR('x', 0, int),
		0x80087800UL, 0xffffffffUL,
	};
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(buf, 0, sizeof(buf));
		errno = 0;
		int r = ioctl(fd, bad[i], buf);
		if (r != -1 || (errno != ENOTTY && errno != EINVAL))
			XT_FAIL("ioctl 0x%lx: %d errno %d (%s), expected ENOTTY "
				"or EINVAL", bad[i], r, errno, strerror(errno));
	}
	ssize_t n = read(fd, buf, sizeof(buf));
	xt_info("read(/dev/xpmem): %zd (errno %d)", n, n < 0 ? errno : 0);
	XT_ASSERT(n <= 0);
	n = write(fd, buf, sizeof(buf));
	xt_info("write(/dev/xpmem): %zd (errno %d)", n, n < 0 ? errno : 0);
	XT_ASSERT(n <= 0);

	XT_ASSERT_EQ(ioctl(fd, XPMEM_CMD_VERSION, NULL), XT_EXPECTED_VERSION);
	close(fd);
	char *b = xt_map_anon(XT_PS);
	xt_remove(xt_make(b, XT_PS, 0600));
	return 0;
}
