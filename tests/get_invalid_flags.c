// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem_get accepts exactly XPMEM_RDONLY or XPMEM_RDWR as flags: 0, 3,
 * 4, -1 and other values fail with EINVAL. The valid ones succeed.
 */
#include "xt.h"

#include <sys/ioctl.h>

int main(void)
{
	size_t ps = XT_PS;
	char *buf = xt_map_anon(ps);
	xpmem_segid_t s = xt_make(buf, ps, 0666);
	static const int bad[] = { 0, 3, 4, -1, 5, 0x100, 0x102, INT32_MIN };
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		xpmem_apid_t a = xpmem_get(s, bad[i], XPMEM_PERMIT_MODE, NULL);
		if (a != -1 || errno != EINVAL)
			XT_FAIL("xpmem_get(flags %d) = %lld errno %d, expected EINVAL",
				bad[i], (long long)a, errno);
	}
	/* and through the raw ioctl */
	int fd = xt_open_dev();
	struct xpmem_cmd_get g;
	memset(&g, 0, sizeof(g));
	g.segid = s;
	g.permit_type = XPMEM_PERMIT_MODE;
	g.flags = 3;
	XT_ERR(ioctl(fd, XPMEM_CMD_GET, &g), EINVAL);
	g.flags = XPMEM_RDONLY;
	XT_OK(ioctl(fd, XPMEM_CMD_GET, &g));
	XT_ASSERT_GT(g.apid, 0);
	close(fd);

	xt_release(xt_get(s, XPMEM_RDONLY));
	xt_release(xt_get(s, XPMEM_RDWR));
	xt_remove(s);
	return 0;
}
