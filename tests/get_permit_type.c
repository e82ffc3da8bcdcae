// SPDX-License-Identifier: GPL-2.0-only
/*
 * The permit value given to GET is ignored: NULL, 0600, 0666 or garbage
 * all give a working permit, through the library and the raw ioctl
 * (where the library would send 0). The permit type is checked, as MAKE
 * checks it: anything but XPMEM_PERMIT_MODE fails with EINVAL, through
 * the library and the raw ioctl, and gives no permit.
 */
#include "xt.h"

#include <sys/ioctl.h>

int main(void)
{
	size_t ps = XT_PS;
	struct xt_owner o = { .len = ps, .seed = 4, .mode = 0600 };

	xt_owner_start(&o);
	xpmem_segid_t s = o.segid;
	static void *const values[] = { NULL, (void *)0600, (void *)0666,
					(void *)0xdeadbeef, (void *)-1 };
	unsigned i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		xpmem_apid_t a = xpmem_get(s, XPMEM_RDWR, XPMEM_PERMIT_MODE,
					   values[i]);
		if (a <= 0)
			XT_FAIL("xpmem_get with permit value %p: %lld errno %d",
				values[i], (long long)a, errno);
		char *p = xt_attach(a, 0, ps, NULL);
		XT_ASSERT_PATTERN(p, ps, 4, 0);
		xt_detach(p);
		xt_release(a);
	}

	int dev = xt_open_dev();
	struct xpmem_cmd_get g;
	static const struct { int type; uint64_t value; } raw[] = {
		{ XPMEM_PERMIT_MODE, 0 }, { XPMEM_PERMIT_MODE, 0666 },
		{ XPMEM_PERMIT_MODE, 0x1234567890ULL },
		{ XPMEM_PERMIT_MODE, ~0ULL },
	};
	static const int bad_types[] = { 0, 2, 7, -1, 0x10001 };
	for (i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		memset(&g, 0, sizeof(g));
		g.segid = s;
		g.flags = XPMEM_RDONLY;
		g.permit_type = raw[i].type;
		g.permit_value = raw[i].value;
		if (ioctl(dev, XPMEM_CMD_GET, &g) != 0)
			XT_FAIL("raw GET with permit %d/0x%llx: errno %d",
				raw[i].type, (unsigned long long)raw[i].value,
				errno);
		XT_ASSERT_GT(g.apid, 0);
		struct xpmem_cmd_release r = { g.apid };
		XT_OK(ioctl(dev, XPMEM_CMD_RELEASE, &r));
	}
	for (i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		memset(&g, 0, sizeof(g));
		g.segid = s;
		g.flags = XPMEM_RDWR;
		g.permit_type = bad_types[i];
		g.apid = -5;
		XT_ERR(ioctl(dev, XPMEM_CMD_GET, &g), EINVAL);
		XT_ASSERT_EQ(g.apid, -5);
		XT_ERR(xpmem_get(s, XPMEM_RDWR, bad_types[i], NULL), EINVAL);
	}
	close(dev);
	xt_owner_stop(&o);
	return 0;
}
