// SPDX-License-Identifier: GPL-2.0-only
/*
 * An owner that is not dumpable (PR_SET_DUMPABLE 0, as after a set-uid
 * execution) can be reached only with CAP_SYS_PTRACE, as ptrace would
 * require (module parameter nondumpable_needs_ptrace, default Y): another
 * process of the same user gets EPERM from GET, and from ATTACH with a
 * permit it got while the owner was still dumpable; root gets in. With
 * the parameter N the same user gets in again.
 */
#include "xt.h"

#include <sys/prctl.h>

static xpmem_segid_t seg;
static int chfd;

static int same_user(void *arg)
{
	int expect_ok = (int)(intptr_t)arg;

	xt_become_user(XT_ALICE);
	errno = 0;
	xpmem_apid_t a = xpmem_get(seg, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL);
	if (!expect_ok) {
		XT_ASSERT_MSG(a == -1 && errno == EPERM,
			      "GET of a non-dumpable owner: %lld errno %d, want EPERM",
			      (long long)a, errno);
		return 0;
	}
	XT_ASSERT_GT(a, 0);
	char *p = xt_attach(a, 0, XT_PS, NULL);
	XT_ASSERT_PATTERN(p, XT_PS, 31, 0);
	xt_detach(p);
	xt_release(a);
	return 0;
}

/* A permit got while the owner is dumpable, used after it is not. */
static int early_permit(void *arg)
{
	(void)arg;
	xt_become_user(XT_ALICE);
	xpmem_apid_t a = xt_get(seg, XPMEM_RDWR);
	xt_step(chfd, 10);	/* the owner drops dumpability */
	struct xpmem_addr xa = { a, 0 };
	XT_ERR(xpmem_attach(xa, XT_PS, NULL), EPERM);
	xt_release(a);
	return 0;
}

static int as_root(void *arg)
{
	(void)arg;
	xpmem_apid_t a = xt_get(seg, XPMEM_RDWR);
	char *p = xt_attach(a, 0, XT_PS, NULL);
	XT_ASSERT_PATTERN(p, XT_PS, 31, 0);
	xt_detach(p);
	xt_release(a);
	return 0;
}

int main(void)
{
	struct xt_chan ch;
	pid_t owner;

	xt_require_root();
	xt_chan_init(&ch);
	owner = xt_fork();
	if (owner == 0) {
		char *b = xt_map_anon(XT_PS);
		int fd = xt_chan_end(&ch, 1);

		xt_become_user(XT_ALICE);
		xt_fill(b, XT_PS, 31, 0);
		xt_send_u64(fd, xt_make(b, XT_PS, 0600));
		xt_expect_u64(fd, 10);
		XT_OK(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
		xt_send_u64(fd, 11);
		xt_expect_u64(fd, 1);
		return 0;
	}
	chfd = xt_chan_end(&ch, 0);
	seg = xt_recv_u64(chfd);
	xt_run(same_user, (void *)1);	/* dumpable: fine */
	xt_run(early_permit, NULL);	/* makes the owner non-dumpable */
	xt_run(same_user, (void *)0);
	xt_run(as_root, NULL);
	xt_module_param("nondumpable_needs_ptrace", "N");
	xt_run(same_user, (void *)1);
	xt_send_u64(chfd, 1);
	xt_wait_ok(owner);
	return 0;
}
