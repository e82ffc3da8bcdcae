// SPDX-License-Identifier: GPL-2.0-only
/*
 * 1000 live segments get 1000 positive, distinct segids; each one still
 * names its own range (a get+attach of a few of them reads the right
 * page); all of them can be removed once, and not twice.
 */
#include "xt.h"

#define N 1000

static int cmp(const void *a, const void *b)
{
	xpmem_segid_t x = *(const xpmem_segid_t *)a, y = *(const xpmem_segid_t *)b;
	return x < y ? -1 : x > y;
}

int main(void)
{
	size_t ps = XT_PS;
	char *buf = xt_map_anon(N * ps);
	static xpmem_segid_t ids[N], sorted[N];
	int i;

	for (i = 0; i < N; i++) {
		xt_fill(buf + i * ps, ps, 1 + i, 0);
		ids[i] = xt_make(buf + (size_t)i * ps, ps, 0600);
		XT_ASSERT_GT(ids[i], 0);
	}
	memcpy(sorted, ids, sizeof(ids));
	qsort(sorted, N, sizeof(sorted[0]), cmp);
	for (i = 1; i < N; i++)
		if (sorted[i] == sorted[i - 1])
			XT_FAIL("segid 0x%llx returned twice",
				(unsigned long long)sorted[i]);

	/* the ids name the right ranges (same process attaching is not
	 * needed: a child does it) */
	pid_t pid = xt_fork();
	if (pid == 0) {
		int k;
		for (k = 0; k < N; k += 111) {
			xpmem_apid_t a = xt_get(ids[k], XPMEM_RDONLY);
			char *p = xt_attach(a, 0, ps, NULL);
			XT_ASSERT_PATTERN(p, ps, 1 + k, 0);
			xt_detach(p);
			xt_release(a);
		}
		return 0;
	}
	xt_wait_ok(pid);

	for (i = 0; i < N; i++)
		xt_remove(ids[i]);
	for (i = 0; i < N; i += 97)
		XT_FAILS(xpmem_remove(ids[i]));
	return 0;
}
