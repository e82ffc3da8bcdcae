// SPDX-License-Identifier: GPL-2.0-only
/*
 * The module cannot be unloaded while it is in use, and can as soon as
 * the last user is gone:
 *   - an open descriptor of /dev/xpmem: delete_module fails with
 *     EAGAIN/EWOULDBLOCK (or EBUSY); after close it succeeds;
 *   - an attachment still mapped by a process that closed its descriptor
 *     (its VMA keeps the file): refused; after munmap, with the owner
 *     still holding its descriptor: refused; after the owner exits:
 *     succeeds;
 *   - a live owner and an attacher that both exit (not killed, not
 *     closing anything themselves): succeeds right after they are reaped.
 * The module is loaded again after every successful unload.
 */
#include "lim_module.h"

static void expect_busy(const char *when)
{
	int r = lim_unload();

	XT_ASSERT_MSG(r == -EAGAIN || r == -EBUSY,
		      "unload %s: expected EAGAIN or EBUSY, got %s", when,
		      r ? strerror(-r) : "success");
	XT_ASSERT(lim_module_loaded());
	xt_info("unload %s refused: %s", when, strerror(-r));
}

static void expect_unload_and_reload(const char *when)
{
	int r = -1;

	/* the last fput may finish just after waitpid: give it a moment */
	for (int i = 0; i < 50; i++) {
		r = lim_unload();
		if (r != -EAGAIN)
			break;
		usleep(20000);
	}
	XT_ASSERT_MSG(r == 0, "unload %s: %s", when, strerror(-r));
	xt_info("unload %s: done", when);
	r = lim_load("");
	XT_ASSERT_MSG(r == 0, "reload: %s", strerror(-r));
}

int main(void)
{
	size_t len = 16 * XT_PS;
	struct xt_chan c1, c2;
	int fd, a_fd, o_fd;

	lim_module_setup();

	/* 1. an open descriptor */
	fd = xt_open_dev();
	expect_busy("with /dev/xpmem open");
	close(fd);
	expect_unload_and_reload("after close");

	/* 2. an attachment mapped by a process without a descriptor */
	xt_chan_init(&c1);
	xt_chan_init(&c2);
	pid_t owner = xt_fork();
	if (owner == 0) {
		o_fd = xt_chan_end(&c1, 1);
		int dev = xt_open_dev();
		char *mem = xt_map_anon(len);
		xt_fill(mem, len, 81, 0);
		struct xpmem_cmd_make m = {
			.vaddr = (uintptr_t)mem, .size = len,
			.permit_type = XPMEM_PERMIT_MODE, .permit_value = 0666,
		};
		XT_OK(ioctl(dev, XPMEM_CMD_MAKE, &m));
		xt_send_u64(o_fd, (uint64_t)m.segid);
		xt_expect_u64(o_fd, 1);		/* exit when told */
		return 0;
	}
	o_fd = xt_chan_end(&c1, 0);
	xpmem_segid_t s = (xpmem_segid_t)xt_recv_u64(o_fd);
	pid_t att = xt_fork();
	if (att == 0) {
		a_fd = xt_chan_end(&c2, 1);
		int dev = xt_open_dev();
		struct xpmem_cmd_get g = { .segid = s, .flags = XPMEM_RDWR,
					  .permit_type = XPMEM_PERMIT_MODE };
		XT_OK(ioctl(dev, XPMEM_CMD_GET, &g));
		struct xpmem_cmd_attach at = { .apid = g.apid, .size = len,
					       .fd = dev };
		XT_OK(ioctl(dev, XPMEM_CMD_ATTACH, &at));
		char *p = (char *)(uintptr_t)at.vaddr;
		XT_ASSERT_PATTERN(p, len, 81, 0);
		close(dev);	/* the attachment keeps the file */
		XT_ASSERT_PATTERN(p, len, 81, 0);
		xt_send_u64(a_fd, 1);
		xt_expect_u64(a_fd, 2);
		XT_ASSERT_PATTERN(p, len, 81, 0);
		XT_OK(munmap(p, len));
		xt_send_u64(a_fd, 3);
		xt_expect_u64(a_fd, 4);
		return 0;
	}
	a_fd = xt_chan_end(&c2, 0);
	xt_expect_u64(a_fd, 1);
	expect_busy("with an attachment mapped (its descriptor closed)");
	xt_send_u64(a_fd, 2);
	xt_expect_u64(a_fd, 3);
	expect_busy("with the owner's descriptor open");
	xt_send_u64(a_fd, 4);
	xt_wait_ok(att);
	expect_busy("with the owner's descriptor open (attacher gone)");
	xt_send_u64(o_fd, 1);
	xt_wait_ok(owner);
	expect_unload_and_reload("after the owner and the attacher exited");

	/* 3. users that just exit with everything live */
	xt_chan_init(&c1);
	owner = xt_fork();
	if (owner == 0) {
		o_fd = xt_chan_end(&c1, 1);
		char *mem = xt_map_anon(len);
		xt_fill(mem, len, 82, 0);
		xt_send_u64(o_fd, (uint64_t)xt_make(mem, len, 0600));
		xt_expect_u64(o_fd, 1);
		return 0;	/* exit with the segment live */
	}
	o_fd = xt_chan_end(&c1, 0);
	s = (xpmem_segid_t)xt_recv_u64(o_fd);
	att = xt_fork();
	if (att == 0) {
		xpmem_apid_t ap = xt_get(s, XPMEM_RDWR);
		char *p = xt_attach(ap, 0, len, NULL);
		XT_ASSERT_PATTERN(p, len, 82, 0);
		return 0;	/* exit with the attachment and permit live */
	}
	xt_wait_ok(att);
	expect_busy("with the owner alive");
	xt_send_u64(o_fd, 1);
	xt_wait_ok(owner);
	expect_unload_and_reload("after both exited with everything live");
	return 0;
}
