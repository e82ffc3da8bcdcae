// SPDX-License-Identifier: GPL-2.0-only
/*
 * One process attaches the segments of eight owners at once: each
 * attachment shows its own owner's data (no mix-up between owners), the
 * attacher's writes reach the right owner, and an owner exiting only
 * affects its own attachment (SIGBUS there, the others keep working).
 */
#include "xt.h"

#define NO 8
#define LEN (256 * 1024)

int main(void)
{
	struct xt_chan ch[NO];
	int fds[NO], k, j;
	pid_t pids[NO];
	char *att[NO];
	uint64_t v;

	for (k = 0; k < NO; k++) {
		xt_chan_init(&ch[k]);
		pids[k] = xt_fork();
		if (pids[k] == 0) {
			for (j = 0; j < k; j++)
				close(fds[j]);
			int fd = xt_chan_end(&ch[k], 1);
			char *buf = xt_map_anon(LEN);
			xt_fill(buf, LEN, 250 + k, 0);
			xt_send_u64(fd, xt_make(buf, LEN, 0600));
			xt_expect_u64(fd, 1);
			XT_ASSERT_PATTERN(buf, LEN, 260 + k, 0);
			xt_send_u64(fd, 2);
			xt_expect_u64(fd, 3);
			return 0;
		}
		fds[k] = xt_chan_end(&ch[k], 0);
	}
	for (k = 0; k < NO; k++)
		att[k] = xt_attach(xt_get(xt_recv_u64(fds[k]), XPMEM_RDWR), 0,
				   LEN, NULL);
	/* interleaved first touches */
	for (size_t o = 0; o < LEN; o += XT_PS)
		for (k = 0; k < NO; k++)
			XT_ASSERT_EQ(*(volatile uint64_t *)(att[k] + o),
				     xt_pat(250 + k, o));
	for (k = 0; k < NO; k++) {
		XT_ASSERT_PATTERN(att[k], LEN, 250 + k, 0);
		xt_fill(att[k], LEN, 260 + k, 0);
	}
	for (k = 0; k < NO; k++)
		xt_send_u64(fds[k], 1);
	for (k = 0; k < NO; k++)
		xt_expect_u64(fds[k], 2);
	/* owner 3 exits */
	xt_send_u64(fds[3], 3);
	xt_wait_ok(pids[3]);
	XT_EXPECT_SIG(xt_probe_read(att[3], &v), SIGBUS);
	for (k = 0; k < NO; k++)
		if (k != 3)
			XT_ASSERT_PATTERN(att[k], LEN, 260 + k, 0);
	for (k = 0; k < NO; k++) {
		xt_detach(att[k]);
		if (k != 3) {
			xt_send_u64(fds[k], 3);
			xt_wait_ok(pids[k]);
		}
	}
	return 0;
}
