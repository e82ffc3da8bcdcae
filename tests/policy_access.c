// SPDX-License-Identifier: GPL-2.0-only
/*
 * The admin's access policy (module parameter access_policy), every row:
 * alice exports a 0666 and a 0600 segment; another alice process, bob
 * (another user) and root (CAP_IPC_OWNER) ask for RDWR permits under
 * same-user (the default), mode-bits and none. Each gets a working
 * permit or fails with EACCES exactly as the policy says, and a refusal
 * leaves a kernel log line naming the policy.
 */
#include "xt.h"

#include <sys/klog.h>

enum { SAME_USER, MODE_BITS, NONE, NPOL };
static const char *const pol[NPOL] = { "same-user", "mode-bits", "none" };
enum { ALICE2, BOB, ROOT, NWHO };
static const char *const who[NWHO] = { "alice", "bob", "root" };

/* expected[policy][who][0666, 0600] */
static const int expected[NPOL][NWHO][2] = {
	[SAME_USER] = { { 1, 1 }, { 0, 0 }, { 1, 1 } },
	[MODE_BITS] = { { 1, 1 }, { 1, 0 }, { 1, 1 } },
	[NONE] = { { 1, 1 }, { 0, 0 }, { 0, 0 } },
};

static xpmem_segid_t segs[2];

static int try(void *arg)
{
	int w = (int)(intptr_t)arg >> 4, p = (int)(intptr_t)arg & 15, i;

	if (w == ALICE2)
		xt_become_user(XT_ALICE);
	else if (w == BOB)
		xt_become_user(XT_BOB);
	for (i = 0; i < 2; i++) {
		errno = 0;
		xpmem_apid_t a = xpmem_get(segs[i], XPMEM_RDWR,
					   XPMEM_PERMIT_MODE, NULL);
		int e = errno;

		if (expected[p][w][i]) {
			XT_ASSERT_MSG(a > 0, "%s, %s, mode %s: refused (errno %d)",
				      pol[p], who[w], i ? "0600" : "0666", e);
			char *q = xt_attach(a, 0, XT_PS, NULL);
			XT_ASSERT_PATTERN(q, XT_PS, 12 + i, 0);
			xt_detach(q);
			xt_release(a);
		} else {
			XT_ASSERT_MSG(a == -1 && e == EACCES,
				      "%s, %s, mode %s: got %lld errno %d, want EACCES",
				      pol[p], who[w], i ? "0600" : "0666",
				      (long long)a, e);
		}
	}
	return 0;
}

static int log_has(const char *s)
{
	static char buf[1 << 17];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1);

	if (n < 0)
		return -1;
	buf[n] = 0;
	return strstr(buf, s) != NULL;
}

int main(void)
{
	struct xt_chan ch;
	int fd, p, w;
	pid_t owner;
	char v[64];

	xt_require_root();
	XT_OK(xt_module_param_get("access_policy", v, sizeof(v)));
	XT_ASSERT_MSG(!strcmp(v, "same-user"), "default access_policy is %s", v);

	xt_chan_init(&ch);
	owner = xt_fork();
	if (owner == 0) {
		char *b0 = xt_map_anon(XT_PS), *b1 = xt_map_anon(XT_PS);

		fd = xt_chan_end(&ch, 1);
		xt_become_user(XT_ALICE);
		xt_fill(b0, XT_PS, 12, 0);
		xt_fill(b1, XT_PS, 13, 0);
		xt_send_u64(fd, xt_make(b0, XT_PS, 0666));
		xt_send_u64(fd, xt_make(b1, XT_PS, 0600));
		xt_expect_u64(fd, 1);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	segs[0] = xt_recv_u64(fd);
	segs[1] = xt_recv_u64(fd);

	for (p = 0; p < NPOL; p++) {
		xt_module_param("access_policy", pol[p]);
		XT_OK(xt_module_param_get("access_policy", v, sizeof(v)));
		XT_ASSERT_MSG(!strcmp(v, pol[p]), "access_policy reads %s", v);
		for (w = 0; w < NWHO; w++)
			xt_run(try, (void *)(intptr_t)(w << 4 | p));
		xt_info("access_policy=%s: every row as expected", pol[p]);
	}
	XT_ASSERT_EQ(log_has("refused by access_policy=same-user"), 1);
	XT_ASSERT_EQ(log_has("refused by access_policy=none"), 1);
	XT_ASSERT_EQ(xt_write_file("/sys/module/xpmem/parameters/access_policy",
				   "everyone"), -EINVAL);
	xt_send_u64(fd, 1);
	xt_wait_ok(owner);
	return 0;
}
