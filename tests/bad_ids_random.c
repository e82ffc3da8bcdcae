// SPDX-License-Identifier: GPL-2.0-only
/*
 * Random and crafted segid/apid values are refused (get, remove, attach,
 * release) - none may reach someone else's segment or crash the module:
 * 0, negatives, other processes' pid in the low bits, neighbours of live
 * ids, and 20000 pseudo-random 64-bit values. Live segments of another
 * process survive the storm (a remove of a guessed id never succeeds),
 * and the module works afterwards.
 */
#include "xt.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* ids that are live right now: never used as a "bad" id */
static int64_t live_ids[3];

static void storm(xpmem_segid_t live, xpmem_apid_t live_apid, int nrand)
{
	int64_t crafted[] = { 0, -1, 1, 2, INT64_MAX, INT64_MIN, -live,
			      live + 1, live - 1, live + (1LL << 32),
			      live ^ 1, (int64_t)getppid(), (int64_t)getpid(),
			      (1LL << 32) | getppid(), live_apid + 1,
			      live_apid + (1LL << 32), -live_apid };
	unsigned i;
	struct xpmem_addr xa;

	for (i = 0; i < sizeof(crafted) / sizeof(crafted[0]) + nrand; i++) {
		int64_t id = i < sizeof(crafted) / sizeof(crafted[0]) ?
			     crafted[i] : (int64_t)next();
		if (id == live_ids[0] || id == live_ids[1] || id == live_ids[2])
			continue;
		errno = 0;
		if (xpmem_get(id, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL) != -1)
			XT_FAIL("get of id 0x%llx succeeded", (unsigned long long)id);
		if (xpmem_remove(id) != -1)
			XT_FAIL("remove of id 0x%llx succeeded",
				(unsigned long long)id);
		xa.apid = id;
		xa.offset = 0;
		if (xpmem_attach(xa, XT_PS, NULL) != XT_XPMEM_FAILED)
			XT_FAIL("attach with apid 0x%llx succeeded",
				(unsigned long long)id);
		if (xpmem_release(id) != -1)
			XT_FAIL("release of apid 0x%llx succeeded",
				(unsigned long long)id);
	}
}

int main(void)
{
	size_t ps = XT_PS;
	struct xt_owner o = { .len = ps, .seed = 220, .mode = 0666 };

	xt_owner_start(&o);
	xpmem_segid_t other = o.segid;

	char *mine = xt_map_anon(ps);
	xpmem_segid_t s = xt_make(mine, ps, 0600);
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);
	live_ids[0] = s;
	live_ids[1] = a;
	live_ids[2] = other;
	storm(s, a, 20000);
	/* ids near the other process's segment */
	storm(other, a, 0);

	/* all live objects survived */
	char *p = xt_attach(a, 0, ps, NULL);
	xt_detach(p);
	xpmem_apid_t ao = xt_get(other, XPMEM_RDONLY);
	p = xt_attach(ao, 0, ps, NULL);
	XT_ASSERT_PATTERN(p, ps, 220, 0);
	xt_detach(p);
	xt_release(ao);
	xt_release(a);
	xt_remove(s);
	xt_owner_stop(&o);
	return 0;
}
