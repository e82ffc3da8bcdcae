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
	struct xt_chan ch;
	uintptr_t src;
	long thp, before, after;
	int fd;
	pid_t pid;

	xt_require_huge_mappings();
	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_thp(LEN);

		fd = xt_chan_end(&ch, 1);
		xt_fill(buf, LEN, 140, 0);
		xt_send_u64(fd, xt_make(buf, LEN, 0600));
		xt_send_u64(fd, (uintptr_t)buf);
		xt_send_u64(fd, xt_anon_huge_kb());
		xt_expect_u64(fd, 1);
		/* the attacher wrote seed 141 over every other page */
		for (i = 0; i < LEN; i += ps)
			XT_ASSERT_PATTERN(buf + i, ps, (i / ps) % 2 ? 141 : 140, i);
		xt_fill(buf, LEN, 142, 0);
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);

	src = xt_recv_u64(fd);
	thp = xt_recv_u64(fd);
	xt_info("owner at %#lx, AnonHugePages %ld kB", (unsigned long)src, thp);
	if (thp < (long)(LEN / 1024)) {
		xt_send_u64(fd, 1);
		xt_skip("the owner got %ld of %lu kB as THP", thp, LEN / 1024);
	}

	char *p = xt_attach(a, 0, LEN, NULL);

	xt_info("attached at %p", (void *)p);
	XT_ASSERT_EQ((uintptr_t)p % HP, src % HP);
	before = xt_pmd_mappings();
	XT_ASSERT_PATTERN(p, LEN, 140, 0);
	after = xt_pmd_mappings();
	xt_info("pmd_mappings %ld -> %ld after reading %d blocks", before,
		after, NHP);
	XT_ASSERT_GE(after - before, NHP);
	XT_ASSERT_LT(after - before, 4 * NHP);
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
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);
	XT_ASSERT_PATTERN(p, LEN, 142, 0);
	xt_detach(p);

	/* a window starting 4 KiB in: the three whole blocks are huge */
	before = xt_pmd_mappings();
	p = xt_attach(a, ps, LEN - ps, NULL);
	XT_ASSERT_EQ((uintptr_t)p % HP, (src + ps) % HP);
	XT_ASSERT_PATTERN(p, LEN - ps, 142, ps);
	after = xt_pmd_mappings();
	xt_info("offset window: pmd_mappings %ld -> %ld", before, after);
	XT_ASSERT_GE(after - before, NHP - 1);
	xt_detach(p);
	xt_release(a);
	xt_send_u64(fd, 3);
	xt_wait_ok(pid);
	return 0;
}
