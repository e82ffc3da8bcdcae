// SPDX-License-Identifier: GPL-2.0-only
/*
 * Six processes each export a buffer and attach every other one (30
 * attachments, every pair both ways, like MPI ranks). Each checks all
 * peers' data, then writes a token into its right neighbour's buffer;
 * each then finds its left neighbour's token in its own memory. Then
 * everyone reads everyone concurrently while owners rewrite their own
 * buffers, and the final contents are checked.
 */
#include "xt.h"

#define NP 6
#define PAGES 16

static int rank_main(int r, int fd)
{
	size_t ps = XT_PS, len = PAGES * ps;
	char *buf = xt_map_anon(len);
	xpmem_segid_t segs[NP];
	char *peer[NP] = { 0 };
	int k, it;

	xt_fill(buf, len, 170 + r, 0);
	xt_send_u64(fd, xt_make(buf, len, 0600));
	for (k = 0; k < NP; k++)
		segs[k] = xt_recv_u64(fd);
	for (k = 0; k < NP; k++) {
		if (k == r)
			continue;
		peer[k] = xt_attach(xt_get(segs[k], XPMEM_RDWR), 0, len, NULL);
	}
	for (k = 0; k < NP; k++)
		if (k != r)
			XT_ASSERT_PATTERN(peer[k], len, 170 + k, 0);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);
	/* ring: write into the right neighbour's last page */
	*(volatile uint64_t *)(peer[(r + 1) % NP] + len - 8) = 0x7700 + r;
	xt_send_u64(fd, 3);
	xt_expect_u64(fd, 4);
	XT_ASSERT_EQ(*(volatile uint64_t *)(buf + len - 8), 0x7700 + (r + NP - 1) % NP);
	*(uint64_t *)(buf + len - 8) = xt_pat(170 + r, len - 8);
	xt_send_u64(fd, 5);
	xt_expect_u64(fd, 6);
	/* concurrent: rewrite own buffer (seed alternates), read peers */
	for (it = 0; it < 20; it++) {
		xt_fill(buf, len / 2, (it % 2) ? 180 + r : 170 + r, 0);
		for (k = 0; k < NP; k++) {
			if (k == r)
				continue;
			for (size_t o = 0; o < len; o += ps) {
				uint64_t v = *(volatile uint64_t *)(peer[k] + o);
				if (v != xt_pat(170 + k, o) && v != xt_pat(180 + k, o))
					XT_FAIL("rank %d reads rank %d offset %zu: "
						"0x%llx", r, k, o,
						(unsigned long long)v);
			}
		}
	}
	xt_send_u64(fd, 7);
	xt_expect_u64(fd, 8);
	xt_fill(buf, len, 190 + r, 0);
	xt_send_u64(fd, 9);
	xt_expect_u64(fd, 10);
	for (k = 0; k < NP; k++)
		if (k != r) {
			XT_ASSERT_PATTERN(peer[k], len, 190 + k, 0);
			xt_detach(peer[k]);
		}
	xt_send_u64(fd, 11);
	xt_expect_u64(fd, 12);
	return 0;
}

static void all_expect(int *fds, uint64_t step)
{
	for (int k = 0; k < NP; k++)
		xt_expect_u64(fds[k], step);
}

static void all_send(int *fds, uint64_t step)
{
	for (int k = 0; k < NP; k++)
		xt_send_u64(fds[k], step);
}

int main(void)
{
	struct xt_chan ch[NP];
	int fds[NP], k, j;
	pid_t pids[NP];
	uint64_t segs[NP];

	for (k = 0; k < NP; k++) {
		xt_chan_init(&ch[k]);
		pids[k] = xt_fork();
		if (pids[k] == 0) {
			for (j = 0; j < k; j++)
				close(fds[j]);
			return rank_main(k, xt_chan_end(&ch[k], 1));
		}
		fds[k] = xt_chan_end(&ch[k], 0);
	}
	for (k = 0; k < NP; k++)
		segs[k] = xt_recv_u64(fds[k]);
	for (k = 0; k < NP; k++)
		for (j = 0; j < NP; j++)
			xt_send_u64(fds[k], segs[j]);
	all_expect(fds, 1);
	all_send(fds, 2);
	all_expect(fds, 3);
	all_send(fds, 4);
	all_expect(fds, 5);
	all_send(fds, 6);
	all_expect(fds, 7);
	all_send(fds, 8);
	all_expect(fds, 9);
	all_send(fds, 10);
	all_expect(fds, 11);
	all_send(fds, 12);
	for (k = 0; k < NP; k++)
		xt_wait_ok(pids[k]);
	return 0;
}
