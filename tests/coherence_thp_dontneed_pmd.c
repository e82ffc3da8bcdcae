// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner splits a THP the attacher maps with a 2 MiB entry: its
 * MADV_DONTNEED of one 4 KiB page inside the huge page must make the
 * attacher see zeros exactly in that page and the owner's data in every
 * other page of the block (and of the next, untouched block); a write
 * by the attacher to that page then reaches the owner. Skips where the
 * kernel lacks huge PFN mappings (huge_mappings N) or the owner got no
 * THP.
 */
#include "xt.h"

#define HP (2 * XT_MiB)

#define LEN (2 * HP)

int main(void)
{
	size_t ps = XT_PS, i;
	const size_t gone = HP / 2 + 5 * ps;
	struct xt_chan ch;
	long thp, before, after;
	int fd;
	pid_t pid;

	xt_require_huge_mappings();
	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_thp(LEN);

		fd = xt_chan_end(&ch, 1);
		xt_fill(buf, LEN, 170, 0);
		xt_send_u64(fd, xt_make(buf, LEN, 0600));
		xt_send_u64(fd, xt_anon_huge_kb());
		xt_expect_u64(fd, 1);
		XT_OK(madvise(buf + gone, ps, MADV_DONTNEED));
		xt_info("after MADV_DONTNEED: AnonHugePages %ld kB",
			xt_anon_huge_kb());
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		XT_ASSERT_PATTERN(buf + gone, ps, 171, gone);
		XT_ASSERT_PATTERN(buf, gone, 170, 0);
		XT_ASSERT_PATTERN(buf + gone + ps, LEN - gone - ps, 170,
				  gone + ps);
		xt_send_u64(fd, 4);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);

	thp = xt_recv_u64(fd);
	if (thp < (long)(LEN / 1024)) {
		xt_send_u64(fd, 1);
		xt_skip("the owner got %ld of %lu kB as THP", thp, LEN / 1024);
	}
	char *p = xt_attach(a, 0, LEN, NULL);

	before = xt_pmd_mappings();
	XT_ASSERT_PATTERN(p, LEN, 170, 0);
	after = xt_pmd_mappings();
	xt_info("pmd_mappings %ld -> %ld", before, after);
	XT_ASSERT_GE(after - before, 2);

	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);
	/* zeros exactly in the page the owner dropped */
	for (i = 0; i < LEN; i += ps) {
		if (i == gone)
			XT_ASSERT_ZERO(p + i, ps);
		else
			XT_ASSERT_PATTERN(p + i, ps, 170, i);
	}
	xt_info("after the split: pmd_mappings %ld", xt_pmd_mappings());
	xt_fill(p + gone, ps, 171, gone);
	xt_send_u64(fd, 3);
	xt_expect_u64(fd, 4);
	xt_detach(p);
	xt_release(a);
	xt_wait_ok(pid);
	return 0;
}
