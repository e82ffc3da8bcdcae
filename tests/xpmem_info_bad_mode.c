// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem-info when /dev/xpmem has a wrong mode (0600, what the device gets
 * without the package's udev rule): exit 1 and a message naming the mode
 * and the fix. The test changes the mode of the guest's /dev/xpmem and
 * restores 0666 on every way out (exit, failure, SIGTERM/SIGINT); a
 * SIGKILL by the bed's time limit could leave it, but the bed then stops
 * the whole run anyway.
 */
#include "xpmem_info_run.h"

#include <sys/stat.h>

static void restore_mode(void)
{
	chmod("/dev/xpmem", 0666);
}

static void on_signal(int sig)
{
	restore_mode();
	signal(sig, SIG_DFL);
	raise(sig);
}

int main(void)
{
	static char out[65536];
	struct stat st;
	int code;

	xt_require_root();
	XT_OK(stat("/dev/xpmem", &st));
	XT_ASSERT_EQ(st.st_mode & 07777, 0666);
	atexit(restore_mode);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	XT_OK(chmod("/dev/xpmem", 0600));

	code = xt_run_xpmem_info(NULL, NULL, out, sizeof(out));
	XT_ASSERT_EQ(code, 1);
	XT_OUTPUT_HAS(out, "[FAIL] mode: mode is 0600");
	XT_OUTPUT_HAS(out, "chmod 0666 /dev/xpmem");
	XT_OUTPUT_HAS(out, "XPMEM is not usable on this node");

	restore_mode();
	XT_OK(stat("/dev/xpmem", &st));
	XT_ASSERT_EQ(st.st_mode & 07777, 0666);
	return 0;
}
