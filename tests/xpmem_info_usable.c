// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem-info on a node where XPMEM works (the guest: module loaded,
 * /dev/xpmem mode 0666): exit 0, no problem reported, the module and the
 * device seen as they are, the admin policy in force printed (the
 * defaults), and its self-test (a child attaches the parent's buffer)
 * passes.
 */
#include "xpmem_info_run.h"

#include <sys/stat.h>

int main(void)
{
	static char out[65536];
	struct stat st;
	int code;

	XT_OK(stat("/dev/xpmem", &st));
	XT_ASSERT_EQ(st.st_mode & 07777, 0666);
	code = xt_run_xpmem_info(NULL, NULL, out, sizeof(out));
	XT_ASSERT_EQ(code, 0);
	XT_OUTPUT_HAS(out, "[ OK ] loaded: xpmem is loaded");
	XT_OUTPUT_HAS(out, "mode 0666");
	XT_OUTPUT_HAS(out, "[INFO] policy: access_policy=same-user "
		      "segid_scope=ipc-namespace nondumpable_needs_ptrace=Y "
		      "max_segments_per_user=131072");
	XT_OUTPUT_HAS(out, "[ OK ] open: /dev/xpmem opens read-write");
	XT_OUTPUT_HAS(out, "[ OK ] attach: a child attached");
	XT_OUTPUT_HAS(out, "0 problems");
	XT_OUTPUT_HAS(out, "XPMEM is usable on this node");
	XT_ASSERT(strstr(out, "[FAIL]") == NULL);
	return 0;
}
