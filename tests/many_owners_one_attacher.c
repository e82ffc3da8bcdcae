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
	struct xt_owner own[NO];
	int k, j;
	char *att[NO];
	uint64_t v;

	for (k = 0; k < NO; k++) {
		own[k] = (struct xt_owner){ .len = LEN, .seed = 250 + k,
					    .mode = 0600 };
		if (xt_owner_fork(&own[k]) == 0) {
			for (j = 0; j < k; j++)
				close(own[j].fd);
			xt_expect_u64(own[k].fd, 1);
			XT_ASSERT_PATTERN(own[k].buf, LEN, 260 + k, 0);
			xt_step(own[k].fd, 2);
			return 0;
		}
	}
	for (k = 0; k < NO; k++)
		att[k] = xt_get_attach(own[k].segid, XPMEM_RDWR, LEN, NULL);
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
		xt_send_u64(own[k].fd, 1);
	for (k = 0; k < NO; k++)
		xt_expect_u64(own[k].fd, 2);
	/* owner 3 exits */
	xt_send_u64(own[3].fd, 3);
	xt_wait_ok(own[3].pid);
	XT_EXPECT_SIG(xt_probe_read(att[3], &v), SIGBUS);
	for (k = 0; k < NO; k++)
		if (k != 3)
			XT_ASSERT_PATTERN(att[k], LEN, 260 + k, 0);
	for (k = 0; k < NO; k++) {
		xt_detach(att[k]);
		if (k != 3) {
			xt_send_u64(own[k].fd, 3);
			xt_wait_ok(own[k].pid);
		}
	}
	return 0;
}
