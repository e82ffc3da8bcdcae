// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mapping several pages per fault must not map wrong pages: the owner's
 * pages are populated in a scrambled order (so physical order differs
 * from virtual order), some never touched (they read as zeros), and the
 * tail of the range is read-only. The attacher reads in descending and
 * scrambled order and checks every page; a write into the read-only tail
 * (which a fault on its neighbour may already have mapped) gives SIGSEGV;
 * the owner filling the never-touched pages is then seen by the attacher.
 */
#include "xt.h"

#define NPAGES 1024
#define RO_PAGES 40

static int untouched(size_t i)
{
	return i % 5 == 3 || (i >= 300 && i < 340);
}

int main(void)
{
	size_t ps = XT_PS, len = NPAGES * ps;
	struct xt_owner o = { 0 };	/* makes its segment itself */
	int fd;
	pid_t pid;
	size_t i, k;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		char *buf = xt_map_aligned(len, 2 * XT_MiB, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS);
		XT_OK(madvise(buf, len, MADV_NOHUGEPAGE));
		for (k = 0; k < NPAGES; k++) {
			i = (k * 389) % NPAGES;		/* 389 is prime: a permutation */
			if (!untouched(i))
				xt_fill(buf + i * ps, ps, 20, i * ps);
		}
		XT_OK(mprotect(buf + len - RO_PAGES * ps, RO_PAGES * ps, PROT_READ));
		xt_send_u64(fd, xt_make(buf, len, 0600));
		xt_expect_u64(fd, 1);
		for (i = 0; i < NPAGES - RO_PAGES; i++)
			if (untouched(i))
				xt_fill(buf + i * ps, ps, 21, i * ps);
		xt_step(fd, 2);
		return 0;
	}
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	char *p = xt_attach(a, 0, len, NULL);
	char *q = xt_attach(a, 0, len, NULL);

	/* descending, word by word, like a backwards memmove */
	static uint64_t copy[NPAGES * 4096 / 8];
	XT_ASSERT(ps == 4096);
	for (k = len / 8; k > 0; k--)
		copy[k - 1] = ((volatile uint64_t *)p)[k - 1];
	for (i = 0; i < NPAGES; i++) {
		if (untouched(i))
			XT_ASSERT_ZERO((char *)copy + i * ps, ps);
		else
			XT_ASSERT_PATTERN((char *)copy + i * ps, ps, 20, i * ps);
	}

	/* the read-only tail is mapped for reading by now; writes fail */
	for (i = NPAGES - RO_PAGES; i < NPAGES; i++) {
		XT_EXPECT_SIG(xt_probe_write(p + i * ps, 1), SIGSEGV);
		XT_EXPECT_SIG(xt_probe_write(q + i * ps, 1), SIGSEGV);
	}
	/* a page just before the tail is writable, through q (first touch) */
	i = NPAGES - RO_PAGES - 1;
	while (untouched(i))
		i--;
	XT_ASSERT_EQ(xt_probe_write(q + i * ps + 8, xt_pat(20, i * ps + 8)), 0);

	/* scrambled order through the second view */
	for (k = 0; k < NPAGES; k++) {
		i = (k * 577) % NPAGES;
		if (untouched(i))
			XT_ASSERT_ZERO(q + i * ps, ps);
		else
			XT_ASSERT_PATTERN(q + i * ps, ps, 20, i * ps);
	}

	xt_step(fd, 1);
	/* the zero pages were replaced by real pages in the owner */
	for (k = NPAGES; k > 0; k--) {
		i = k - 1;
		uint64_t seed = untouched(i) && i < NPAGES - RO_PAGES ? 21 :
				untouched(i) ? 0 : 20;
		if (seed)
			XT_ASSERT_PATTERN(p + i * ps, ps, seed, i * ps);
		else
			XT_ASSERT_ZERO(p + i * ps, ps);
	}
	xt_detach(p);
	xt_detach(q);
	xt_send_u64(fd, 3);
	xt_wait_ok(pid);
	return 0;
}
