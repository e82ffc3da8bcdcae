// SPDX-License-Identifier: GPL-2.0-only
/*
 * Only the owner can remove a segment: another process (same user, and a
 * different user) gets EPERM or EACCES, and the segment keeps working.
 */
#include "xt.h"

static xpmem_segid_t seg;

static int other_same_user(void *arg)
{
	(void)arg;
	XT_ERR2(xpmem_remove(seg), EPERM, EACCES);
	return 0;
}

static int other_user(void *arg)
{
	gid_t g = XT_BOB;

	(void)arg;
	xt_drop_privs(XT_BOB, XT_BOB, 1, &g);
	XT_ERR2(xpmem_remove(seg), EPERM, EACCES);
	return 0;
}

static int attacher(void *arg)
{
	size_t ps = XT_PS;
	xpmem_apid_t a = xt_get(seg, XPMEM_RDWR);
	char *p = xt_attach(a, 0, 4 * ps, NULL);

	(void)arg;
	XT_ASSERT_PATTERN(p, 4 * ps, 5, 0);
	xt_detach(p);
	xt_release(a);
	return 0;
}

int main(void)
{
	size_t ps = XT_PS;
	char *buf;

	xt_require_root();
	buf = xt_map_anon(4 * ps);
	xt_fill(buf, 4 * ps, 5, 0);
	seg = xt_make(buf, 4 * ps, 0666);

	xt_run(other_same_user, NULL);
	xt_run(other_user, NULL);
	/* still there and usable */
	xt_run(attacher, NULL);
	xt_remove(seg);
	XT_FAILS(xpmem_remove(seg));
	return 0;
}
