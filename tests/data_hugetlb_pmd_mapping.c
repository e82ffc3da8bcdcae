// SPDX-License-Identifier: GPL-2.0-only
/*
 * A hugetlbfs-backed owner (2 MiB pages: MAP_HUGETLB, and a file on
 * /dev/hugepages mapped shared) is mapped with 2 MiB entries: one PMD
 * entry per huge page (the module's pmd_mappings counter), data read by
 * the attacher and written by it reach the owner, and the owner's later
 * writes are seen. Skips where the kernel lacks huge PFN mappings
 * (huge_mappings N) or has no free huge pages.
 */
#include "xt.h"

#include <fcntl.h>

#define HP (2 * XT_MiB)

#define LEN (2 * HP)

/* Attach [0, len) of segid, check seed, write seed + 1, expect seed + 2. */
static void attacher_round(int fd, xpmem_segid_t segid, size_t len,
			   uint64_t seed, uintptr_t src)
{
	xpmem_apid_t a;
	char *p = xt_get_attach(segid, XPMEM_RDWR, len, &a);
	char what[64];

	XT_ASSERT_EQ((uintptr_t)p % HP, src % HP);
	snprintf(what, sizeof(what), "seed %llu, %zu huge pages",
		 (unsigned long long)seed, len / HP);
	/* one 2 MiB entry per huge page */
	XT_ASSERT_PMD_READ(what, p, len, seed, 0, (long)(len / HP));
	xt_fill(p, len, seed + 1, 0);
	xt_send_u64(fd, seed + 1);
	xt_expect_u64(fd, seed + 2);
	XT_ASSERT_PATTERN(p, len, seed + 2, 0);
	xt_detach(p);
	xt_release(a);
}

int main(void)
{
	struct xt_chan ch;
	int fd;
	pid_t pid;

	xt_require_huge_mappings();
	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		fd = xt_chan_end(&ch, 1);
		char *buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB,
				 -1, 0);
		if (buf == MAP_FAILED) {
			xt_send_u64(fd, 0);
			xt_skip("no huge pages: %s", strerror(errno));
		}
		int hf = open("/dev/hugepages/xt-pmd", O_CREAT | O_RDWR, 0600);
		char *fb = MAP_FAILED;

		if (hf >= 0) {
			unlink("/dev/hugepages/xt-pmd");
			fb = mmap(NULL, HP, PROT_READ | PROT_WRITE, MAP_SHARED,
				  hf, 0);
		}
		xt_fill(buf, LEN, 150, 0);
		if (fb != MAP_FAILED)
			xt_fill(fb, HP, 160, 0);
		xt_send_u64(fd, xt_make(buf, LEN, 0600));
		xt_send_u64(fd, (uintptr_t)buf);
		xt_send_u64(fd, fb != MAP_FAILED ? xt_make(fb, HP, 0600) : 0);
		xt_send_u64(fd, (uintptr_t)fb);
		xt_expect_u64(fd, 151);
		XT_ASSERT_PATTERN(buf, LEN, 151, 0);
		xt_fill(buf, LEN, 152, 0);
		xt_send_u64(fd, 152);
		if (fb != MAP_FAILED) {
			xt_expect_u64(fd, 161);
			XT_ASSERT_PATTERN(fb, HP, 161, 0);
			xt_fill(fb, HP, 162, 0);
			xt_send_u64(fd, 162);
		}
		xt_expect_u64(fd, 999);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_segid_t s = xt_recv_u64(fd);

	if (!s) {
		xt_wait_exit(pid);
		xt_skip("the owner has no huge pages");
	}
	uintptr_t src = xt_recv_u64(fd);
	xpmem_segid_t fs = xt_recv_u64(fd);
	uintptr_t fsrc = xt_recv_u64(fd);

	attacher_round(fd, s, LEN, 150, src);
	if (fs)
		attacher_round(fd, fs, HP, 160, fsrc);
	else
		xt_info("no hugetlbfs file mapping: MAP_HUGETLB only");
	xt_send_u64(fd, 999);
	xt_wait_ok(pid);
	return 0;
}
