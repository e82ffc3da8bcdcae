// SPDX-License-Identifier: GPL-2.0-only
/*
 * A THP-backed owner is mapped with 2 MiB entries: the attachment's
 * kernel-chosen address is congruent with the owner's modulo 2 MiB, a
 * read of every 2 MiB block inserts one PMD entry each (the module's
 * pmd_mappings counter grows by the number of blocks, not of pages), the
 * attacher reads the owner's data and the owner sees the attacher's
 * writes, and the attacher sees the owner's later writes. A window
 * starting 4 KiB into the segment still gets 2 MiB entries for the whole
 * blocks it covers. /proc/self/smaps, numa_maps and pagemap can be read
 * over the 2 MiB entries. Skips where the kernel lacks huge PFN mappings
 * (huge_mappings N) or the owner got no THP.
 */
#include "xt.h"

#include <fcntl.h>

#define HP (2 * XT_MiB)

#define NHP 4
#define LEN (NHP * HP)

/* Read a whole /proc file (the kernel walks our page tables for it). */
static void slurp(const char *path)
{
	char b[4096];
	int f = open(path, O_RDONLY);
	long n, total = 0;

	XT_ASSERT(f >= 0);
	while ((n = read(f, b, sizeof(b))) > 0)
		total += n;
	XT_ASSERT(n == 0);
	close(f);
	xt_info("%s: %ld bytes", path, total);
}

int main(void)
{
	size_t ps = XT_PS, i;
	struct xt_owner o = { .len = LEN, .seed = 140, .mode = 0600, .thp = 1 };
	xpmem_apid_t a;
	uintptr_t src;
	long n;

	xt_require_huge_mappings();
	if (xt_owner_fork(&o) == 0) {
		xt_expect_u64(o.fd, 1);
		/* the attacher wrote seed 141 over every other page */
		for (i = 0; i < LEN; i += ps)
			XT_ASSERT_PATTERN(o.buf + i, ps,
					  (i / ps) % 2 ? 141 : 140, i);
		xt_fill(o.buf, LEN, 142, 0);
		xt_send_u64(o.fd, 2);
		xt_expect_u64(o.fd, 3);
		return 0;
	}
	src = o.addr;
	xt_info("owner at %#lx, AnonHugePages %ld kB", (unsigned long)src,
		o.thp_kb);
	xt_owner_require_thp(&o);

	char *p = xt_get_attach(o.segid, XPMEM_RDWR, LEN, &a);

	xt_info("attached at %p", (void *)p);
	XT_ASSERT_EQ((uintptr_t)p % HP, src % HP);
	/* one 2 MiB entry per block, not one per page */
	n = XT_ASSERT_PMD_READ("every block read", p, LEN, 140, 0, NHP);
	XT_ASSERT_LT(n, 4 * NHP);
	slurp("/proc/self/smaps");
	slurp("/proc/self/numa_maps");
	{
		int pm = open("/proc/self/pagemap", O_RDONLY);
		uint64_t ent[NHP * 512];

		XT_ASSERT(pm >= 0);
		XT_ASSERT_EQ(pread(pm, ent, sizeof(ent),
				   (off_t)((uintptr_t)p / ps) * 8),
			     (long)sizeof(ent));
		close(pm);
	}
	for (i = ps; i < LEN; i += 2 * ps)
		xt_fill(p + i, ps, 141, i);
	xt_send_u64(o.fd, 1);
	xt_expect_u64(o.fd, 2);
	XT_ASSERT_PATTERN(p, LEN, 142, 0);
	xt_detach(p);

	/* a window starting 4 KiB in: the three whole blocks are huge */
	p = xt_attach(a, ps, LEN - ps, NULL);
	XT_ASSERT_EQ((uintptr_t)p % HP, (src + ps) % HP);
	XT_ASSERT_PMD_READ("offset window", p, LEN - ps, 142, ps, NHP - 1);
	xt_detach(p);
	xt_release(a);
	xt_send_u64(o.fd, 3);
	xt_wait_ok(o.pid);
	return 0;
}
