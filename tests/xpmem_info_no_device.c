// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem-info when the device node is absent: exit 1 and a message saying
 * the node does not exist. The module cannot be unloaded in the middle of
 * the suite, so the missing node is a path that does not exist, given in
 * XPMEM_DEVICE, which xpmem-info reads like libxpmem (its device checks
 * and xpmem_version() both use it). The real /dev/xpmem is not touched.
 */
#include "xpmem_info_run.h"

#include <sys/stat.h>

#define MISSING "/dev/xpmem-test-missing"

int main(void)
{
	static char out[65536];
	struct stat st;
	int code;

	XT_ASSERT(stat(MISSING, &st) < 0 && errno == ENOENT);
	code = xt_run_xpmem_info(MISSING, NULL, out, sizeof(out));
	XT_ASSERT_EQ(code, 1);
	XT_OUTPUT_HAS(out, "[FAIL] " MISSING ": " MISSING " does not exist");
	/* The module is loaded: the hint is about udev, not modprobe. */
	XT_OUTPUT_HAS(out, "udev did not create it");
	XT_OUTPUT_HAS(out, "[FAIL] xpmem_version: xpmem_version() failed");
	XT_OUTPUT_HAS(out, "XPMEM is not usable on this node");
	XT_OK(stat("/dev/xpmem", &st));
	return 0;
}
