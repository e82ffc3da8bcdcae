// SPDX-License-Identifier: GPL-2.0-only
/*
 * An attachment made while an invalidation of the attacher's own mm runs
 * is still torn down by the attacher's munmap and mremap. The driver
 * watches each attachment VMA with an interval notifier on the attacher's
 * mm, inserted by ->mmap; inserted during an invalidation that hits an
 * interval of that mm, the kernel keeps it on a deferred list until the
 * last invalidation ends, and until then it is not called. An attachment
 * that a fault had mapped meanwhile would miss the UNMAP of a refused
 * mremap (the entries are moved out and back, never zapped: the window
 * keeps them, and with them pages the owner may free) or of a munmap.
 *
 * The long invalidation: ftruncate() to 0 of a big populated memfd that
 * this process maps, exported and attached by itself (one page), so that
 * the truncate's zap of the mapping hits an interval notifier of our mm.
 * While it runs, another thread attaches the owner's segment, reads it
 * (a fault: entries), and mremaps it (refused); reading it again must
 * fault again (the refused mremap zapped the window). The race is tried
 * ROUNDS times, or for BUDGET seconds; a round where the truncate was over
 * before the mremap proves nothing and is counted apart. Exit 77 if no
 * round overlapped. On a slow kernel (XPMEM_VM_SLOW: the debug kernel,
 * where populating and truncating are many times slower) the memfd is a
 * quarter of the size and the budget half (7 rounds of 192 MiB took 104 s
 * there; 8 of 768 MiB went past the 290 s limit). Three rounds: on the
 * Debian kernels 8 of 8 overlapped, in 48-83 s.
 */
#include "xt.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>

#define BIG (768UL << 20)
#define ROUNDS 3
#define BUDGET 40.0	/* s: no round starts after it (slow: a half) */
#define NP 16

static int memfd = -1;
static atomic_int truncating;

static void *truncator(void *arg)
{
	(void)arg;
	atomic_store(&truncating, 1);
	XT_OK(ftruncate(memfd, 0));
	atomic_store(&truncating, 2);
	return NULL;
}

static long minflt(void)
{
	struct rusage ru;

	XT_OK(getrusage(RUSAGE_THREAD, &ru));
	return ru.ru_minflt;
}

int main(void)
{
	size_t ps = XT_PS, len = NP * ps;
	struct xt_owner o = { .len = len, .seed = 77, .mode = 0600 };
	const char *slow = getenv("XPMEM_VM_SLOW");
	size_t big_len = slow && *slow == '1' ? BIG / 4 : BIG;
	int overlapped = 0, r;
	double t0 = xt_now(), budget = big_len < BIG ? BUDGET / 2 : BUDGET;

	xt_owner_start(&o);
	xpmem_apid_t a = xt_get(o.segid, XPMEM_RDWR);

	for (r = 0; r < ROUNDS && (r == 0 || xt_now() - t0 < budget); r++) {
		char *dest, *big, *self, *p;
		xpmem_segid_t s;
		xpmem_apid_t sa;
		pthread_t t;
		long before;
		int during;

		memfd = memfd_create("xt-big", 0);
		XT_ASSERT(memfd >= 0);
		XT_OK(ftruncate(memfd, (off_t)big_len));
		big = mmap(NULL, big_len, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_POPULATE, memfd, 0);
		XT_ASSERT(big != MAP_FAILED);
		/* an interval of our mm over big: one page of it attached */
		s = xt_make(big, big_len, 0600);
		sa = xt_get(s, XPMEM_RDWR);
		self = xt_attach(sa, 0, ps, NULL);
		(void)*(volatile char *)self;

		atomic_store(&truncating, 0);
		XT_ASSERT_EQ(pthread_create(&t, NULL, truncator, NULL), 0);
		while (!atomic_load(&truncating))
			;
		p = xt_attach(a, 0, len, NULL);
		XT_ASSERT_PATTERN(p, len, 77, 0);
		dest = xt_free_range(len);
		XT_ASSERT(mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
				 dest) == MAP_FAILED);
		during = atomic_load(&truncating) == 1;
		before = minflt();
		XT_ASSERT_PATTERN(p, len, 77, 0);
		XT_ASSERT_MSG(minflt() > before,
			      "round %d: no fault after a refused mremap%s: the "
			      "window kept its entries (the attacher's notifier "
			      "missed the UNMAP)", r,
			      during ? " during the truncate" : "");
		overlapped += during;
		XT_ASSERT_EQ(pthread_join(t, NULL), 0);

		xt_detach(p);
		xt_detach(self);
		xt_release(sa);
		xt_remove(s);
		XT_OK(munmap(big, big_len));
		close(memfd);
	}
	xt_owner_stop(&o);
	xt_info("%d of %d rounds (memfd of %zu MiB) attached, faulted and "
		"mremapped during the truncate", overlapped, r, big_len >> 20);
	if (!overlapped)
		xt_skip("no round overlapped the truncate (a faster machine "
			"needs a bigger memfd)");
	return 0;
}
