// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem_init() succeeds (and again, idempotently); xpmem_ioctl passes
 * commands through: FORK_BEGIN and FORK_END return 0 (accepted, no
 * effect), VERSION returns the version; xpmem_ioctl of MAKE works like
 * xpmem_make.
 */
#include "xt.h"

int main(void)
{
	XT_ASSERT_EQ(xpmem_init(), 0);
	XT_ASSERT_EQ(xpmem_init(), 0);
	XT_ASSERT_EQ(xpmem_ioctl(XPMEM_CMD_FORK_BEGIN, NULL), 0);
	XT_ASSERT_EQ(xpmem_ioctl(XPMEM_CMD_FORK_END, NULL), 0);
	XT_ASSERT_EQ(xpmem_ioctl(XPMEM_CMD_VERSION, NULL), XT_EXPECTED_VERSION);

	char *b = xt_map_anon(XT_PS);
	struct xpmem_cmd_make mk;
	memset(&mk, 0, sizeof(mk));
	mk.vaddr = (uintptr_t)b;
	mk.size = XT_PS;
	mk.permit_type = XPMEM_PERMIT_MODE;
	mk.permit_value = 0600;
	XT_ASSERT_EQ(xpmem_ioctl(XPMEM_CMD_MAKE, &mk), 0);
	XT_ASSERT_GT(mk.segid, 0);
	/* FORK_BEGIN/END around a real fork change nothing */
	XT_ASSERT_EQ(xpmem_ioctl(XPMEM_CMD_FORK_BEGIN, NULL), 0);
	pid_t pid = xt_fork();
	if (pid == 0) {
		xpmem_apid_t a = xt_get(mk.segid, XPMEM_RDONLY);
		xt_release(a);
		exit(0);
	}
	XT_ASSERT_EQ(xpmem_ioctl(XPMEM_CMD_FORK_END, NULL), 0);
	xt_wait_ok(pid);
	xt_remove(mk.segid);
	return 0;
}
