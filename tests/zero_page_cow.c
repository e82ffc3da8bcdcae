// SPDX-License-Identifier: GPL-2.0-only
/*
 * The zero page: the owner exports anonymous memory it never touched (4
 * KiB region and a 2 MiB-aligned region where THP may map the huge zero
 * page). The attacher reads zeros, then writes: the write must break COW
 * in the owner (the owner's VMA is writable), so the owner sees the data
 * in its own page - and the zero page is not corrupted: the owner's other
 * untouched pages, fresh anonymous mappings in the owner, in the attacher
 * and in a new process all still read zeros.
 */
#include "xt.h"

#define HP (2 * XT_MiB)

static void fresh_zero(const char *who)
{
	size_t ps = XT_PS;
	char *m = xt_map_anon(64 * ps);
	char *h = xt_map_aligned(2 * HP, HP, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	size_t i;

	for (i = 0; i < 64 * ps; i += 8)
		if (*(volatile uint64_t *)(m + i))
			XT_FAIL("%s: fresh anonymous memory not zero at %zu", who, i);
	for (i = 0; i < 2 * HP; i += 8)
		if (*(volatile uint64_t *)(h + i))
			XT_FAIL("%s: fresh 2 MiB-aligned memory not zero at %zu",
				who, i);
	munmap(m, 64 * ps);
	munmap(h, 2 * HP);
}

static int fresh_proc(void *arg)
{
	(void)arg;
	fresh_zero("new process");
	return 0;
}

int main(void)
{
	size_t ps = XT_PS, small = 16 * ps;
	struct xt_owner o = { 0 };	/* makes its segments itself */
	int fd;
	pid_t pid;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		char *s = xt_map_anon(small);
		char *h = xt_map_aligned(2 * HP, HP, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS);
		XT_OK(madvise(s, small, MADV_NOHUGEPAGE));
		madvise(h, 2 * HP, MADV_HUGEPAGE);
		/* the owner itself reads (maps the zero page), never writes */
		XT_ASSERT_ZERO(s, small / 2);
		XT_ASSERT_ZERO(h, HP);
		xt_send_u64(fd, xt_make(s, small, 0600));
		xt_send_u64(fd, xt_make(h, 2 * HP, 0600));
		xt_expect_u64(fd, 1);
		/* the attacher wrote pages 2 and 12 of s, and 8 bytes at
		 * h + 4096 and h + HP + 8192 */
		for (size_t i = 0; i < small; i += ps) {
			if (i == 2 * ps || i == 12 * ps)
				XT_ASSERT_PATTERN(s + i, ps, 130, i);
			else
				XT_ASSERT_ZERO(s + i, ps);
		}
		XT_ASSERT_EQ(*(volatile uint64_t *)(h + 4096), 0x1234);
		XT_ASSERT_EQ(*(volatile uint64_t *)(h + HP + 8192), 0x5678);
		for (size_t i = 0; i < 2 * HP; i += 8)
			if (i != 4096 && i != HP + 8192 &&
			    *(volatile uint64_t *)(h + i))
				XT_FAIL("owner h: not zero at %zu", i);
		fresh_zero("owner");
		xt_step(fd, 2);
		return 0;
	}
	xpmem_apid_t as = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	xpmem_apid_t ah = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	char *s = xt_attach(as, 0, small, NULL);
	char *h = xt_attach(ah, 0, 2 * HP, NULL);

	XT_ASSERT_ZERO(s, small);
	XT_ASSERT_ZERO(h, 2 * HP);
	xt_fill(s + 2 * ps, ps, 130, 2 * ps);
	xt_fill(s + 12 * ps, ps, 130, 12 * ps);
	*(volatile uint64_t *)(h + 4096) = 0x1234;
	*(volatile uint64_t *)(h + HP + 8192) = 0x5678;
	XT_ASSERT_ZERO(s, 2 * ps);
	XT_ASSERT_ZERO(s + 3 * ps, 9 * ps);
	XT_ASSERT_ZERO(h, 4096);
	XT_ASSERT_ZERO(h + 4096 + 8, HP - 4096 - 8);
	fresh_zero("attacher");
	xt_run(fresh_proc, NULL);
	xt_step(fd, 1);
	xt_detach(s);
	xt_detach(h);
	fresh_zero("attacher, after detach");
	xt_send_u64(fd, 3);
	xt_wait_ok(pid);
	return 0;
}
