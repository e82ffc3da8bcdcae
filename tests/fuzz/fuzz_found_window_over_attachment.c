// SPDX-License-Identifier: GPL-2.0-only
/*
 * Regression test for a crash found by xpmem_fuzz (seed 1747943855, 6.1):
 * an attachment whose VMA lies inside the source range of an attached
 * window of the same mm. Clients export their whole address space, so
 * this happens as soon as a process attaches its own segment, or two
 * processes attach windows of each other that cover their attachments.
 * Unmapping (DETACH/munmap) such an attachment zaps its PTEs; the zap
 * raises an mmu notifier invalidation of that range, which the window's
 * notifier answers by zapping the attachment again, and so on until the
 * kernel stack overflows ("stack guard page was hit", xpmem_invalidate ->
 * unmap_mapping_pages -> zap_page_range_single ->
 * __mmu_notifier_invalidate_range_start -> xpmem_invalidate ...).
 *
 * Expected: DETACH and munmap return; the process and the kernel live.
 *   1. one process: whole address space exported, a window attached at
 *      a chosen address V whose source is V itself; touch it (SIGBUS or
 *      SIGSEGV are fine: an attachment is no source memory); DETACH.
 *   2. the same with munmap instead of DETACH, and with a window that
 *      covers a second, separate attachment.
 *   3. two processes exporting their whole address spaces, each with a
 *      window of the other covering the other's attachment: detach both.
 */
#include "xt.h"

#include <sys/ioctl.h>

static int fd;

static int64_t make_all(void)
{
	struct xpmem_cmd_make m = {
		.vaddr = 0, .size = XPMEM_MAXADDR_SIZE,
		.permit_type = XPMEM_PERMIT_MODE, .permit_value = 0666,
	};
	XT_OK(ioctl(fd, XPMEM_CMD_MAKE, &m));
	return m.segid;
}

static int64_t get(int64_t segid)
{
	struct xpmem_cmd_get g = { .segid = segid, .flags = XPMEM_RDWR,
					  .permit_type = XPMEM_PERMIT_MODE };
	XT_OK(ioctl(fd, XPMEM_CMD_GET, &g));
	return g.apid;
}

static char *attach(int64_t apid, uint64_t off, size_t len, void *want)
{
	struct xpmem_cmd_attach a = {
		.apid = apid, .offset = (int64_t)off, .size = len,
		.vaddr = (uintptr_t)want, .fd = fd,
	};
	XT_OK(ioctl(fd, XPMEM_CMD_ATTACH, &a));
	return (char *)(uintptr_t)a.vaddr;
}

static void detach(void *p)
{
	struct xpmem_cmd_detach d = { (uintptr_t)p };
	XT_OK(ioctl(fd, XPMEM_CMD_DETACH, &d));
}

int main(void)
{
	size_t ps = XT_PS, len = 16 * ps;
	uint64_t v;

	xt_set_timeout(120);
	fd = xt_open_dev();
	int64_t all = make_all();
	int64_t ap = get(all);

	/* 1. a window onto itself, then DETACH */
	char *V = xt_free_range(len);
	char *p = attach(ap, (uintptr_t)V, len, V);
	XT_ASSERT(p == V);
	xt_info("self window at %p: touch gives %s", (void *)p,
		xt_signame(xt_probe_read(p, &v)));
	detach(p);
	xt_info("1: DETACH of a window over itself returned");

	/* 2a. the same, removed with munmap */
	V = xt_free_range(len);
	p = attach(ap, (uintptr_t)V, len, V);
	(void)xt_probe_read(p + ps, &v);
	XT_OK(munmap(p, len));
	xt_info("2a: munmap of a window over itself returned");

	/* 2b. window W covers a separate attachment A */
	char *A = attach(ap, (uintptr_t)xt_map_anon(ps), ps, NULL);
	char *W = attach(ap, (uintptr_t)A - 4 * ps, 16 * ps, NULL);
	(void)xt_probe_read(A, &v);
	(void)xt_probe_read(W + 4 * ps, &v);
	detach(A);
	detach(W);
	xt_info("2b: DETACH of an attachment inside another window returned");

	/* 3. two processes, windows over each other's attachments */
	struct xt_chan ch;
	xt_chan_init(&ch);
	pid_t pid = xt_fork();
	if (pid == 0) {
		int c = xt_chan_end(&ch, 1);
		fd = xt_open_dev();
		int64_t mine = make_all();
		xt_send_u64(c, (uint64_t)mine);
		int64_t theirs = (int64_t)xt_recv_u64(c);
		int64_t a2 = get(theirs);
		/* my attachment of the parent, at an address I tell it */
		char *mine_att = attach(a2, (uintptr_t)xt_map_anon(ps), ps, NULL);
		xt_send_u64(c, (uintptr_t)mine_att);
		char *their_att = (char *)(uintptr_t)xt_recv_u64(c);
		/* a window of the parent covering the parent's attachment */
		char *w2 = attach(a2, (uintptr_t)their_att, ps, NULL);
		(void)xt_probe_read(mine_att, &v);
		(void)xt_probe_read(w2, &v);
		xt_send_u64(c, 1);
		xt_expect_u64(c, 2);
		detach(mine_att);
		detach(w2);
		xt_send_u64(c, 3);
		return 0;
	}
	int c = xt_chan_end(&ch, 0);
	int64_t theirs = (int64_t)xt_recv_u64(c);
	xt_send_u64(c, (uint64_t)all);
	int64_t a1 = get(theirs);
	char *their_att = (char *)(uintptr_t)xt_recv_u64(c);
	char *my_att = attach(a1, (uintptr_t)xt_map_anon(ps), ps, NULL);
	xt_send_u64(c, (uintptr_t)my_att);
	/* a window of the child covering the child's attachment */
	char *w1 = attach(a1, (uintptr_t)their_att, ps, NULL);
	xt_expect_u64(c, 1);
	(void)xt_probe_read(my_att, &v);
	(void)xt_probe_read(w1, &v);
	detach(my_att);
	xt_send_u64(c, 2);
	xt_expect_u64(c, 3);
	detach(w1);
	xt_wait_ok(pid);
	xt_info("3: cross windows over each other's attachments detached");
	return 0;
}
