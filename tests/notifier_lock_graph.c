// SPDX-License-Identifier: GPL-2.0-only
/*
 * Issue 11 item 3: the real lock graph of the notifiers, for lockdep (the
 * debug kernel reports any cycle it sees; the other kernels would hang on
 * a real one). Invalidations started by rmap walks under an anon_vma lock
 * or a file's i_mmap_rwsem (compaction, migration, reclaim, hole punching)
 * race, for a bounded time, with first notifier registrations
 * (mm_take_all_locks()) on mms whose attachments share those anon_vmas
 * and files with fork relatives:
 *
 *   P (this test) fills anonymous memory A (4 KiB pages) and a shared
 *   memfd F, then forks C: A's pages are copy-on-write shared by both
 *   (one anon_vma root), F is mapped by both. Each exports its A and its
 *   half of F, and attaches the other's. In both, a thread reads the other's windows
 *   (faults: entries to zap) and one attaches, touches, mprotects and
 *   detaches a small window in a loop (->mmap, ->close, munmap's
 *   MMU_NOTIFY_UNMAP). P's main thread runs the storm on A and F:
 *   compaction, soft offline, NUMA migration (2 nodes), MADV_PAGEOUT
 *   (with the bed's swap area on, if there is one: of P's own copies of
 *   half of A, written after the fork), mprotect, and
 *   punching holes in F (unmap_mapping_range() under F's i_mmap_rwsem),
 *   and forks grandchildren G that inherit A and F, open the device
 *   (their mm's first interval notifier: mm_take_all_locks()), attach
 *   P's windows, touch them and exit.
 *   Where /dev/kvm works, C and every G also create a VM after attaching
 *   (KVM_CREATE_VM: a classic mmu_notifier_register(), which takes every
 *   i_mmap_rwsem of the mm, the attaching context's among them, then
 *   every anon_vma lock: the ABBA of issue 11 with the old zap, which
 *   took the context's i_mmap_rwsem inside those invalidations). Without
 *   KVM nothing unprivileged registers a classic notifier (the other
 *   users are drivers of hardware: IOMMU SVA, GPUs, RDMA, SGX, GRU), and
 *   the test says so.
 *
 * Afterwards each side writes new data and reads the other's through its
 * attachments: it must be the other's data (coherence after the storm).
 * The kernel log is checked by the bed (lockdep, KASAN, hung tasks).
 * XPMEM_LOCK_GRAPH_SECONDS sets the storm's length (default 20).
 */
#include "xt.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/swap.h>
#include <sys/syscall.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MPOL_MF_MOVE_ALL
#define MPOL_MF_MOVE_ALL (1 << 2)
#endif
/* <linux/kvm.h>: KVMIO 0xAE; KVM_CREATE_VM _IO(KVMIO, 0x01) */
#define XT_KVM_CREATE_VM _IO(0xAE, 0x01)

#define NPAGES 1024		/* of A and of F each */
#define SMALL 16		/* pages of the remapped window */

struct side {
	char *a, *f;			/* own memory */
	char *peer_a, *peer_f;		/* the other's, attached */
	xpmem_apid_t peer_apid_a;
	double end;
	atomic_long reads, remaps;
};

static size_t len;
static atomic_int kvm_ok = -1;	/* -1 unknown, 0 no, 1 yes */
static atomic_long kvm_vms;

/* A classic notifier registration on our mm, if KVM lets us. */
static void kvm_register(void)
{
	int fd, vm;

	if (atomic_load(&kvm_ok) == 0)
		return;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		atomic_store(&kvm_ok, 0);
		return;
	}
	vm = ioctl(fd, XT_KVM_CREATE_VM, 0);
	if (vm < 0) {
		xt_info("KVM_CREATE_VM: %s", strerror(errno));
		atomic_store(&kvm_ok, 0);
	} else {
		atomic_store(&kvm_ok, 1);
		atomic_fetch_add(&kvm_vms, 1);
		close(vm);
	}
	close(fd);
}

static void *reader(void *arg)
{
	struct side *s = arg;
	size_t ps = XT_PS, i;
	volatile uint64_t sink = 0;

	while (xt_now() < s->end) {
		for (i = 0; i < len; i += ps) {
			sink += *(volatile uint64_t *)(s->peer_a + i);
			sink += *(volatile uint64_t *)(s->peer_f + i);
		}
		atomic_fetch_add(&s->reads, 1);
	}
	(void)sink;
	return NULL;
}

static void *remapper(void *arg)
{
	struct side *s = arg;
	size_t ps = XT_PS, i;
	volatile uint64_t sink = 0;

	while (xt_now() < s->end) {
		char *w = xt_attach(s->peer_apid_a, 0, SMALL * ps, NULL);

		for (i = 0; i < SMALL * ps; i += ps)
			sink += *(volatile uint64_t *)(w + i);
		XT_OK(mprotect(w, SMALL * ps, PROT_READ));
		sink += *(volatile uint64_t *)w;
		XT_OK(mprotect(w, SMALL * ps, PROT_READ | PROT_WRITE));
		xt_detach(w);
		atomic_fetch_add(&s->remaps, 1);
	}
	(void)sink;
	return NULL;
}

/* Export own A and F, send their segids, attach the peer's. */
static void exchange(struct side *s, int fd)
{
	xpmem_segid_t sa = xt_make(s->a, len, 0600);
	xpmem_segid_t sf = xt_make(s->f, len, 0600);
	xpmem_segid_t pa, pf;

	xt_send_u64(fd, sa);
	xt_send_u64(fd, sf);
	pa = xt_recv_u64(fd);
	pf = xt_recv_u64(fd);
	s->peer_apid_a = xt_get(pa, XPMEM_RDWR);
	s->peer_a = xt_attach(s->peer_apid_a, 0, len, NULL);
	s->peer_f = xt_attach(xt_get(pf, XPMEM_RDWR), 0, len, NULL);
}

static void start_threads(struct side *s, pthread_t t[2])
{
	XT_ASSERT_EQ(pthread_create(&t[0], NULL, reader, s), 0);
	XT_ASSERT_EQ(pthread_create(&t[1], NULL, remapper, s), 0);
}

static void join_threads(struct side *s, pthread_t t[2], const char *who)
{
	XT_ASSERT_EQ(pthread_join(t[0], NULL), 0);
	XT_ASSERT_EQ(pthread_join(t[1], NULL), 0);
	xt_info("%s: %ld passes over the peer's windows, %ld remaps", who,
		atomic_load(&s->reads), atomic_load(&s->remaps));
}

/* After the storm: own new data out, the peer's checked through ours. */
static void final_check(struct side *s, int fd, uint64_t mine, uint64_t peer,
			int first)
{
	if (first) {
		xt_fill(s->a, len, mine, 0);
		xt_fill(s->f, len, mine + 1, 0);
		xt_send_u64(fd, 100);
		xt_expect_u64(fd, 101);
	} else {
		xt_expect_u64(fd, 100);
		xt_fill(s->a, len, mine, 0);
		xt_fill(s->f, len, mine + 1, 0);
		xt_send_u64(fd, 101);
	}
	XT_ASSERT_PATTERN(s->peer_a, len, peer, 0);
	XT_ASSERT_PATTERN(s->peer_f, len, peer + 1, 0);
	/*
	 * C stays until P has read C's memory: its exit makes P's windows
	 * onto it dead (SIGBUS), as it should. P stays until C is reaped.
	 */
	if (first)
		xt_send_u64(fd, 102);
	else
		xt_expect_u64(fd, 102);
}

/* A grandchild: first notifier of its mm, an attachment, maybe a VM. */
static int grandchild(struct side *s, xpmem_segid_t sa, xpmem_segid_t sf)
{
	size_t ps = XT_PS, i;
	volatile uint64_t sink = 0;
	char *pa = xt_get_attach(sa, XPMEM_RDWR, len, NULL);
	char *pf = xt_get_attach(sf, XPMEM_RDWR, len, NULL);

	for (i = 0; i < len; i += 8 * ps)
		sink += *(volatile uint64_t *)(pa + i) +
			*(volatile uint64_t *)(pf + i) +
			*(volatile uint64_t *)(s->a + i);
	kvm_register();
	(void)sink;
	return atomic_load(&kvm_ok) == 1 ? 10 : 11;
}

static int swap_on(const char **dev)
{
	*dev = getenv("XPMEM_VM_SWAP");
	if (!*dev || !**dev)
		return 0;
	if (swapon(*dev, 0) != 0) {
		xt_info("swapon %s: %s", *dev, strerror(errno));
		return 0;
	}
	return 1;
}

/* One round of the storm over A and F; counts[] says what it did. */
static void storm(char *a, char *f, int memfd, int numa, long *counts)
{
	size_t ps = XT_PS, i, np = len / ps;
	static void *pages[NPAGES];
	static int nodes[NPAGES], st[NPAGES];
	int k;

	if (xt_write_file("/proc/sys/vm/compact_memory", "1") == 0)
		counts[0]++;
	for (k = 0; k < 2; k++) {
		char *p = k ? f : a;

		if (numa) {
			for (i = 0; i < np; i++) {
				pages[i] = p + i * ps;
				nodes[i] = (counts[1] & 1) ? 0 : 1;
			}
			if (syscall(SYS_move_pages, 0, np, pages, nodes, st,
				    MPOL_MF_MOVE_ALL) == 0)
				counts[1]++;
		}
		if (madvise(p, len, MADV_PAGEOUT) == 0)
			counts[2]++;
	}
	/* soft offline moves a page whatever the node count (it retires
	 * the old frame: at most 256 of them) */
	for (i = counts[3] % 61; i < np && counts[3] < 256; i += 61) {
		uint64_t e = 0;
		char addr[32];
		int pm = open("/proc/self/pagemap", O_RDONLY);

		if (pm < 0)
			break;
		if (pread(pm, &e, 8, ((uintptr_t)(a + i * ps) / ps) * 8) == 8 &&
		    (e & (1ULL << 63))) {
			snprintf(addr, sizeof(addr), "0x%llx",
				 (unsigned long long)((e & ((1ULL << 55) - 1)) *
						      ps));
			if (xt_write_file("/sys/devices/system/memory/soft_offline_page",
					  addr) == 0)
				counts[3]++;
		}
		close(pm);
	}
	XT_OK(mprotect(a, len, PROT_READ));
	XT_OK(mprotect(a, len, PROT_READ | PROT_WRITE));
	/* a hole in F: unmap_mapping_range() under F's i_mmap_rwsem */
	if (fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)((counts[4] * 37) % (np - 8)) * ps, 8 * ps) == 0)
		counts[4]++;
}

int main(void)
{
	size_t ps = XT_PS;
	double secs = 20;
	const char *e = getenv("XPMEM_LOCK_GRAPH_SECONDS"), *swapdev;
	struct side s = { 0 };
	struct xt_chan ch;
	pthread_t t[2];
	long counts[5] = { 0 }, gens = 0;
	int fd, memfd, numa, swap;
	char *fmap;
	pid_t c;

	xt_require_root();
	if (e && atof(e) > 0)
		secs = atof(e);
	len = NPAGES * ps;

	/* A and F, filled before the fork so that both processes map them */
	s.a = xt_map_anon(len);
	XT_OK(madvise(s.a, len, MADV_NOHUGEPAGE));
	xt_fill(s.a, len, 131, 0);
	memfd = memfd_create("xt-lock-graph", 0);
	XT_ASSERT(memfd >= 0);
	XT_OK(ftruncate(memfd, 2 * len));
	fmap = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	XT_ASSERT(fmap != MAP_FAILED);
	xt_fill(fmap, 2 * len, 132, 0);
	s.f = fmap;		/* P's half; C's is the second */

	numa = access("/sys/devices/system/node/node1", F_OK) == 0;
	swap = swap_on(&swapdev);
	xt_info("storm of %.0f s: NUMA %s, swap %s", secs, numa ? "2 nodes" : "no",
		swap ? swapdev : "off");

	xt_chan_init(&ch);
	c = xt_fork();
	if (c == 0) {
		/* C: the fork relative, attacher of P and attached by P */
		fd = xt_chan_end(&ch, 1);
		s.f = fmap + len;
		exchange(&s, fd);
		kvm_register();		/* with attachments mapped */
		s.end = xt_recv_u64(fd) / 1000.0;
		start_threads(&s, t);
		while (xt_now() < s.end) {
			kvm_register();
			usleep(200 * 1000);
		}
		join_threads(&s, t, "C");
		xt_send_u64(fd, atomic_load(&kvm_ok) == 1);
		final_check(&s, fd, 141, 151, 0);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	/*
	 * Our own copies of A's even pages (same data): mapped once, so
	 * that MADV_PAGEOUT reclaims them, still under the anon_vma root
	 * shared with C; the odd ones stay shared for migration.
	 */
	for (size_t i = 0; i < len; i += 2 * ps)
		xt_fill(s.a + i, ps, 131, i);
	exchange(&s, fd);
	s.end = xt_now() + secs;
	xt_send_u64(fd, (uint64_t)(s.end * 1000));
	start_threads(&s, t);

	xpmem_segid_t sa = xt_make(s.a, len, 0600);
	xpmem_segid_t sf = xt_make(s.f, len, 0600);

	while (xt_now() < s.end) {
		pid_t g = xt_fork();

		if (g == 0)
			_exit(grandchild(&s, sa, sf));
		storm(s.a, s.f, memfd, numa, counts);
		int st = xt_wait_exit(g);

		XT_ASSERT_MSG(st == 10 || st == 11, "grandchild exit %d", st);
		gens++;
	}
	join_threads(&s, t, "P");
	int kvm = (int)xt_recv_u64(fd);

	xt_info("storm: %ld compactions, %ld NUMA moves, %ld pageouts, %ld "
		"soft offlines, %ld holes; %ld grandchildren (first notifier "
		"of their mm)", counts[0], counts[1], counts[2], counts[3],
		counts[4], gens);
	if (kvm)
		xt_info("KVM: classic notifier registrations on attachers' mms");
	else
		xt_info("no KVM here: no classic notifier registration (nothing "
			"unprivileged registers one without KVM or a device)");
	final_check(&s, fd, 151, 141, 1);
	xt_wait_ok(c);
	if (swap)
		swapoff(swapdev);
	return 0;
}
