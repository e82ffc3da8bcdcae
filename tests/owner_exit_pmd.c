// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner exits while the attacher maps its THP with 2 MiB entries:
 * as with 4 KiB entries (owner_exit), the attacher's next read or write
 * of any page raises SIGBUS (never the old data), and it can still
 * detach and release. Skips where the kernel lacks huge PFN mappings
 * (huge_mappings N) or the owner got no THP.
 */
#include "xt.h"

#define HP (2 * XT_MiB)

#define LEN (2 * HP)

int main(void)
{
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
		xt_fill(buf, LEN, 240, 0);
		xt_send_u64(fd, xt_make(buf, LEN, 0600));
		xt_send_u64(fd, xt_anon_huge_kb());
		xt_expect_u64(fd, 1);
		return 0;	/* exits without removing the segment */
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
	XT_ASSERT_PATTERN(p, LEN, 240, 0);
	after = xt_pmd_mappings();
	xt_info("pmd_mappings %ld -> %ld", before, after);
	XT_ASSERT_GE(after - before, 2);
	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	XT_ASSERT_HOLE(p, LEN, "after the owner's exit");
	XT_EXPECT_SIG(xt_probe_write(p + HP + 8, 1), SIGBUS);
	xt_detach(p);
	xt_release(a);
	return 0;
}
