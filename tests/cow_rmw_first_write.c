// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attacher's first access to a page the owner shares copy-on-write
 * with a child (after fork) is a read-modify-write without a lock prefix
 * (addl $0, (mem) on x86): the CPU may fault for the read first, and the
 * read fault maps the write-protected page read-only; the write that
 * follows must then end with a writable entry (copy-on-write broken in
 * the owner), not with a zap that waits for a luckier fault, or the
 * instruction repeats forever. The test must finish (alarm) and the data
 * must be right everywhere: the attacher's increments in the owner, the
 * child's copy unchanged. With 4 KiB entries, and with 2 MiB entries
 * where the kernel has them (a THP owner).
 */
#include "xt.h"

#define NPAGES 16

/* One read-modify-write of a word, as one instruction where we can. */
static inline void rmw_add(uint64_t *p, uint64_t v)
{
#if defined(__x86_64__)
	__asm__ __volatile__("addq %1, %0" : "+m"(*p) : "r"(v) : "memory");
#else
	*(volatile uint64_t *)p += v;
#endif
}

static void run(int huge)
{
	size_t ps = XT_PS, len = huge ? 2 * XT_MiB : NPAGES * ps;
	size_t step = huge ? 64 * ps : ps;
	struct xt_owner o = { 0 };	/* makes its segment itself */
	pid_t pid;
	int fd;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		char *buf = huge ? xt_map_thp(len) : xt_map_anon(len);
		struct xt_cow_witness child;

		xt_fill(buf, len, 51, 0);
		xt_cow_witness_fork(&child, buf, len, 51);
		xt_send_u64(fd, xt_make(buf, len, 0600));
		xt_expect_u64(fd, 1);
		/* word 0 of every step-th page got +1 */
		for (size_t off = 0; off < len; off += 8) {
			uint64_t want = xt_pat(51, off) + (off % step == 0);

			if (*(uint64_t *)(buf + off) != want)
				XT_FAIL("owner: word at %zu is 0x%llx, want 0x%llx",
					off,
					(unsigned long long)*(uint64_t *)(buf + off),
					(unsigned long long)want);
		}
		xt_cow_witness_check(&child);
		exit(0);
	}
	long pmd0 = huge ? xt_pmd_mappings() : 0;
	char *p = xt_get_attach(xt_recv_u64(fd), XPMEM_RDWR, len, NULL);

	xt_set_timeout(120);
	for (size_t off = 0; off < len; off += step)
		rmw_add((uint64_t *)(p + off), 1);
	alarm(0);
	for (size_t off = 0; off < len; off += step)
		XT_ASSERT_EQ(*(uint64_t *)(p + off), xt_pat(51, off) + 1);
	if (huge)
		xt_info("2 MiB entries inserted: %ld", xt_pmd_mappings() - pmd0);
	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	xt_detach(p);
}

int main(void)
{
	run(0);
	xt_info("4 KiB entries: done");
	if (access("/sys/module/xpmem/parameters/huge_mappings", R_OK) == 0) {
		FILE *f = fopen("/sys/module/xpmem/parameters/huge_mappings",
				"r");
		int c = f ? fgetc(f) : 'N';

		if (f)
			fclose(f);
		if (c == 'Y') {
			run(1);
			xt_info("2 MiB entries: done");
			return 0;
		}
	}
	xt_info("no 2 MiB entries on this kernel: 4 KiB only");
	return 0;
}
