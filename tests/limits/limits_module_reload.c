// SPDX-License-Identifier: GPL-2.0-only
/*
 * The module's life: unload and load it again 50 times (finit_module and
 * delete_module, with a varying fault_pages parameter), with real work in
 * between: after each load a fresh owner and attacher share data both
 * ways, then exit, and the unload that follows succeeds at once. Every
 * load reports the right version and gives /dev/xpmem mode 0666; the
 * object counters of each fresh module are back to zero after the work.
 * This process never opens the device itself (a descriptor would keep
 * the module busy): all xpmem work runs in children.
 */
#include "lim_module.h"

#define CYCLES 50

static int attacher(void *arg)
{
	xpmem_segid_t s = *(xpmem_segid_t *)arg;
	size_t len = 32 * XT_PS;
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);
	char *p = xt_attach(a, 0, len, NULL);

	XT_ASSERT_PATTERN(p, len, 71, 0);
	xt_fill(p, len, 72, 0);
	xt_detach(p);
	xt_release(a);
	return 0;
}

static int owner(void *arg)
{
	size_t len = 32 * XT_PS;
	char *mem = xt_map_anon(len);
	(void)arg;

	XT_ASSERT_EQ(xpmem_version(), XT_EXPECTED_VERSION);
	xt_fill(mem, len, 71, 0);
	xpmem_segid_t s = xt_make(mem, len, 0600);
	xt_run(attacher, &s);
	XT_ASSERT_PATTERN(mem, len, 72, 0);
	xt_remove(s);
	return 0;
}

int main(void)
{
	static const char *const params[] = {
		"", "fault_pages=1", "fault_pages=16", "fault_pages=512",
	};
	struct stat sb;
	int c, r;

	lim_module_setup();
	xt_set_timeout(290);
	double t0 = xt_now();
	for (c = 0; c < CYCLES; c++) {
		r = lim_unload();
		XT_ASSERT_MSG(r == 0, "cycle %d: unload: %s", c, strerror(-r));
		XT_ASSERT(!lim_module_loaded());
		XT_ASSERT_MSG(access("/dev/xpmem", F_OK) != 0,
			      "cycle %d: /dev/xpmem still there after unload", c);
		r = lim_load(params[c % 4]);
		XT_ASSERT_MSG(r == 0, "cycle %d: load (%s): %s", c,
			      params[c % 4], strerror(-r));
		XT_OK(stat("/dev/xpmem", &sb));
		XT_ASSERT_MSG((sb.st_mode & 0777) == 0666,
			      "cycle %d: /dev/xpmem mode 0%o", c,
			      sb.st_mode & 0777);
		xt_run(owner, NULL);
		struct xt_stats zero = { 0, 0, 0, 0, 1 };
		if (xt_stats().ok && c % 10 == 0)
			lim_expect_stats(&zero, "after the work of a cycle");
	}
	xt_info("%d unload/load cycles with work in %.1f s", CYCLES,
		xt_now() - t0);
	/* leave it loaded with the default parameters */
	XT_ASSERT_EQ(lim_unload(), 0);
	XT_ASSERT_EQ(lim_load(""), 0);
	return 0;
}
