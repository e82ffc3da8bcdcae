// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attacher forks while it maps the owner's THP with 2 MiB entries:
 * the child does not inherit the attachment (SIGSEGV there, as for
 * 4 KiB entries) and its exit leaves the parent's attachment intact; the
 * parent then exits with the 2 MiB entries still mapped (no detach) and
 * the module's object counters go back to where they were. Skips where
 * the kernel lacks huge PFN mappings (huge_mappings N) or the owner got
 * no THP.
 */
#include "xt.h"

#define HP (2 * XT_MiB)

#define LEN (2 * HP)

static int attacher(void *arg)
{
	xpmem_segid_t s = *(xpmem_segid_t *)arg;
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);
	char *p = xt_attach(a, 0, LEN, NULL);
	uint64_t v;
	pid_t child;

	XT_ASSERT_PMD_READ(NULL, p, LEN, 230, 0, 2);
	child = xt_fork();
	if (child == 0) {
		for (size_t i = 0; i < LEN; i += HP / 8)
			XT_EXPECT_SIG(xt_probe_read(p + i, &v), SIGSEGV);
		exit(0);
	}
	xt_wait_ok(child);
	XT_ASSERT_PATTERN(p, LEN, 230, 0);
	xt_fill(p, HP, 231, 0);
	return 0;	/* exits with the attachment mapped */
}

int main(void)
{
	long att0 = xt_stat("attachments");
	long perm0 = xt_stat("permits");
	xpmem_segid_t s;
	char *buf;

	xt_require_huge_mappings();
	buf = xt_map_thp(LEN);
	xt_fill(buf, LEN, 230, 0);
	xt_require_thp(xt_anon_huge_kb(), LEN);
	s = xt_make(buf, LEN, 0600);
	xt_run(attacher, &s);
	XT_ASSERT_PATTERN(buf, HP, 231, 0);
	XT_ASSERT_PATTERN(buf + HP, HP, 230, HP);
	XT_ASSERT_EQ(xt_stat("attachments"), att0);
	XT_ASSERT_EQ(xt_stat("permits"), perm0);
	xt_remove(s);
	return 0;
}
