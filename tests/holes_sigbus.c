// SPDX-License-Identifier: GPL-2.0-only
/*
 * A segment may cover unmapped gaps: making it works, attaching the whole
 * window works, the mapped parts read and write normally, and touching
 * the gap (read or write, before or after its neighbours are faulted)
 * raises SIGBUS - never data. A mapping the owner later creates in the
 * gap becomes visible.
 */
#include "xt.h"

#define NPAGES 24

static void owner(struct xt_owner *o)
{
	size_t ps = XT_PS;
	char *buf = xt_map_anon(NPAGES * ps), *m;

	xt_fill(buf, NPAGES * ps, 22, 0);
	/* gaps: pages 8..15 and the last two pages */
	XT_OK(munmap(buf + 8 * ps, 8 * ps));
	XT_OK(munmap(buf + 22 * ps, 2 * ps));
	xt_send_u64(o->fd, xt_make(buf, NPAGES * ps, 0600));
	xt_expect_u64(o->fd, 1);
	XT_ASSERT_PATTERN(buf, 8 * ps, 23, 0);
	/* fill part of the gap */
	m = mmap(buf + 10 * ps, 2 * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	XT_ASSERT(m == buf + 10 * ps);
	xt_fill(m, 2 * ps, 24, 10 * ps);
	xt_step(o->fd, 2);
}

int main(void)
{
	size_t ps = XT_PS, n = NPAGES, len = n * ps;
	struct xt_owner o = { 0 };	/* makes its segment itself */
	xpmem_apid_t a;
	size_t i;
	uint64_t v;
	char *p;

	xt_owner_run(&o, owner);
	p = xt_recv_attach(o.fd, XPMEM_RDWR, len, &a);
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
	xt_step(o.fd, 1);
	/* pages 10, 11 exist now; 8, 9, 12.. still do not */
	XT_ASSERT_PATTERN(p + 10 * ps, 2 * ps, 24, 10 * ps);
	XT_ASSERT_PATTERN(g + ps, 2 * ps, 24, 10 * ps);
	XT_EXPECT_SIG(xt_probe_read(p + 9 * ps, &v), SIGBUS);
	XT_EXPECT_SIG(xt_probe_read(g + 3 * ps, &v), SIGBUS);
	xt_detach(g);
	xt_detach(p);
	xt_owner_last_step(&o, 3);
	return 0;
}
