// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem_version() is positive and equals XPMEM_VERSION_ENCODE of the
 * project's VERSION file; the raw VERSION ioctl agrees.
 */
#include "xt.h"

#include <sys/ioctl.h>

int main(void)
{
	int v = xpmem_version();
	int fd, raw;

	xt_info("xpmem_version() = 0x%x, expected 0x%x", v,
		(unsigned)XT_EXPECTED_VERSION);
	XT_ASSERT_GT(v, 0);
	XT_ASSERT_EQ(v, XT_EXPECTED_VERSION);

	fd = xt_open_dev();
	raw = ioctl(fd, XPMEM_CMD_VERSION, NULL);
	XT_ASSERT_EQ(raw, XT_EXPECTED_VERSION);
	/* the argument of VERSION is ignored */
	raw = ioctl(fd, XPMEM_CMD_VERSION, (void *)0x1234);
	XT_ASSERT_EQ(raw, XT_EXPECTED_VERSION);
	close(fd);
	return 0;
}
