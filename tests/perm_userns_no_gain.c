// SPDX-License-Identifier: GPL-2.0-only
/*
 * A process in a new user namespace, mapped to root inside it, has
 * CAP_IPC_OWNER only in that namespace: it gains nothing over another
 * user's segment. bob unshares CLONE_NEWUSER and still gets EACCES for
 * alice's 0600 segment (RDONLY and RDWR), while alice's 0604 segment
 * remains readable for him as "other". Skipped when unprivileged user
 * namespaces are not available.
 */
#include "xt.h"

#include <fcntl.h>
#include <sched.h>

static void write_map(const char *path, const char *s)
{
	int r = xt_write_file(path, s);
	if (r)
		XT_FAIL("write %s: %s", path, strerror(-r));
}

int main(void)
{
	size_t ps = XT_PS;
	struct xt_owner alice = { .uid = XT_ALICE };	/* two segments */
	int fd;
	pid_t bob;

	/* The System V mode check, not the default same-user policy. */
	xt_module_param("access_policy", "mode-bits");

	xt_require_root();
	if (xt_owner_fork(&alice) == 0) {
		fd = alice.fd;
		char *buf = xt_map_anon(2 * ps);
		xt_fill(buf, 2 * ps, 151, 0);
		xt_send_u64(fd, xt_make(buf, ps, 0600));
		xt_send_u64(fd, xt_make(buf + ps, ps, 0604));
		xt_expect_u64(fd, 1);
		return 0;
	}
	fd = alice.fd;
	xpmem_segid_t s = xt_recv_u64(fd), s4 = xt_recv_u64(fd);

	bob = xt_fork();
	if (bob == 0) {
		char map[64];
		xt_become_user(XT_BOB);
		if (unshare(CLONE_NEWUSER) != 0)
			xt_skip("unshare(CLONE_NEWUSER): %s", strerror(errno));
		snprintf(map, sizeof(map), "0 %d 1", XT_BOB);
		write_map("/proc/self/setgroups", "deny");
		write_map("/proc/self/uid_map", map);
		write_map("/proc/self/gid_map", map);
		XT_ASSERT_EQ(geteuid(), 0);
		xt_info("bob is uid 0 in his user namespace");
		XT_ERR(xpmem_get(s, XPMEM_RDONLY, XPMEM_PERMIT_MODE, NULL), EACCES);
		XT_ERR(xpmem_get(s, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL), EACCES);
		XT_ERR(xpmem_get(s4, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL), EACCES);
		xpmem_apid_t a = xt_get(s4, XPMEM_RDONLY);
		char *p = xt_attach(a, 0, ps, NULL);
		XT_ASSERT_PATTERN(p, ps, 151, ps);
		XT_EXPECT_SIG(xt_probe_write(p, 0), SIGSEGV);
		xt_detach(p);
		return 0;
	}
	xt_wait_ok(bob);
	xt_send_u64(fd, 1);
	xt_wait_ok(alice.pid);
	return 0;
}
