// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eight processes attach one owner's segment at the same time: all read
 * the owner's data, each writes its own slice, and the owner finds every
 * slice written by the right process; each attacher also sees the others'
 * slices.
 */
#include "xt.h"

#define NA 8
#define SLICE (128 * 1024)
#define LEN (NA * SLICE)

int main(void)
{
	struct xt_chan ch[NA];
	int fds[NA], k, j;
	pid_t pids[NA];
	char *buf = xt_map_anon(LEN);

	xt_fill(buf, LEN, 230, 0);
	xpmem_segid_t s = xt_make(buf, LEN, 0600);
	for (k = 0; k < NA; k++) {
		xt_chan_init(&ch[k]);
		pids[k] = xt_fork();
		if (pids[k] == 0) {
			for (j = 0; j < k; j++)
				close(fds[j]);
			int fd = xt_chan_end(&ch[k], 1);
			char *p = xt_attach(xt_get(s, XPMEM_RDWR), 0, LEN, NULL);
			XT_ASSERT_PATTERN(p, LEN, 230, 0);
			xt_send_u64(fd, 1);
			xt_expect_u64(fd, 2);	/* everyone has read */
			xt_fill(p + k * SLICE, SLICE, 240 + k, k * SLICE);
			xt_send_u64(fd, 3);
			xt_expect_u64(fd, 4);
			for (j = 0; j < NA; j++)
				XT_ASSERT_PATTERN(p + j * SLICE, SLICE, 240 + j,
						  j * SLICE);
			xt_detach(p);
			return 0;
		}
		fds[k] = xt_chan_end(&ch[k], 0);
	}
	for (k = 0; k < NA; k++)
		xt_expect_u64(fds[k], 1);
	for (k = 0; k < NA; k++)
		xt_send_u64(fds[k], 2);
	for (k = 0; k < NA; k++)
		xt_expect_u64(fds[k], 3);
	for (k = 0; k < NA; k++)
		XT_ASSERT_PATTERN(buf + k * SLICE, SLICE, 240 + k, k * SLICE);
	for (k = 0; k < NA; k++)
		xt_send_u64(fds[k], 4);
	for (k = 0; k < NA; k++)
		xt_wait_ok(pids[k]);
	xt_remove(s);
	return 0;
}
