// SPDX-License-Identifier: GPL-2.0-only
/*
 * Threads of the attacher fault the same THP-backed blocks concurrently
 * (reads and writes of the owner's own values) while the owner drops
 * whole 2 MiB blocks and single 4 KiB pages (MADV_DONTNEED, splitting
 * its huge pages) and fills them again: 2 MiB and 4 KiB entries race for
 * the same blocks of the attachment. Every word read must be the owner's
 * value or zero (a dropped page not yet refilled), never anything else,
 * and no kernel warning may appear. A fresh attachment every round so
 * that blocks get 2 MiB entries again. Skips where the kernel lacks huge
 * PFN mappings (huge_mappings N).
 */
#include "xt.h"

#include <pthread.h>

#define HP (2 * XT_MiB)

#define NHP 4
#define LEN (NHP * HP)
#define THREADS 3
#define ROUNDS 12
#define SEED 220

static char *att;
static volatile int stop;
static volatile int bad;
static size_t ps;

static void *hammer(void *arg)
{
	unsigned int r = (unsigned int)(uintptr_t)arg * 7919u + 1;

	while (!stop) {
		size_t off;
		uint64_t v;

		r = r * 1103515245u + 12345u;
		off = ((size_t)(r >> 4) % (LEN / 8)) * 8;
		int sig = xt_probe_read(att + off, &v);

		if (sig != 0) {
			xt_info("read at offset %#zx: %s", off, xt_signame(sig));
			bad = 1;
			break;
		}
		if (v != 0 && v != xt_pat(SEED, off)) {
			xt_info("offset %#zx: 0x%llx", off, (unsigned long long)v);
			bad = 1;
			break;
		}
		if ((r & 0x300) == 0 && v != 0)
			sig = xt_probe_write(att + off, v);
		if (sig != 0) {
			xt_info("write at offset %#zx: %s", off, xt_signame(sig));
			bad = 1;
			break;
		}
	}
	return NULL;
}

int main(void)
{
	struct xt_owner o = { .len = LEN, .seed = SEED, .mode = 0600,
			      .thp = 1 };
	long before;
	int k, t;

	ps = XT_PS;
	xt_require_huge_mappings();
	xt_set_timeout(200);
	if (xt_owner_fork(&o) == 0) {
		unsigned int r = 5;

		for (k = 0; k < ROUNDS; k++) {
			double end;

			xt_expect_u64(o.fd, 2 * k + 1);
			end = xt_now() + 0.5;
			while (xt_now() < end) {
				size_t b, pg;

				r = r * 1103515245u + 12345u;
				b = (r >> 8) % NHP;
				pg = (r >> 16) % (HP / ps);
				if (r & 0x10) {
					XT_OK(madvise(o.buf + b * HP, HP,
						      MADV_DONTNEED));
					xt_fill(o.buf + b * HP, HP, SEED,
						b * HP);
				} else {
					size_t off = b * HP + pg * ps;

					XT_OK(madvise(o.buf + off, ps,
						      MADV_DONTNEED));
					xt_fill(o.buf + off, ps, SEED, off);
				}
			}
			xt_send_u64(o.fd, 2 * k + 2);
		}
		XT_ASSERT_PATTERN(o.buf, LEN, SEED, 0);
		/* stay until the attacher is done with the last round */
		xt_expect_u64(o.fd, 2 * ROUNDS + 1);
		return 0;
	}
	xpmem_apid_t a = xt_get(o.segid, XPMEM_RDWR);

	before = xt_pmd_mappings();
	for (k = 0; k < ROUNDS && !bad; k++) {
		pthread_t th[THREADS];

		att = xt_attach(a, 0, LEN, NULL);
		stop = 0;
		for (t = 0; t < THREADS; t++)
			XT_ASSERT_EQ(pthread_create(&th[t], NULL, hammer,
						    (void *)(uintptr_t)(t + k * THREADS)),
				     0);
		xt_send_u64(o.fd, 2 * k + 1);
		xt_expect_u64(o.fd, 2 * k + 2);
		stop = 1;
		for (t = 0; t < THREADS; t++)
			pthread_join(th[t], NULL);
		if (!bad)
			XT_ASSERT_PATTERN(att, LEN, SEED, 0);
		xt_detach(att);
	}
	xt_info("pmd_mappings %ld -> %ld over %d rounds", before,
		xt_pmd_mappings(), k);
	XT_ASSERT_EQ(bad, 0);
	XT_ASSERT_GT(xt_pmd_mappings(), before);
	xt_release(a);
	xt_send_u64(o.fd, 2 * ROUNDS + 1);
	xt_wait_ok(o.pid);
	return 0;
}
