// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner unmaps the whole THP-backed range the attacher maps with
 * 2 MiB entries: as with 4 KiB entries (coherence_munmap), every page of
 * the attachment then raises SIGBUS (never the old data). When the owner
 * maps new THP-backed memory at the same address, the attacher refaults
 * to the new content, again with 2 MiB entries. Skips where the kernel
 * lacks huge PFN mappings (huge_mappings N) or the owner got no THP.
 */
#include "xt.h"

#define HP (2 * XT_MiB)

#define LEN (2 * HP)

int main(void)
{
	size_t ps = XT_PS, i;
	struct xt_chan ch;
	long thp, before, after;
	uint64_t v;
	int fd;
	pid_t pid;

	xt_require_huge_mappings();
	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_thp(LEN);

		fd = xt_chan_end(&ch, 1);
		xt_fill(buf, LEN, 190, 0);
		xt_send_u64(fd, xt_make(buf, LEN, 0600));
		xt_send_u64(fd, xt_anon_huge_kb());
		xt_expect_u64(fd, 1);
		XT_OK(munmap(buf, LEN));
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		char *m = mmap(buf, LEN, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		XT_ASSERT(m == buf);
		if (madvise(buf, LEN, MADV_HUGEPAGE) != 0)
			xt_info("MADV_HUGEPAGE: %s", strerror(errno));
		xt_fill(m, LEN, 191, 0);
		xt_send_u64(fd, 4);
		xt_send_u64(fd, xt_anon_huge_kb());
		xt_expect_u64(fd, 5);
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
	XT_ASSERT_PATTERN(p, LEN, 190, 0);
	after = xt_pmd_mappings();
	xt_info("pmd_mappings %ld -> %ld", before, after);
	XT_ASSERT_GE(after - before, 2);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);
	for (i = 0; i < LEN; i += ps) {
		int sig = xt_probe_read(p + i, &v);

		if (sig != SIGBUS)
			XT_FAIL("page %zu after the owner's munmap: expected "
				"SIGBUS, got %s, value 0x%llx", i / ps,
				xt_signame(sig), (unsigned long long)v);
	}
	xt_send_u64(fd, 3);
	xt_expect_u64(fd, 4);
	thp = xt_recv_u64(fd);
	before = xt_pmd_mappings();
	XT_ASSERT_PATTERN(p, LEN, 191, 0);
	after = xt_pmd_mappings();
	xt_info("new memory (AnonHugePages %ld kB): pmd_mappings %ld -> %ld",
		thp, before, after);
	if (thp >= (long)(LEN / 1024))
		XT_ASSERT_GE(after - before, 2);
	xt_detach(p);
	xt_release(a);
	xt_send_u64(fd, 5);
	xt_wait_ok(pid);
	return 0;
}
