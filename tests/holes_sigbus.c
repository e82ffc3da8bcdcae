// SPDX-License-Identifier: GPL-2.0-only
/*
 * A segment may cover unmapped gaps: making it works, attaching the whole
 * window works, the mapped parts read and write normally, and touching
 * the gap (read or write, before or after its neighbours are faulted)
 * raises SIGBUS - never data. A mapping the owner later creates in the
 * gap becomes visible.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, n = 24, len = n * ps;
	struct xt_owner o = { 0 };	/* makes its segment itself */
	int fd;
	pid_t pid;
	size_t i;
	uint64_t v;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		char *buf = xt_map_anon(len);
		xt_fill(buf, len, 22, 0);
		/* gaps: pages 8..15 and the last two pages */
		XT_OK(munmap(buf + 8 * ps, 8 * ps));
		XT_OK(munmap(buf + 22 * ps, 2 * ps));
		xt_send_u64(fd, xt_make(buf, len, 0600));
		xt_expect_u64(fd, 1);
		XT_ASSERT_PATTERN(buf, 8 * ps, 23, 0);
		/* fill part of the gap */
		char *m = mmap(buf + 10 * ps, 2 * ps, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		XT_ASSERT(m == buf + 10 * ps);
		xt_fill(m, 2 * ps, 24, 10 * ps);
		xt_step(fd, 2);
		return 0;
	}
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	char *p = xt_attach(a, 0, len, NULL);

	/* the gap first, then its neighbours, then the gap again */
	XT_EXPECT_SIG(xt_probe_read(p + 8 * ps, &v), SIGBUS);
	XT_EXPECT_SIG(xt_probe_write(p + 15 * ps, 5), SIGBUS);
	XT_ASSERT_PATTERN(p + 7 * ps, ps, 22, 7 * ps);
	XT_ASSERT_PATTERN(p + 16 * ps, ps, 22, 16 * ps);
	for (i = 0; i < n; i++) {
		int gap = (i >= 8 && i < 16) || i >= 22;
		int sig = xt_probe_read(p + i * ps + 64, &v);
		if (gap && sig != SIGBUS)
			XT_FAIL("gap page %zu: expected SIGBUS, got %s (0x%llx)",
				i, xt_signame(sig), (unsigned long long)v);
		if (!gap) {
			XT_ASSERT_EQ(sig, 0);
			XT_ASSERT_PATTERN(p + i * ps, ps, 22, i * ps);
		}
		if (gap)
			XT_EXPECT_SIG(xt_probe_write(p + i * ps, 5), SIGBUS);
	}
	/* writes in the mapped parts reach the owner */
	xt_fill(p, 8 * ps, 23, 0);
	/* a window entirely inside the gap attaches, but faults */
	char *g = xt_attach(a, 9 * ps, 4 * ps, NULL);
	XT_EXPECT_SIG(xt_probe_read(g + ps, &v), SIGBUS);
	xt_step(fd, 1);
	/* pages 10, 11 exist now; 8, 9, 12.. still do not */
	XT_ASSERT_PATTERN(p + 10 * ps, 2 * ps, 24, 10 * ps);
	XT_ASSERT_PATTERN(g + ps, 2 * ps, 24, 10 * ps);
	XT_EXPECT_SIG(xt_probe_read(p + 9 * ps, &v), SIGBUS);
	XT_EXPECT_SIG(xt_probe_read(g + 3 * ps, &v), SIGBUS);
	xt_detach(g);
	xt_detach(p);
	xt_send_u64(fd, 3);
	xt_wait_ok(pid);
	return 0;
}
