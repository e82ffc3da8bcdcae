// SPDX-License-Identifier: GPL-2.0-only
/*
 * A 64 MiB window (half of it THP-backed, half in 4 KiB pages): every
 * word reads right walking forwards, every page reads right walking
 * backwards (memmove-style descending access faults the last page
 * first), and writes through the window land in the right owner pages.
 */
#include "xt.h"

#define LEN (64 * XT_MiB)

int main(void)
{
	size_t ps = XT_PS;
	struct xt_chan ch;
	int fd;
	pid_t pid;
	double t0;

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_aligned(LEN, 2 * XT_MiB, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS);
		fd = xt_chan_end(&ch, 1);
		madvise(buf, LEN / 2, MADV_HUGEPAGE);
		madvise(buf + LEN / 2, LEN / 2, MADV_NOHUGEPAGE);
		xt_fill(buf, LEN, 19, 0);
		xt_info("owner: AnonHugePages %ld kB",
			xt_proc_field("/proc/self/smaps_rollup", "AnonHugePages"));
		xt_send_u64(fd, xt_make(buf, LEN, 0600));
		xt_expect_u64(fd, 1);
		/* per-page markers written by the attacher, descending */
		for (size_t i = 0; i < LEN; i += ps) {
			uint64_t w = *(uint64_t *)(buf + i + 16);
			if (w != (0xabcd000000000000ULL | i))
				XT_FAIL("owner page %zu: marker 0x%llx", i / ps,
					(unsigned long long)w);
			*(uint64_t *)(buf + i + 16) = xt_pat(19, i + 16);
		}
		XT_ASSERT_PATTERN(buf, LEN, 19, 0);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	char *p = xt_attach(a, 0, LEN, NULL);
	char *q = xt_attach(a, 0, LEN, NULL);

	/* backwards through q first: the top page is the first fault */
	t0 = xt_now();
	for (size_t i = LEN; i > 0; i -= ps) {
		const volatile uint64_t *w = (const uint64_t *)(q + i - ps);
		size_t k;
		for (k = ps / 8; k > 0; k -= 64) {
			if (w[k - 1] != xt_pat(19, i - ps + (k - 1) * 8))
				XT_FAIL("backward walk: page %zu word %zu = 0x%llx",
					(i - ps) / ps, k - 1,
					(unsigned long long)w[k - 1]);
		}
		XT_ASSERT_EQ(w[0], xt_pat(19, i - ps));
	}
	xt_info("backward walk of %zu MiB: %.2f s", (size_t)(LEN / XT_MiB),
		xt_now() - t0);

	t0 = xt_now();
	XT_ASSERT_PATTERN(p, LEN, 19, 0);
	xt_info("forward check of every word: %.2f s", xt_now() - t0);

	for (size_t i = LEN; i > 0; i -= ps)
		*(volatile uint64_t *)(p + i - ps + 16) =
			0xabcd000000000000ULL | (i - ps);
	/* the other view of the same window sees it */
	for (size_t i = 0; i < LEN; i += ps)
		XT_ASSERT_EQ(*(volatile uint64_t *)(q + i + 16),
			     0xabcd000000000000ULL | i);
	xt_detach(q);
	xt_detach(p);
	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	return 0;
}
