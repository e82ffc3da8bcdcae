// SPDX-License-Identifier: GPL-2.0-only
/*
 * Transparent huge pages in the owner: the attacher reads THP-backed
 * memory; the owner splits huge pages (munmap of one 4 KiB page, mprotect
 * of another) and the attacher sees the hole (SIGBUS), the read-only page
 * (write SIGSEGV) and the rest intact; after the owner rewrites, the
 * attacher sees the new data. Then MADV_COLLAPSE (where the kernel has
 * it) copies a range into a new huge page: the attacher must see the
 * collapsed page's later updates, not the old small pages.
 */
#include "xt.h"

#define HP (2 * XT_MiB)
#define LEN (4 * HP)

int main(void)
{
	size_t ps = XT_PS;
	struct xt_chan ch;
	int fd;
	pid_t pid;
	uint64_t v;
	size_t i;
	const size_t hole = HP / 2 + ps, ro = HP + 2 * ps;

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_aligned(LEN, HP, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS);
		fd = xt_chan_end(&ch, 1);
		if (madvise(buf, LEN, MADV_HUGEPAGE) != 0)
			xt_info("MADV_HUGEPAGE: %s", strerror(errno));
		xt_fill(buf, LEN, 100, 0);
		long thp = xt_proc_field("/proc/self/smaps_rollup", "AnonHugePages");
		xt_info("owner AnonHugePages: %ld kB", thp);
		xt_send_u64(fd, xt_make(buf, LEN, 0600));
		xt_send_u64(fd, thp);
		xt_expect_u64(fd, 1);
		XT_OK(munmap(buf + hole, ps));
		XT_OK(mprotect(buf + ro, ps, PROT_READ));
		xt_info("after split: AnonHugePages %ld kB",
			xt_proc_field("/proc/self/smaps_rollup", "AnonHugePages"));
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		XT_OK(mprotect(buf + ro, ps, PROT_READ | PROT_WRITE));
		for (i = 0; i < LEN; i += ps)
			if (i != hole)
				xt_fill(buf + i, ps, 101, i);
		xt_send_u64(fd, 4);
		xt_expect_u64(fd, 5);
		/* split the third huge page (mprotect a page and back), then
		 * collapse it */
		char *third = buf + 2 * HP;
		XT_OK(mprotect(third + 5 * ps, ps, PROT_READ));
		XT_OK(mprotect(third + 5 * ps, ps, PROT_READ | PROT_WRITE));
		long before = xt_proc_field("/proc/self/smaps_rollup", "AnonHugePages");
		int r = madvise(third, HP, MADV_COLLAPSE);
		int e = errno;
		long after = xt_proc_field("/proc/self/smaps_rollup", "AnonHugePages");
		xt_info("MADV_COLLAPSE: %d (%s), AnonHugePages %ld -> %ld kB", r,
			r ? strerror(e) : "ok", before, after);
		xt_send_u64(fd, r == 0 ? 6 : 7);
		xt_expect_u64(fd, 8);
		xt_fill(third, HP, 102, 2 * HP);
		xt_send_u64(fd, 9);
		xt_expect_u64(fd, 10);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	long thp = xt_recv_u64(fd);
	char *p = xt_attach(a, 0, LEN, NULL);

	if (thp <= 0)
		xt_info("no huge pages in the owner; the test runs on 4 KiB pages");
	XT_ASSERT_PATTERN(p, LEN, 100, 0);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);
	XT_EXPECT_SIG(xt_probe_read(p + hole, &v), SIGBUS);
	XT_EXPECT_SIG(xt_probe_write(p + ro, 1), SIGSEGV);
	XT_ASSERT_EQ(xt_probe_write(p + ro + ps, xt_pat(100, ro + ps)), 0);
	XT_ASSERT_EQ(xt_probe_write(p + ro - ps, xt_pat(100, ro - ps)), 0);
	for (i = 0; i < LEN; i += ps)
		if (i != hole)
			XT_ASSERT_PATTERN(p + i, ps, 100, i);
	xt_send_u64(fd, 3);
	xt_expect_u64(fd, 4);
	for (i = 0; i < LEN; i += ps)
		if (i != hole)
			XT_ASSERT_PATTERN(p + i, ps, 101, i);
	XT_EXPECT_SIG(xt_probe_read(p + hole, &v), SIGBUS);
	xt_send_u64(fd, 5);
	uint64_t st = xt_recv_u64(fd);
	if (st == 7)
		xt_info("MADV_COLLAPSE unavailable: collapse part not checked");
	/* after the collapse the data is the same */
	XT_ASSERT_PATTERN(p + 2 * HP, HP, 101, 2 * HP);
	xt_send_u64(fd, 8);
	xt_expect_u64(fd, 9);
	XT_ASSERT_PATTERN(p + 2 * HP, HP, 102, 2 * HP);
	XT_ASSERT_PATTERN(p + 3 * HP, HP, 101, 3 * HP);
	xt_detach(p);
	xt_send_u64(fd, 10);
	xt_wait_ok(pid);
	return 0;
}
