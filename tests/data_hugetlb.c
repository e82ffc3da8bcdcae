// SPDX-License-Identifier: GPL-2.0-only
/*
 * hugetlbfs memory (2 MiB pages, MAP_HUGETLB and a file on /dev/hugepages)
 * can be exported and attached: the attacher reads the owner's data at
 * every 4 KiB of it, writes reach the owner, windows starting inside a
 * huge page work, and the owner's munmap gives SIGBUS.
 */
#include "xt.h"

#include <fcntl.h>

#define HP (2 * XT_MiB)
#define LEN (2 * HP)

int main(void)
{
	size_t ps = XT_PS;
	struct xt_chan ch;
	int fd;
	pid_t pid;
	uint64_t v;

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		fd = xt_chan_end(&ch, 1);
		/*
		 * Two separate huge page mappings side by side, so that the
		 * munmap below removes a whole VMA: splitting a hugetlb VMA
		 * trips a lockdep assertion in hugetlb_split() of some 6.1
		 * stable kernels, which is not what this test is about.
		 */
		char *buf = xt_map_aligned(LEN, HP, PROT_NONE,
					   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
		for (int k = 0; k < 2; k++)
			if (mmap(buf + k * HP, HP, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
				 MAP_FIXED, -1, 0) != buf + k * HP)
				xt_skip("no huge pages: %s", strerror(errno));
		int hf = open("/dev/hugepages/xt-data", O_CREAT | O_RDWR, 0600);
		char *fb = MAP_FAILED;
		if (hf >= 0) {
			unlink("/dev/hugepages/xt-data");
			fb = mmap(NULL, HP, PROT_READ | PROT_WRITE, MAP_SHARED, hf, 0);
		}
		if (fb == MAP_FAILED)
			xt_info("no hugetlbfs file mapping (%s); anonymous only",
				strerror(errno));
		xt_fill(buf, LEN, 120, 0);
		if (fb != MAP_FAILED)
			xt_fill(fb, HP, 121, 0);
		xt_send_u64(fd, xt_make(buf, LEN, 0600));
		xt_send_u64(fd, fb != MAP_FAILED ? xt_make(fb, HP, 0600) : 0);
		xt_expect_u64(fd, 1);
		XT_ASSERT_PATTERN(buf, LEN, 122, 0);
		if (fb != MAP_FAILED) {
			XT_ASSERT_PATTERN(fb, HP, 123, 0);
			char tmp[8];
			XT_ASSERT_EQ(pread(hf, tmp, 8, 4096), 8);
			XT_ASSERT_EQ(*(uint64_t *)tmp, xt_pat(123, 4096));
		}
		XT_OK(munmap(buf + HP, HP));
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_segid_t s = xt_recv_u64(fd), sf = xt_recv_u64(fd);
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);
	char *p = xt_attach(a, 0, LEN, NULL);
	char *w = xt_attach(a, HP - 3 * ps, 6 * ps, NULL);	/* straddles */

	XT_ASSERT_PATTERN(w, 6 * ps, 120, HP - 3 * ps);
	XT_ASSERT_PATTERN(p, LEN, 120, 0);
	xt_fill(p, LEN, 122, 0);
	XT_ASSERT_PATTERN(w, 6 * ps, 122, HP - 3 * ps);
	if (sf) {
		xpmem_apid_t af = xt_get(sf, XPMEM_RDWR);
		char *q = xt_attach(af, 0, HP, NULL);
		XT_ASSERT_PATTERN(q, HP, 121, 0);
		xt_fill(q, HP, 123, 0);
		xt_detach(q);
	}
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);
	XT_EXPECT_SIG(xt_probe_read(p + HP, &v), SIGBUS);
	XT_EXPECT_SIG(xt_probe_read(p + LEN - ps, &v), SIGBUS);
	XT_EXPECT_SIG(xt_probe_read(w + 4 * ps, &v), SIGBUS);
	XT_ASSERT_PATTERN(p, HP, 122, 0);
	xt_detach(p);
	xt_detach(w);
	xt_send_u64(fd, 3);
	xt_wait_ok(pid);
	return 0;
}
