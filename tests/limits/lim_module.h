/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lim_module.h - load and unload xpmem.ko from a guest test with the
 * finit_module/delete_module system calls. The module file is
 * $XPMEM_MODULE, else /xpmem.ko (where the test bed's initramfs puts it).
 * Whatever happens, the test leaves the module loaded (atexit) so that
 * the tests after it find /dev/xpmem.
 */
#ifndef XPMEM_TESTS_LIM_MODULE_H
#define XPMEM_TESTS_LIM_MODULE_H

#include "lim.h"

#include <sys/stat.h>
#include <sys/syscall.h>

static const char *lim_ko_path(void)
{
	const char *p = getenv("XPMEM_MODULE");

	return p && *p ? p : "/xpmem.ko";
}

static int lim_module_loaded(void)
{
	FILE *f = fopen("/proc/modules", "re");
	char line[256];
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "xpmem ", 6))
			found = 1;
	fclose(f);
	return found;
}

/* finit_module: 0 or -errno. */
static int lim_load(const char *params)
{
	int fd = open(lim_ko_path(), O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, params ? params : "", 0);
	r = r == 0 ? 0 : -errno;
	close(fd);
	if (r == 0) {
		/* devtmpfs creates the node; wait for it briefly */
		for (int i = 0; i < 100 && access("/dev/xpmem", F_OK); i++)
			usleep(10000);
	}
	return r;
}

/* delete_module without waiting: 0 or -errno. */
static int lim_unload(void)
{
	return syscall(SYS_delete_module, "xpmem", O_NONBLOCK) == 0 ? 0 : -errno;
}

static void lim_leave_loaded(void)
{
	if (!lim_module_loaded()) {
		int r = lim_load("");
		if (r)
			fprintf(stderr, "FAIL: could not load %s again: %s\n",
				lim_ko_path(), strerror(-r));
	}
	chmod("/dev/xpmem", 0666);
}

/* Skip unless root with the module file at hand; register the atexit. */
static void lim_module_setup(void)
{
	xt_require_root();
	if (access(lim_ko_path(), R_OK) != 0)
		xt_skip("module file %s not readable (set XPMEM_MODULE)",
			lim_ko_path());
	atexit(lim_leave_loaded);
	if (!lim_module_loaded()) {
		int r = lim_load("");
		XT_ASSERT_MSG(r == 0, "loading %s: %s", lim_ko_path(),
			      strerror(-r));
	}
}

#endif /* XPMEM_TESTS_LIM_MODULE_H */
