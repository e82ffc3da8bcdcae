// SPDX-License-Identifier: GPL-2.0-only
/*
 * Owner mprotect: PROT_NONE makes the attacher's access fail with SIGBUS
 * (not the data); PROT_READ lets it read but a write gives SIGSEGV and
 * the owner's data is unchanged; back to read-write, reads and writes
 * work again and reach the owner.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, n = 16, len = n * ps;
	struct xt_owner o = { .len = len, .seed = 65, .mode = 0600 };
	int fd;
	pid_t pid;
	uint64_t v;
	size_t i;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		char *buf = o.buf;
		xt_expect_u64(fd, 1);
		XT_OK(mprotect(buf + 4 * ps, 8 * ps, PROT_NONE));
		xt_step(fd, 2);
		XT_OK(mprotect(buf + 4 * ps, 8 * ps, PROT_READ));
		xt_step(fd, 4);
		XT_ASSERT_PATTERN(buf, len, 65, 0);
		XT_OK(mprotect(buf + 4 * ps, 8 * ps, PROT_READ | PROT_WRITE));
		xt_step(fd, 6);
		XT_ASSERT_PATTERN(buf, len, 66, 0);
		return 0;
	}
	char *p = xt_get_attach(o.segid, XPMEM_RDWR, len, NULL);

	/* fault everything in writable */
	for (i = 0; i < len; i += ps)
		*(volatile uint64_t *)(p + i) = xt_pat(65, i);
	XT_ASSERT_PATTERN(p, len, 65, 0);
	xt_step(fd, 1);
	for (i = 0; i < n; i++) {
		int sig = xt_probe_read(p + i * ps + 8, &v);
		if (i >= 4 && i < 12) {
			if (sig != SIGBUS)
				XT_FAIL("PROT_NONE page %zu: expected SIGBUS, got %s "
					"value 0x%llx", i, xt_signame(sig),
					(unsigned long long)v);
			XT_EXPECT_SIG(xt_probe_write(p + i * ps, 1), SIGBUS);
		} else {
			XT_ASSERT_EQ(sig, 0);
			XT_ASSERT_EQ(v, xt_pat(65, i * ps + 8));
		}
	}
	xt_step(fd, 3);
	XT_ASSERT_PATTERN(p, len, 65, 0);
	for (i = 4; i < 12; i++)
		XT_EXPECT_SIG(xt_probe_write(p + i * ps + 16, 1), SIGSEGV);
	XT_ASSERT_EQ(xt_probe_write(p + 2 * ps, xt_pat(65, 2 * ps)), 0);
	xt_step(fd, 5);
	xt_fill(p, len, 66, 0);
	xt_send_u64(fd, 7);
	xt_wait_ok(pid);
	xt_detach(p);
	return 0;
}
