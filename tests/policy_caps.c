// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-user caps on live objects (module parameters
 * max_segments_per_user, max_permits_per_user, max_attachments_per_user),
 * just under, at and just over each: with the caps set to 4, alice makes
 * 4 segments and the 5th MAKE fails with ENOSPC; she gets 4 permits and
 * the 5th GET fails with ENOSPC; she attaches 4 times and the 5th ATTACH
 * fails with ENOSPC. Meanwhile bob's MAKE, GET and ATTACH work. When
 * alice gives one object back she can make one again. The defaults are
 * large (checked against a floor), and 0 means no cap.
 */
#include "xt.h"

#define CAP 4

static long param(const char *name)
{
	char v[64];

	XT_OK(xt_module_param_get(name, v, sizeof(v)));
	return strtol(v, NULL, 10);
}

static int chfd;

static int bob(void *arg)
{
	char *b = xt_map_anon(XT_PS);

	(void)arg;
	xt_become_user(XT_BOB);
	xt_fill(b, XT_PS, 44, 0);
	xpmem_segid_t s = xt_make(b, XT_PS, 0600);
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);
	char *p = xt_attach(a, 0, XT_PS, NULL);
	XT_ASSERT_PATTERN(p, XT_PS, 44, 0);
	xt_detach(p);
	xt_release(a);
	xt_remove(s);
	return 0;
}

static int alice(void *arg)
{
	char *b = xt_map_anon(XT_PS);
	xpmem_segid_t s[CAP];
	xpmem_apid_t a[CAP];
	char *p[CAP];
	int i;

	(void)arg;
	xt_become_user(XT_ALICE);
	xt_fill(b, XT_PS, 43, 0);
	for (i = 0; i < CAP; i++)
		s[i] = xt_make(b, XT_PS, 0600);
	XT_ERR(xpmem_make(b, XT_PS, XPMEM_PERMIT_MODE, (void *)0600), ENOSPC);
	xt_step(chfd, 1);	/* bob works meanwhile */

	for (i = 0; i < CAP; i++)
		a[i] = xt_get(s[0], XPMEM_RDWR);
	XT_ERR(xpmem_get(s[0], XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL), ENOSPC);
	xt_step(chfd, 3);

	for (i = 0; i < CAP; i++)
		p[i] = xt_attach(a[i], 0, XT_PS, NULL);
	struct xpmem_addr xa = { a[0], 0 };
	XT_ERR(xpmem_attach(xa, XT_PS, NULL), ENOSPC);
	xt_step(chfd, 5);

	/* one of each back: one of each again */
	xt_detach(p[CAP - 1]);
	p[CAP - 1] = xt_attach(a[0], 0, XT_PS, NULL);
	XT_ASSERT_PATTERN(p[CAP - 1], XT_PS, 43, 0);
	xt_remove(s[CAP - 1]);
	s[CAP - 1] = xt_make(b, XT_PS, 0600);
	for (i = 0; i < CAP; i++) {
		xt_detach(p[i]);
		xt_release(a[i]);
	}
	a[0] = xt_get(s[CAP - 1], XPMEM_RDWR);
	xt_release(a[0]);
	for (i = 0; i < CAP; i++)
		xt_remove(s[i]);
	return 0;
}

int main(void)
{
	char cap[16];

	xt_require_root();
	/* Room for 10^6 cached attachments of one user's MPI job. */
	XT_ASSERT_GE(param("max_attachments_per_user"), 1000000);
	XT_ASSERT_GE(param("max_permits_per_user"), 65536);
	XT_ASSERT_GE(param("max_segments_per_user"), 4096);

	snprintf(cap, sizeof(cap), "%d", CAP);
	xt_module_param("max_segments_per_user", cap);
	xt_module_param("max_permits_per_user", cap);
	xt_module_param("max_attachments_per_user", cap);
	XT_ASSERT_EQ(param("max_segments_per_user"), CAP);

	struct xt_chan ch;
	xt_chan_init(&ch);
	pid_t pa = xt_fork();
	if (pa == 0) {
		chfd = xt_chan_end(&ch, 1);
		exit(alice(NULL));
	}
	chfd = xt_chan_end(&ch, 0);
	for (uint64_t step = 1; step <= 5; step += 2) {
		xt_expect_u64(chfd, step);	/* alice sits at a cap */
		xt_run(bob, NULL);
		xt_send_u64(chfd, step + 1);
	}
	xt_wait_ok(pa);
	xt_info("caps of %d: the %dth MAKE, GET and ATTACH got ENOSPC; bob was "
		"not affected", CAP, CAP + 1);

	/* 0 is no cap */
	xt_module_param("max_segments_per_user", "0");
	{
		char *b = xt_map_anon(XT_PS);
		xpmem_segid_t s[2 * CAP];
		int i;

		for (i = 0; i < 2 * CAP; i++)
			s[i] = xt_make(b, XT_PS, 0600);
		for (i = 0; i < 2 * CAP; i++)
			xt_remove(s[i]);
	}
	return 0;
}
