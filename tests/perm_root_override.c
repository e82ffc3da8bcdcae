// SPDX-License-Identifier: GPL-2.0-only
/*
 * root (CAP_IPC_OWNER) may get any segment: alice's 0600 and 0000
 * segments give root RDONLY and RDWR permits that attach and read/write
 * alice's data. A root process without CAP_IPC_OWNER is just "other".
 */
#include "xt.h"

#include <sys/syscall.h>
#include <linux/capability.h>

static int drop_cap_ipc_owner(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) != 0)
		return -1;
	d[CAP_IPC_OWNER / 32].effective &= ~(1u << (CAP_IPC_OWNER % 32));
	d[CAP_IPC_OWNER / 32].permitted &= ~(1u << (CAP_IPC_OWNER % 32));
	return syscall(SYS_capset, &h, d);
}

int main(void)
{
	size_t ps = XT_PS;
	struct xt_owner alice = { .uid = XT_ALICE };	/* two segments */
	int fd;

	/* The System V mode check, not the default same-user policy. */
	xt_module_param("access_policy", "mode-bits");

	xt_require_root();
	if (xt_owner_fork(&alice) == 0) {
		fd = alice.fd;
		char *buf = xt_map_anon(2 * ps);
		xt_fill(buf, 2 * ps, 150, 0);
		xt_send_u64(fd, xt_make(buf, ps, 0600));
		xt_send_u64(fd, xt_make(buf + ps, ps, 0000));
		xt_expect_u64(fd, 1);
		XT_ASSERT_EQ(*(uint64_t *)buf, 0xaaaa);
		XT_ASSERT_EQ(*(uint64_t *)(buf + ps), 0xbbbb);
		return 0;
	}
	fd = alice.fd;
	xpmem_segid_t s1 = xt_recv_u64(fd), s0 = xt_recv_u64(fd);

	/* without CAP_IPC_OWNER root is refused */
	pid_t nocap = xt_fork();
	if (nocap == 0) {
		if (drop_cap_ipc_owner() != 0)
			xt_skip("capset: %s", strerror(errno));
		XT_ERR(xpmem_get(s1, XPMEM_RDONLY, XPMEM_PERMIT_MODE, NULL), EACCES);
		XT_ERR(xpmem_get(s0, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL), EACCES);
		return 0;
	}
	xt_wait_ok(nocap);

	xpmem_apid_t r1 = xt_get(s1, XPMEM_RDONLY);
	xpmem_apid_t w1 = xt_get(s1, XPMEM_RDWR);
	xpmem_apid_t r0 = xt_get(s0, XPMEM_RDONLY);
	xpmem_apid_t w0 = xt_get(s0, XPMEM_RDWR);
	char *p = xt_attach(r1, 0, ps, NULL);
	XT_ASSERT_PATTERN(p, ps, 150, 0);
	XT_EXPECT_SIG(xt_probe_write(p, 1), SIGSEGV);
	xt_detach(p);
	p = xt_attach(r0, 0, ps, NULL);
	XT_ASSERT_PATTERN(p, ps, 150, ps);
	xt_detach(p);
	p = xt_attach(w1, 0, ps, NULL);
	*(volatile uint64_t *)p = 0xaaaa;
	xt_detach(p);
	p = xt_attach(w0, 0, ps, NULL);
	*(volatile uint64_t *)p = 0xbbbb;
	xt_detach(p);
	xt_send_u64(fd, 1);
	xt_wait_ok(alice.pid);
	return 0;
}
