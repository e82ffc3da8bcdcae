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
	struct xt_owner o = { .len = LEN, .seed = 190, .mode = 0600, .thp = 1 };
	xpmem_apid_t a;
	long thp;

	xt_require_huge_mappings();
	if (xt_owner_fork(&o) == 0) {
		xt_expect_u64(o.fd, 1);
		XT_OK(munmap(o.buf, LEN));
		xt_send_u64(o.fd, 2);
		xt_expect_u64(o.fd, 3);
		char *m = mmap(o.buf, LEN, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		XT_ASSERT(m == o.buf);
		if (madvise(o.buf, LEN, MADV_HUGEPAGE) != 0)
			xt_info("MADV_HUGEPAGE: %s", strerror(errno));
		xt_fill(m, LEN, 191, 0);
		xt_send_u64(o.fd, 4);
		xt_send_u64(o.fd, xt_anon_huge_kb());
		xt_expect_u64(o.fd, 5);
		return 0;
	}
	char *p = XT_OWNER_ATTACH_PMD(&o, &a);

	xt_send_u64(o.fd, 1);
	xt_expect_u64(o.fd, 2);
	XT_ASSERT_HOLE(p, LEN, "after the owner's munmap");
	xt_send_u64(o.fd, 3);
	xt_expect_u64(o.fd, 4);
	thp = xt_recv_u64(o.fd);
	xt_info("new memory: AnonHugePages %ld kB", thp);
	XT_ASSERT_PMD_READ("new memory", p, LEN, 191, 0,
			   thp >= (long)(LEN / 1024) ? 2 : 0);
	xt_detach(p);
	xt_release(a);
	xt_send_u64(o.fd, 5);
	xt_wait_ok(o.pid);
	return 0;
}
