// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copy-on-write under a 2 MiB entry: the attacher maps the owner's THP
 * with 2 MiB entries, then the owner forks, so its huge pages become
 * read-only and shared with the child. The attacher still reads the
 * data (through read-only entries); its write to a read-only 2 MiB entry
 * refaults as a write, breaks copy-on-write in the owner and lands in
 * the owner's memory only: the child keeps the data of the time of the
 * fork, and the rest of the owner's memory is unchanged. Skips where the
 * kernel lacks huge PFN mappings (huge_mappings N) or the owner got no
 * THP.
 */
#include "xt.h"

#define HP (2 * XT_MiB)

#define LEN (2 * HP)

int main(void)
{
	size_t ps = XT_PS;
	const size_t w = HP + 7 * ps;
	struct xt_chan ch;
	long thp, before, after;
	int fd;
	pid_t pid;

	xt_require_huge_mappings();
	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_thp(LEN);
		struct xt_chan cc;

		fd = xt_chan_end(&ch, 1);
		xt_fill(buf, LEN, 210, 0);
		xt_send_u64(fd, xt_make(buf, LEN, 0600));
		xt_send_u64(fd, xt_anon_huge_kb());
		xt_expect_u64(fd, 1);
		xt_chan_init(&cc);
		pid_t child = xt_fork();

		if (child == 0) {
			int cfd = xt_chan_end(&cc, 1);

			xt_expect_u64(cfd, 1);
			XT_ASSERT_PATTERN(buf, LEN, 210, 0);
			return 0;
		}
		int pfd = xt_chan_end(&cc, 0);

		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		XT_ASSERT_PATTERN(buf + w, ps, 211, w);
		XT_ASSERT_PATTERN(buf, w, 210, 0);
		XT_ASSERT_PATTERN(buf + w + ps, LEN - w - ps, 210, w + ps);
		xt_send_u64(pfd, 1);
		xt_wait_ok(child);
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
	XT_ASSERT_PATTERN(p, LEN, 210, 0);
	after = xt_pmd_mappings();
	xt_info("before the fork: pmd_mappings %ld -> %ld", before, after);
	XT_ASSERT_GE(after - before, 2);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);
	/* read-only 2 MiB entries now (the owner's are) */
	before = xt_pmd_mappings();
	XT_ASSERT_PATTERN(p, LEN, 210, 0);
	after = xt_pmd_mappings();
	xt_info("after the fork: pmd_mappings %ld -> %ld", before, after);
	xt_fill(p + w, ps, 211, w);
	XT_ASSERT_PATTERN(p + w, ps, 211, w);
	XT_ASSERT_PATTERN(p, w, 210, 0);
	XT_ASSERT_PATTERN(p + w + ps, LEN - w - ps, 210, w + ps);
	xt_send_u64(fd, 3);
	xt_expect_u64(fd, 4);
	xt_detach(p);
	xt_release(a);
	xt_wait_ok(pid);
	return 0;
}
