// SPDX-License-Identifier: GPL-2.0-only
/*
 * An apid is usable only by the process that got it: another process
 * (a child of the getter, a sibling) that passes it to its own
 * xpmem_attach or xpmem_release fails, and the getter's permit still
 * works afterwards. That holds also for a process that has permits of
 * its own, got in the same order (so with the same per-process index):
 * the foreign apid never names one of them, and its own attachment made
 * through its own permit is untouched by the failed calls.
 */
#include "xt.h"

static xpmem_apid_t apid;

static int try_use(void *arg)
{
	struct xpmem_addr xa = { apid, 0 };
	void *p;

	(void)arg;
	/* force the library to open its own descriptor */
	XT_ASSERT_GT(xpmem_version(), 0);
	p = xpmem_attach(xa, XT_PS, NULL);
	XT_ASSERT_MSG(p == XT_XPMEM_FAILED,
		      "attach with another process's apid gave %p", p);
	XT_FAILS(xpmem_release(apid));
	return 0;
}

int main(void)
{
	size_t ps = XT_PS;
	struct xt_chan ch;
	int fd;
	pid_t owner;

	xt_chan_init(&ch);
	owner = xt_fork();
	if (owner == 0) {
		char *buf = xt_map_anon(ps);
		fd = xt_chan_end(&ch, 1);
		xt_fill(buf, ps, 6, 0);
		xt_send_u64(fd, xt_make(buf, ps, 0666));
		xt_expect_u64(fd, 1);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_segid_t s = xt_recv_u64(fd);
	apid = xt_get(s, XPMEM_RDWR);
	xt_info("apid 0x%llx", (unsigned long long)apid);

	xt_run(try_use, NULL);

	/*
	 * A child that got its own permit (so it has a context, and its
	 * first permit, like ours): the ids must differ, ours must fail
	 * there, and the child's own attachment must survive the attempt.
	 */
	pid_t pid = xt_fork();
	if (pid == 0) {
		xpmem_apid_t mine = xt_get(s, XPMEM_RDWR);
		char *q = xt_attach(mine, 0, ps, NULL);

		xt_info("child's own apid 0x%llx", (unsigned long long)mine);
		XT_ASSERT_MSG(mine != apid, "two processes got the same apid "
			      "0x%llx", (unsigned long long)apid);
		try_use(NULL);
		XT_ASSERT_PATTERN(q, ps, 6, 0);
		xt_detach(q);
		xt_release(mine);
		return 0;
	}
	xt_wait_ok(pid);

	char *p = xt_attach(apid, 0, ps, NULL);
	XT_ASSERT_PATTERN(p, ps, 6, 0);
	xt_detach(p);
	xt_release(apid);
	xt_send_u64(fd, 1);
	xt_wait_ok(owner);
	return 0;
}
