// SPDX-License-Identifier: GPL-2.0-only
/*
 * The page life-cycle matrix: every owner memory type x kernel event x
 * attacher side (read-write / read-only permit; 4 KiB / 2 MiB entries for
 * huge owner pages). A cell:
 *   1. the owner maps memory of the type, fills it (pattern S1) and makes
 *      a segment; the attacher attaches it and must read S1 everywhere;
 *      shared memory without write notification (shared anonymous, SysV
 *      shm, memfd, tmpfs) has its even pages only read by the owner
 *      instead, zero and clean, so that reclaim keeps the attacher's data
 *      in them only if the driver dirtied the pages it wrote;
 *      through a read-write permit it writes S2 in the even pages (through
 *      a read-only one, a write must raise SIGSEGV);
 *   2. the kernel event hits the owner's pages;
 *   3. the owner must read back the attacher's S2 and its own S1 (nothing
 *      lost), except where the event destroys data by design (truncate,
 *      punched hole: those pages may read zero); it writes S3 in the odd
 *      pages;
 *   4. the attacher must read exactly what the owner has now (never the
 *      old data of a page the kernel moved, dropped or replaced) or take
 *      SIGBUS where a fault is defined (a destroyed range, userfaultfd);
 *      read-write: it writes S4 in the even pages;
 *   5. the owner must read S4 and S3; a file must hold the same (ext4: read
 *      back from the disk after writeback and eviction; a private mapping
 *      or a write-sealed memfd: the file keeps its old content).
 * A memcg squeeze that cannot reclaim kills the owner (memcg OOM): then
 * the attacher must take SIGBUS on every page. memfd_secret() memory
 * must be refused (SIGBUS). The table is in docs/design.md.
 *
 * Prints one line per cell: type, event, side, PASS [note] | SKIP reason |
 * FAIL detail. Exit 1 if any cell failed, 77 if none could run, else 0.
 * Needs the test bed's NUMA node, ext4 disk, swap area and cgroup v2
 * (tests/vm/README); cells that cannot run on a kernel say SKIP and why.
 */
#include "xt.h"

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 4U
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 2U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif
#ifndef MPOL_MF_MOVE_ALL
#define MPOL_MF_MOVE_ALL (1 << 2)
#endif

#define HP (2 * XT_MiB)
#define NP_SMALL 16
#define NP_HUGE 1024		/* 4 MiB: two 2 MiB pages */
#define S1 0x11
#define S2 0x22
#define S3 0x33
#define S4 0x44
#define BAD 0xffff		/* a page that is neither a pattern nor zero */
#define CG "/sys/fs/cgroup/xt-lifecycle"
#define KSM "/sys/kernel/mm/ksm/"
#define HUGE_PARAM "/sys/module/xpmem/parameters/huge_mappings"

enum ty {
	T_ANON, T_THP, T_SHANON, T_MEMFD, T_MEMFD_SEALW, T_MEMFD_FUTW, T_SHM,
	T_TMPFS, T_EXT4_SH, T_EXT4_PRIV, T_HUGETLBFS, T_MFD_HUGETLB, T_KSM,
	T_MLOCK, T_UFFD_MISS, T_UFFD_WP, T_SECRET, NT
};
static const char *const tname[NT] = {
	"anon-4k", "anon-thp", "shared-anon", "memfd", "memfd-sealwrite",
	"memfd-futurewr", "sysv-shm", "tmpfs-file", "ext4-shared",
	"ext4-private", "hugetlbfs-2m", "memfd-hugetlb", "ksm-merged",
	"mlocked", "uffd-missing", "uffd-wp", "memfd-secret",
};

enum ev {
	E_NONE, E_MSYNC, E_WRITEBACK, E_TRUNCATE, E_PUNCH, E_MIGRATE,
	E_COMPACT, E_THP_SPLIT, E_COLLAPSE, E_KSM_MERGE, E_KSM_UNMERGE,
	E_MLOCK, E_PAGEOUT_NOSWAP, E_MEMCG_NOSWAP, E_PAGEOUT_SWAP,
	E_MEMCG_SWAP, NE
};
static const char *const ename[NE] = {
	"none", "msync", "writeback", "ftruncate", "punch-hole", "migrate",
	"compaction", "thp-split", "collapse", "ksm-merge", "ksm-unmerge",
	"mlock-munlock", "pageout-noswap", "memcg-noswap", "pageout-swap",
	"memcg-swap",
};

enum side { S_RW4K, S_RO4K, S_RW2M, S_RO2M, NS };
static const char *const sname[NS] = { "rw-4k", "ro-4k", "rw-2m", "ro-2m" };

static int is_huge(int t)
{
	return t == T_THP || t == T_HUGETLBFS || t == T_MFD_HUGETLB;
}
static int is_hugetlb(int t)
{
	return t == T_HUGETLBFS || t == T_MFD_HUGETLB;
}
static int has_fd(int t)
{
	return t == T_MEMFD || t == T_MEMFD_SEALW || t == T_MEMFD_FUTW ||
	       t == T_TMPFS || t == T_EXT4_SH || t == T_EXT4_PRIV ||
	       is_hugetlb(t);
}
/* the owner's mapping is private (its pages anonymous once written) */
static int is_private(int t)
{
	return t == T_ANON || t == T_THP || t == T_MEMFD_SEALW ||
	       t == T_EXT4_PRIV || t == T_KSM || t == T_MLOCK ||
	       t == T_UFFD_MISS || t == T_UFFD_WP;
}
static int is_uffd(int t)
{
	return t == T_UFFD_MISS || t == T_UFFD_WP;
}
/*
 * Shared memory whose writes the kernel learns of only from the dirty
 * bits of the PTEs (no page_mkwrite): a page the owner only read is clean
 * and dropped by reclaim unless something marks it dirty.
 */
static int is_shmem_shared(int t)
{
	return t == T_SHANON || t == T_SHM || t == T_MEMFD ||
	       t == T_MEMFD_FUTW || t == T_TMPFS;
}
/* The seed page i holds after the set-up: S1, or 0 for a clean page. */
static unsigned int initial_seed(int t, size_t i)
{
	return is_shmem_shared(t) && i % 2 == 0 ? 0 : S1;
}

/* NULL if event e applies to type t, else why not. */
static const char *not_applicable(int t, int e)
{
	if (t == T_SECRET)
		return e == E_NONE ? NULL : "refused memory: only attach";
	switch (e) {
	case E_WRITEBACK:
		return has_fd(t) ? NULL : "no file";
	case E_TRUNCATE:
		return has_fd(t) ? NULL : "no file";
	case E_PUNCH:
		return has_fd(t) || t == T_SHANON || t == T_SHM ? NULL :
		       "no backing file (private anonymous)";
	case E_THP_SPLIT:
	case E_COLLAPSE:
		return t == T_THP ? NULL : "not a THP owner";
	case E_KSM_MERGE:
	case E_KSM_UNMERGE:
		return is_private(t) ? NULL : "KSM merges private anonymous pages only";
	case E_PAGEOUT_NOSWAP:
	case E_PAGEOUT_SWAP:
		return is_hugetlb(t) ? "hugetlb pages are never reclaimed" : NULL;
	case E_MEMCG_NOSWAP:
	case E_MEMCG_SWAP:
		return is_hugetlb(t) ? "hugetlb pages are not charged to memory.max" : NULL;
	default:
		return NULL;
	}
}

/* ---- cell state --------------------------------------------------------- */

struct cell {
	int t, e, s;
	size_t np, len;
};

static size_t ps;
static int have_swap;		/* swap is on for this event group */
static const char *swap_why;	/* why not, for the swap events */

/* The owner's side. */
static char *buf;		/* its memory */
static int mfd = -1;		/* its file, if any */
static uint16_t *model;		/* seed every page must hold; 0: zero */
static uint8_t *gone;		/* page in a range the event destroyed */
static char *twin;		/* KSM: the identical copy */
static int uffd = -1;

struct msg {
	int32_t code;		/* 0 ok, 1 skip, 2 fail */
	char text[240];
};

static void send_msg(int fd, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void send_msg(int fd, int code, const char *fmt, ...)
{
	struct msg m = { code, "" };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	xt_send(fd, &m, sizeof(m));
}

/* read exactly len bytes; 0 on EOF (peer died) */
static int recv_all(int fd, void *p, size_t len)
{
	char *c = p;

	while (len) {
		ssize_t n = read(fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		c += n;
		len -= n;
	}
	return 1;
}

/* seed of a page holding pattern seed at offset off, 0 if zero, else BAD */
static unsigned int classify(const char *p, size_t off)
{
	const uint64_t *w = (const uint64_t *)p;
	uint64_t seed = w[0] >> 48;
	size_t j, n = ps / 8;

	for (j = 0; j < n; j++)
		if (w[j] != (seed ? xt_pat(seed, off + j * 8) : 0))
			return BAD;
	return (unsigned int)seed;
}

static void fill_page(char *p, size_t off, unsigned int seed)
{
	if (seed)
		xt_fill(p, ps, seed, off);
	else
		memset(p, 0, ps);
}

/* ---- the owner: memory types ------------------------------------------- */

static void *uffd_thread(void *arg)
{
	char *tmp = xt_map_anon(ps);

	(void)arg;
	for (;;) {
		struct uffd_msg m;
		ssize_t n = read(uffd, &m, sizeof(m));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(m))
			return NULL;
		if (m.event != UFFD_EVENT_PAGEFAULT)
			continue;
		uint64_t a = m.arg.pagefault.address & ~(uint64_t)(ps - 1);
		if (m.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) {
			struct uffdio_writeprotect wp = { { a, ps }, 0 };
			ioctl(uffd, UFFDIO_WRITEPROTECT, &wp);
		} else {
			size_t i = (a - (uintptr_t)buf) / ps;
			fill_page(tmp, i * ps, model[i]);
			struct uffdio_copy c = { a, (uintptr_t)tmp, ps, 0, 0 };
			ioctl(uffd, UFFDIO_COPY, &c);
		}
	}
}

static uint64_t pagemap_pfn(int pm, void *addr)
{
	uint64_t e = 0;

	if (pread(pm, &e, 8, ((uintptr_t)addr / ps) * 8) != 8)
		return 0;
	return (e & (1ULL << 63)) ? (e & ((1ULL << 55) - 1)) : 0;
}

/* pages of [p, p + np pages) that are KSM pages (kpageflags KPF_KSM) */
static size_t ksm_pages(char *p, size_t np)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kf = open("/proc/kpageflags", O_RDONLY);
	size_t i, n = 0;

	for (i = 0; pm >= 0 && kf >= 0 && i < np; i++) {
		uint64_t pfn = pagemap_pfn(pm, p + i * ps), fl = 0;
		if (pfn && pread(kf, &fl, 8, pfn * 8) == 8 && (fl & (1ULL << 21)))
			n++;
	}
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
	return n;
}

/* KSM-merge the region with a twin of its current content: merged pages */
static long ksm_merge(size_t np, char *why, size_t wl)
{
	size_t len = np * ps, n = 0;

	if (access(KSM "run", W_OK) != 0) {
		snprintf(why, wl, "no KSM");
		return -1;
	}
	if (!twin) {
		twin = xt_map_aligned(len, HP, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS);
		madvise(twin, len, MADV_NOHUGEPAGE);
	}
	memcpy(twin, buf, len);
	if (madvise(buf, len, MADV_MERGEABLE) != 0 ||
	    madvise(twin, len, MADV_MERGEABLE) != 0) {
		snprintf(why, wl, "MADV_MERGEABLE: %s", strerror(errno));
		return -1;
	}
	xt_write_file(KSM "pages_to_scan", "10000");
	xt_write_file(KSM "sleep_millisecs", "10");
	xt_write_file(KSM "run", "1");
	double t0 = xt_now();
	while (xt_now() - t0 < 20) {
		n = ksm_pages(buf, np);
		if (n >= np / 2)
			break;
		usleep(50000);
	}
	xt_write_file(KSM "run", "0");
	if (!n) {
		snprintf(why, wl, "KSM merged no page in 20 s");
		return -1;
	}
	return (long)n;
}

/* Map and fill the owner's memory; NULL or why it cannot. */
static const char *setup(const struct cell *c, char *why, size_t wl)
{
	size_t len = c->len, i;
	int prot = PROT_READ | PROT_WRITE, id;
	char path[128];
	const char *dir;

	buf = MAP_FAILED;
	switch (c->t) {
	case T_ANON:
	case T_MLOCK:
	case T_KSM:
	case T_UFFD_MISS:
	case T_UFFD_WP:
		buf = xt_map_aligned(len, HP, prot, MAP_PRIVATE | MAP_ANONYMOUS);
		madvise(buf, len, MADV_NOHUGEPAGE);
		break;
	case T_THP:
		buf = xt_map_thp(len);
		break;
	case T_SHANON:
		buf = mmap(NULL, len, prot, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		break;
	case T_SHM:
		id = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
		if (id < 0)
			return "shmget failed";
		buf = shmat(id, NULL, 0);
		shmctl(id, IPC_RMID, NULL);
		if (buf == (void *)-1)
			buf = MAP_FAILED;
		break;
	case T_MEMFD:
	case T_MEMFD_SEALW:
	case T_MEMFD_FUTW:
		mfd = (int)syscall(SYS_memfd_create, "xt-lc", MFD_ALLOW_SEALING);
		break;
	case T_MFD_HUGETLB:
		mfd = (int)syscall(SYS_memfd_create, "xt-lc", MFD_HUGETLB);
		if (mfd < 0) {
			snprintf(why, wl, "memfd_create(MFD_HUGETLB): %s", strerror(errno));
			return why;
		}
		break;
	case T_TMPFS:
	case T_HUGETLBFS:
	case T_EXT4_SH:
	case T_EXT4_PRIV:
		dir = c->t == T_TMPFS ? "/dev/shm" : c->t == T_HUGETLBFS ?
		      "/dev/hugepages" : getenv("XPMEM_VM_EXT4");
		if (!dir || !*dir)
			return "no ext4 disk in this guest (XPMEM_VM_EXT4)";
		snprintf(path, sizeof(path), "%s/xt-lc-%d", dir, (int)getpid());
		mfd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (mfd < 0) {
			snprintf(why, wl, "open %s: %s", path, strerror(errno));
			return why;
		}
		unlink(path);
		break;
	case T_SECRET:
		mfd = (int)syscall(SYS_memfd_secret, 0);
		if (mfd < 0) {
			snprintf(why, wl, "memfd_secret: %s", strerror(errno));
			return why;
		}
		break;
	}
	if (mfd >= 0) {
		if (ftruncate(mfd, (off_t)len) != 0) {
			snprintf(why, wl, "ftruncate: %s", strerror(errno));
			return why;
		}
		if (c->t == T_MEMFD_SEALW || c->t == T_EXT4_PRIV) {
			/* the content goes into the file, then a private map */
			char *pg = xt_map_anon(ps);
			for (i = 0; i < c->np; i++) {
				fill_page(pg, i * ps, S1);
				XT_ASSERT_EQ(pwrite(mfd, pg, ps, i * ps), (ssize_t)ps);
			}
			munmap(pg, ps);
			if (c->t == T_MEMFD_SEALW)
				XT_OK(fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE));
			else
				XT_OK(fsync(mfd));
			buf = mmap(NULL, len, prot, MAP_PRIVATE, mfd, 0);
		} else {
			buf = mmap(NULL, len, prot, MAP_SHARED, mfd, 0);
		}
	}
	if (buf == MAP_FAILED) {
		snprintf(why, wl, "mmap: %s", strerror(errno));
		return why;
	}
	for (i = 0; i < c->np; i++)
		model[i] = initial_seed(c->t, i);
	if (c->t == T_UFFD_MISS || c->t == T_UFFD_WP) {
		struct uffdio_api api = { .api = UFFD_API };
		struct uffdio_register reg = { { (uintptr_t)buf, len },
			c->t == T_UFFD_MISS ? UFFDIO_REGISTER_MODE_MISSING :
			UFFDIO_REGISTER_MODE_WP, 0 };
		pthread_t th;

		if (c->t == T_UFFD_WP)
			xt_fill(buf, len, S1, 0);
		uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
		if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) != 0) {
			snprintf(why, wl, "userfaultfd: %s", strerror(errno));
			return why;
		}
		if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0) {
			snprintf(why, wl, "UFFDIO_REGISTER %s: %s",
				 c->t == T_UFFD_MISS ? "missing" : "wp", strerror(errno));
			return why;
		}
		XT_ASSERT_EQ(pthread_create(&th, NULL, uffd_thread, NULL), 0);
		if (c->t == T_UFFD_WP) {
			struct uffdio_writeprotect wp = {
				{ (uintptr_t)buf, len }, UFFDIO_WRITEPROTECT_MODE_WP };
			if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) != 0) {
				snprintf(why, wl, "UFFDIO_WRITEPROTECT: %s", strerror(errno));
				return why;
			}
		} else {
			/* the odd pages stay missing: the handler fills them */
			for (i = 0; i < c->np; i += 2)
				fill_page(buf + i * ps, i * ps, S1);
		}
		return NULL;
	}
	if (is_shmem_shared(c->t)) {
		/* the even pages read only: allocated, zero and clean */
		for (i = 0; i < c->np; i++) {
			if (model[i])
				fill_page(buf + i * ps, i * ps, model[i]);
			else
				(void)*(volatile char *)(buf + i * ps);
		}
	} else if (c->t != T_MEMFD_SEALW && c->t != T_EXT4_PRIV) {
		xt_fill(buf, len, S1, 0);
	}
	if (c->t == T_MEMFD_FUTW)
		XT_OK(fcntl(mfd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	if (c->t == T_EXT4_SH)
		XT_OK(fsync(mfd));	/* clean: the next write needs page_mkwrite */
	if (c->t == T_THP && xt_anon_huge_kb() < 2048)
		return "the owner got no THP";
	if (c->t == T_MLOCK && mlock(buf, len) != 0) {
		snprintf(why, wl, "mlock: %s", strerror(errno));
		return why;
	}
	if (c->t == T_KSM && ksm_merge(c->np, why, wl) < 0)
		return why;
	return NULL;
}

/* ---- the owner: events --------------------------------------------------- */

/* pages of the owner's mapped in its page table (pagemap "present") */
static long resident(size_t np)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	long n = 0;

	if (pm < 0)
		return -1;
	for (size_t i = 0; i < np; i++) {
		uint64_t e = 0;
		if (pread(pm, &e, 8, ((uintptr_t)(buf + i * ps) / ps) * 8) == 8 &&
		    (e & (1ULL << 63)))
			n++;
	}
	close(pm);
	return n;
}

static void destroy(size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		gone[i] = 1;
}

static int thp_split(size_t len, char *note, size_t nl)
{
	long before = xt_anon_huge_kb();
	char cmd[96];

	XT_OK(mprotect(buf + ps, ps, PROT_READ));
	XT_OK(mprotect(buf + ps, ps, PROT_READ | PROT_WRITE));
	snprintf(cmd, sizeof(cmd), "%d,0x%lx,0x%lx", (int)getpid(),
		 (unsigned long)(uintptr_t)buf, (unsigned long)(uintptr_t)buf + len);
	int r = xt_write_file("/sys/kernel/debug/split_huge_pages", cmd);
	snprintf(note, nl, "AnonHugePages %ld -> %ld kB%s", before,
		 xt_anon_huge_kb(), r ? " (PMD split only)" : "");
	return 0;
}

/*
 * Run event e on the owner's memory. Returns 0 (note says what happened),
 * 1 skip (note says why).
 */
static int event(const struct cell *c, char *note, size_t nl)
{
	size_t np = c->np, len = c->len, i;
	size_t hs = is_huge(c->t) ? np / 2 : np / 4;	/* punch: huge-aligned */
	long r0, r1;
	int r;

	note[0] = 0;
	switch (c->e) {
	case E_NONE:
		return 0;
	case E_MSYNC:
		XT_OK(msync(buf, len, MS_SYNC));
		return 0;
	case E_WRITEBACK:
		XT_OK(fsync(mfd));
		sync();
		return 0;
	case E_TRUNCATE:
		if (ftruncate(mfd, (off_t)len / 2) != 0) {
			snprintf(note, nl, "ftruncate refused: %s", strerror(errno));
			return 0;
		}
		destroy(np / 2, np);
		XT_OK(ftruncate(mfd, (off_t)len));
		snprintf(note, nl, "pages %zu-%zu truncated", np / 2, np - 1);
		return 0;
	case E_PUNCH:
		if (mfd >= 0)
			r = fallocate(mfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      (off_t)(hs * ps), (off_t)(hs * ps));
		else
			r = madvise(buf + hs * ps, hs * ps, MADV_REMOVE);
		if (r != 0) {
			snprintf(note, nl, "punch refused: %s", strerror(errno));
			return 0;
		}
		destroy(hs, 2 * hs);
		snprintf(note, nl, "pages %zu-%zu punched%s", hs, 2 * hs - 1,
			 mfd < 0 ? " (MADV_REMOVE)" : "");
		return 0;
	case E_MIGRATE: {
		static void *pages[NP_HUGE];
		static int nodes[NP_HUGE], st[NP_HUGE];
		size_t moved = 0;

		if (access("/sys/devices/system/node/node1", F_OK) != 0) {
			snprintf(note, nl, "one NUMA node");
			return 1;
		}
		for (i = 0; i < np; i++)
			pages[i] = buf + i * ps;
		if (syscall(SYS_move_pages, 0, np, pages, NULL, st, 0) != 0) {
			snprintf(note, nl, "move_pages: %s", strerror(errno));
			return 1;
		}
		for (i = 0; i < np; i++)
			nodes[i] = st[i] == 0 ? 1 : 0;
		if (syscall(SYS_move_pages, 0, np, pages, nodes, st,
			    MPOL_MF_MOVE_ALL) < 0) {
			snprintf(note, nl, "move_pages: %s", strerror(errno));
			return 1;
		}
		for (i = 0; i < np; i++)
			moved += st[i] == nodes[i];
		snprintf(note, nl, "%zu/%zu pages moved to the other node", moved, np);
		return 0;
	}
	case E_COMPACT:
		r0 = xt_proc_field("/proc/vmstat", "pgmigrate_success");
		if (xt_write_file("/proc/sys/vm/compact_memory", "1") != 0) {
			snprintf(note, nl, "no compaction");
			return 1;
		}
		r1 = xt_proc_field("/proc/vmstat", "pgmigrate_success");
		snprintf(note, nl, "pgmigrate_success +%ld", r1 - r0);
		return 0;
	case E_THP_SPLIT:
		return thp_split(len, note, nl);
	case E_COLLAPSE: {
		char sn[96];
		thp_split(len, sn, sizeof(sn));
		r0 = xt_anon_huge_kb();
		if (madvise(buf, len, MADV_COLLAPSE) == 0) {
			snprintf(note, nl, "MADV_COLLAPSE: AnonHugePages %ld -> %ld kB",
				 r0, xt_anon_huge_kb());
			return 0;
		}
		if (errno != EINVAL) {
			snprintf(note, nl, "MADV_COLLAPSE: %s", strerror(errno));
			return 1;
		}
		/* no MADV_COLLAPSE (before 6.1): khugepaged, quickly */
		xt_write_file("/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs", "10");
		xt_write_file("/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan", "4096");
		double t0 = xt_now();
		while (xt_now() - t0 < 15 && xt_anon_huge_kb() < (long)(len >> 10))
			usleep(100000);
		xt_write_file("/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs", "10000");
		r1 = xt_anon_huge_kb();
		if (r1 <= r0) {
			snprintf(note, nl, "no MADV_COLLAPSE; khugepaged did not collapse in 15 s");
			return 1;
		}
		snprintf(note, nl, "khugepaged: AnonHugePages %ld -> %ld kB", r0, r1);
		return 0;
	}
	case E_KSM_MERGE:
	case E_KSM_UNMERGE: {
		long m = ksm_merge(np, note, nl);
		if (m < 0)
			return 1;
		if (c->e == E_KSM_MERGE) {
			snprintf(note, nl, "%ld/%zu pages merged", m, np);
			return 0;
		}
		XT_OK(madvise(buf, len, MADV_UNMERGEABLE));
		snprintf(note, nl, "%ld/%zu pages merged, then unmerged (%zu left)",
			 m, np, ksm_pages(buf, np));
		return 0;
	}
	case E_MLOCK:
		if (c->t == T_MLOCK) {
			XT_OK(munlock(buf, len));
			XT_OK(mlock(buf, len));
		} else {
			if (mlock(buf, len) != 0) {
				snprintf(note, nl, "mlock: %s", strerror(errno));
				return 1;
			}
			XT_OK(munlock(buf, len));
		}
		return 0;
	case E_PAGEOUT_NOSWAP:
	case E_PAGEOUT_SWAP:
		r0 = resident(np);
		if (madvise(buf, len, MADV_PAGEOUT) != 0) {
			if (errno == EINVAL && c->t == T_MLOCK) {
				snprintf(note, nl, "refused for mlocked memory (EINVAL)");
				return 0;
			}
			snprintf(note, nl, "MADV_PAGEOUT: %s", strerror(errno));
			return 1;
		}
		snprintf(note, nl, "mapped pages %ld -> %ld", r0, resident(np));
		return 0;
	default:
		return 0;
	}
}

/* Compare the owner's memory with the model (destroyed pages may be 0). */
static int owner_verify(const struct cell *c, const char *when, char *why,
			size_t wl)
{
	for (size_t i = 0; i < c->np; i++) {
		unsigned int g = classify(buf + i * ps, i * ps);
		if (g == model[i])
			continue;
		if (gone[i] && g == 0) {
			model[i] = 0;
			continue;
		}
		snprintf(why, wl, "owner page %zu %s: holds 0x%x, expected 0x%x",
			 i, when, g, model[i]);
		return -1;
	}
	return 0;
}

/* The file behind the owner's mapping must hold `want` (seeds). */
static int file_verify(const struct cell *c, int priv, char *why, size_t wl)
{
	char *pg = xt_map_anon(ps);
	int bad = 0;

	for (size_t i = 0; i < c->np && !bad; i++) {
		unsigned int want = priv ? (gone[i] ? 0 : S1) : model[i], g;
		if (pread(mfd, pg, ps, (off_t)(i * ps)) != (ssize_t)ps) {
			snprintf(why, wl, "pread page %zu: %s", i, strerror(errno));
			bad = 1;
		} else if ((g = classify(pg, i * ps)) != want) {
			snprintf(why, wl, "file page %zu holds 0x%x, expected 0x%x%s",
				 i, g, want, priv ? " (a private mapping's "
				 "writes must not reach the file)" : "");
			bad = 1;
		}
	}
	munmap(pg, ps);
	return bad ? -1 : 0;
}

static int owner(const struct cell *c, int fd)
{
	char why[200] = "", note[200] = "", why2[200] = "";
	uint8_t wrote[NP_HUGE];
	size_t i;

	alarm(100);
	if (c->e == E_MEMCG_NOSWAP || c->e == E_MEMCG_SWAP) {
		char pid[32];
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		if (xt_write_file(CG "/cgroup.procs", pid) != 0) {
			send_msg(fd, 1, "cannot join " CG);
			return 0;
		}
	}
	model = calloc(c->np, sizeof(*model));
	gone = calloc(c->np, 1);
	const char *skip = setup(c, why, sizeof(why));
	if (skip) {
		send_msg(fd, 1, "%s", skip);
		return 0;
	}
	errno = 0;
	xpmem_segid_t s = xpmem_make(buf, c->len, XPMEM_PERMIT_MODE, (void *)0600L);
	if (s <= 0) {
		send_msg(fd, c->t == T_SECRET ? 1 : 2, "xpmem_make: %s%s",
			 strerror(errno), c->t == T_SECRET ? " (refused at make)" : "");
		return 0;
	}
	send_msg(fd, 0, "ok");
	xt_send_u64(fd, (uint64_t)s);
	xt_recv(fd, wrote, c->np);
	for (i = 0; i < c->np; i++)
		if (wrote[i])
			model[i] = S2;
	if (c->e == E_MEMCG_NOSWAP || c->e == E_MEMCG_SWAP) {
		send_msg(fd, 0, "ready");
		xt_recv(fd, note, sizeof(note));
	} else if (event(c, note, sizeof(note))) {
		send_msg(fd, 1, "%s", note);
		return 0;
	}
	if (owner_verify(c, "after the event", why, sizeof(why))) {
		send_msg(fd, 2, "%s [%s]", why, note);
		return 0;
	}
	for (i = 1; i < c->np; i += 2) {
		fill_page(buf + i * ps, i * ps, S3);
		model[i] = S3;
	}
	send_msg(fd, 0, "%s", note);
	xt_send(fd, model, c->np * sizeof(*model));
	xt_send(fd, gone, c->np);
	xt_recv(fd, wrote, c->np);
	for (i = 0; i < c->np; i++)
		if (wrote[i])
			model[i] = S4;
	if (owner_verify(c, "at the end", why, sizeof(why))) {
		send_msg(fd, 2, "%s [%s]", why, note);
		return 0;
	}
	/* what the file holds */
	if (has_fd(c->t)) {
		if (c->t == T_EXT4_SH) {
			/* written back and evicted: read from the disk */
			XT_OK(msync(buf, c->len, MS_SYNC));
			XT_OK(fsync(mfd));
			XT_OK(munmap(buf, c->len));
			XT_OK(posix_fadvise(mfd, 0, 0, POSIX_FADV_DONTNEED));
		}
		if (file_verify(c, is_private(c->t), why, sizeof(why))) {
			send_msg(fd, 2, "%s [%s]", why, note);
			return 0;
		}
	}
	if (c->t == T_MEMFD_FUTW) {
		void *p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
		if (p != MAP_FAILED) {
			send_msg(fd, 2, "F_SEAL_FUTURE_WRITE: a new writable "
				 "mapping was allowed");
			return 0;
		}
	}
	(void)why2;
	send_msg(fd, 0, "ok");
	return 0;
}

/* ---- the attacher (the cell's runner) ------------------------------------ */

static int res_fd;
static pid_t owner_pid;

static void result(int code, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
static void result(int code, const char *fmt, ...)
{
	struct msg m = { code, "" };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	if (owner_pid > 0 && code != 0) {	/* quietly: it may wait for us */
		kill(owner_pid, SIGKILL);
		waitpid(owner_pid, NULL, 0);
	}
	if (write(res_fd, &m, sizeof(m)) < 0)
		(void)0;
	exit(code == 2 ? 1 : 0);
}

/* An owner's message that is not "go on" ends the cell with its verdict. */
static void msg_verdict(const struct msg *m)
{
	if (m->code == 1)
		result(1, "%s", m->text);
	if (m->code == 2)
		result(2, "%s", m->text);
}

static void get_msg(int fd, struct msg *m, const char *step)
{
	if (!recv_all(fd, m, sizeof(*m)))
		result(2, "owner died during %s", step);
	msg_verdict(m);
}

static long cg_field(const char *file, const char *name)
{
	char p[128];

	snprintf(p, sizeof(p), CG "/%s", file);
	if (!name) {
		long v = -1;
		xt_read_long(p, &v);
		return v;
	}
	return xt_proc_field(p, name);
}

/*
 * A memcg cell whose owner was OOM-killed: it must have died of SIGKILL
 * and every page of the attachment @p must fault. Ends the cell.
 */
static void memcg_oom_result(const struct cell *c, char *p, pid_t pid,
			     long want)
{
	uint64_t v;
	int code, sig = xt_wait_signal(pid, &code);

	if (sig != SIGKILL)
		result(2, "memcg OOM kill, but the owner %s %d",
		       sig ? "died of signal" : "exited", sig ? sig : code);
	for (size_t i = 0; i < c->np; i++) {
		int ps_ = xt_probe_read(p + i * ps, &v);

		if (ps_ != SIGBUS)
			result(2, "owner OOM-killed; attacher read of page %zu gave %s",
			       i, ps_ ? xt_signame(ps_) : "data");
	}
	xt_detach(p);
	rmdir(CG);
	result(0, "memory.max %ld: owner OOM-killed, SIGBUS on all %zu pages",
	       want, c->np);
}

static size_t uwfaults;	/* attacher writes that took SIGBUS */

/* The attacher writes seed in the even pages; which it could. */
static void attacher_write(const struct cell *c, char *p, unsigned int seed,
			   const uint8_t *gonep, uint8_t *wrote)
{
	memset(wrote, 0, c->np);
	for (size_t i = 0; i < c->np; i += 2) {
		int sig = xt_probe_write(p + i * ps, xt_pat(seed, i * ps));
		if (sig) {
			if ((gonep && gonep[i]) || (is_uffd(c->t) && sig == SIGBUS)) {
				uwfaults++;
				continue;
			}
			result(2, "attacher write of page %zu: %s", i, xt_signame(sig));
		}
		fill_page(p + i * ps, i * ps, seed);
		wrote[i] = 1;
	}
}

static int runner(const struct cell *c)
{
	int rw = c->s == S_RW4K || c->s == S_RW2M;
	struct xt_chan ch;
	struct msg m;
	uint8_t wrote[NP_HUGE], gonep[NP_HUGE];
	static uint16_t om[NP_HUGE];
	size_t i;
	uint64_t v;
	int memcg = c->e == E_MEMCG_NOSWAP || c->e == E_MEMCG_SWAP;
	long pmd0 = xt_pmd_mappings();

	alarm(110);
	if ((c->e == E_KSM_MERGE || c->e == E_KSM_UNMERGE) && !rw &&
	    (c->t == T_MEMFD_SEALW || c->t == T_EXT4_PRIV))
		result(1, "no anonymous page to merge: a private file mapping "
		       "nobody wrote holds the file's pages");
	if (memcg && !xt_memcg_create(CG))
		result(1, "no cgroup v2 memory controller");
	xt_chan_init(&ch);
	pid_t pid = xt_fork();
	if (pid == 0) {
		int fd = xt_chan_end(&ch, 1);
		close(res_fd);
		_exit(owner(c, fd));
	}
	int fd = xt_chan_end(&ch, 0);
	owner_pid = pid;
	get_msg(fd, &m, "setup");
	xpmem_segid_t s = (xpmem_segid_t)xt_recv_u64(fd);
	xpmem_apid_t a = xt_get(s, rw ? XPMEM_RDWR : XPMEM_RDONLY);
	char *p = xt_attach(a, 0, c->len, NULL);

	/* 1. the initial data (or the refusal of secret memory) */
	size_t ufaults = 0, faults = 0;
	for (i = 0; i < c->np; i++) {
		int sig = xt_probe_read(p + i * ps, &v);
		if (c->t == T_SECRET) {
			if (sig != SIGBUS)
				result(2, "secret page %zu: read gave %s", i,
				       sig ? xt_signame(sig) : "data");
			continue;
		}
		if (sig == SIGBUS && is_uffd(c->t)) {
			ufaults++;	/* the owner's handler is not asked */
			continue;
		}
		if (sig)
			result(2, "initial read of page %zu: %s", i, xt_signame(sig));
		unsigned int g = classify(p + i * ps, i * ps);
		if (g != initial_seed(c->t, i))
			result(2, "initial read of page %zu: 0x%x, expected 0x%x",
			       i, g, initial_seed(c->t, i));
	}
	memset(wrote, 0, sizeof(wrote));
	if (c->t == T_SECRET) {
		int sig = xt_probe_write(p, 1);
		if (sig != SIGBUS && !(sig == SIGSEGV && !rw))
			result(2, "secret page 0: write gave %s", xt_signame(sig));
	} else if (rw) {
		attacher_write(c, p, S2, NULL, wrote);
	} else {
		int sig = xt_probe_write(p, 1);
		if (sig != SIGSEGV)
			result(2, "write through a read-only permit: %s",
			       sig ? xt_signame(sig) : "succeeded");
	}
	xt_send(fd, wrote, c->np);

	/* 2. the event (memcg: done here, outside the owner's group) */
	char mnote[200] = "";
	if (memcg) {
		get_msg(fd, &m, "the event");
		long cur = cg_field("memory.current", NULL);
		long k0 = cg_field("memory.events", "oom_kill");
		long want = cur - (long)c->len;
		char val[32];

		if (want < 0)
			want = 0;
		snprintf(val, sizeof(val), "%ld", want & ~(long)(ps - 1));
		xt_write_file(CG "/memory.max", val);
		long after = cg_field("memory.current", NULL);
		xt_write_file(CG "/memory.max", "max");
		/*
		 * Counted after the limit is lifted: the kill may also come
		 * from the owner's own charge (a socket buffer) while the
		 * limit was low, not from this write's reclaim.
		 */
		if (cg_field("memory.events", "oom_kill") > k0)
			memcg_oom_result(c, p, pid, want);
		snprintf(mnote, sizeof(mnote), "memory.current %ld -> %ld kB",
			 cur >> 10, after >> 10);
		if (write(fd, mnote, sizeof(mnote)) != sizeof(mnote))
			(void)0;	/* an owner gone: below */
		if (!recv_all(fd, &m, sizeof(m))) {
			/*
			 * The owner's SIGKILL goes out before the OOM killer
			 * counts it (and prints its report to a slow
			 * console): give the count a moment.
			 */
			for (i = 0; i < 50; i++) {
				if (cg_field("memory.events", "oom_kill") > k0)
					memcg_oom_result(c, p, pid, want);
				usleep(100000);
			}
			result(2, "owner died during the event (no OOM kill counted)");
		}
		msg_verdict(&m);
	} else {
		get_msg(fd, &m, "the event");
	}
	char note[240];
	snprintf(note, sizeof(note), "%s", m.text);
	xt_recv(fd, om, c->np * sizeof(*om));
	xt_recv(fd, gonep, c->np);

	/* 4. the owner's current data, or a defined fault */
	for (i = 0; i < c->np; i++) {
		int sig = xt_probe_read(p + i * ps, &v);
		if (c->t == T_SECRET) {
			if (sig != SIGBUS)
				result(2, "secret page %zu after the event: read gave %s",
				       i, sig ? xt_signame(sig) : "data");
			faults++;
			continue;
		}
		if (sig) {
			if (sig == SIGBUS && (gonep[i] || is_uffd(c->t))) {
				faults++;
				continue;
			}
			result(2, "read of page %zu after the event: %s [%s]", i,
			       xt_signame(sig), note);
		}
		unsigned int g = classify(p + i * ps, i * ps);
		if (g != om[i])
			result(2, "page %zu after the event: the attacher reads "
			       "0x%x, the owner has 0x%x%s [%s]", i, g, om[i],
			       g == S1 || g == S2 ? " (stale)" : "", note);
	}
	if (rw && c->t != T_SECRET)
		attacher_write(c, p, S4, gonep, wrote);
	else
		memset(wrote, 0, c->np);
	xt_send(fd, wrote, c->np);
	get_msg(fd, &m, "the final check");
	xt_detach(p);
	xt_release(a);
	xt_wait_ok(pid);
	if (memcg)
		rmdir(CG);
	long pmd = xt_pmd_mappings() - pmd0;
	char fnote[128] = "";
	if (c->t == T_SECRET)
		snprintf(fnote, sizeof(fnote), "refused: SIGBUS on every page");
	else if (faults || ufaults || uwfaults)
		snprintf(fnote, sizeof(fnote), " (attacher SIGBUS: %zu reads%s, %zu "
			 "writes)", faults + ufaults, is_uffd(c->t) ?
			 " of uffd pages" : " of destroyed pages", uwfaults);
	result(0, "%s%s%s", note, fnote,
	       c->s >= S_RW2M ? (pmd > 0 ? " pmd" : " (no 2 MiB entry)") : "");
}

/* ---- the matrix ---------------------------------------------------------- */

static int huge_param = -1;	/* 1 Y writable, 0 N, -1 none */

static void set_huge(int on)
{
	if (huge_param == 1)
		xt_write_file(HUGE_PARAM, on ? "Y" : "N");
}

static int run_cell(const struct cell *c, char *text, size_t tl)
{
	int pfd[2];
	struct msg m = { 2, "" };

	XT_OK(pipe(pfd));
	pid_t pid = xt_fork();
	if (pid == 0) {
		close(pfd[0]);
		res_fd = pfd[1];
		runner(c);
		_exit(1);
	}
	close(pfd[1]);
	int got = recv_all(pfd[0], &m, sizeof(m));
	close(pfd[0]);
	int code, sig = xt_wait_signal(pid, &code);
	if (!got)
		snprintf(m.text, sizeof(m.text), "the cell's process %s %d (see its output above)",
			 sig ? "died of signal" : "exited", sig ? sig : code);
	snprintf(text, tl, "%s", m.text);
	return got ? m.code : 2;
}

static const char *swap_on(int on)
{
	static char why[128];
	const char *dev = getenv("XPMEM_VM_SWAP");

	if (!dev || !*dev)
		return "no swap area in this guest (XPMEM_VM_SWAP)";
	if (on && swapon(dev, 0) != 0) {
		snprintf(why, sizeof(why), "swapon %s: %s", dev, strerror(errno));
		return why;
	}
	if (!on)
		swapoff(dev);
	return NULL;
}

int main(void)
{
	static const int order[NE] = {
		E_NONE, E_MSYNC, E_WRITEBACK, E_TRUNCATE, E_PUNCH, E_MIGRATE,
		E_COMPACT, E_THP_SPLIT, E_COLLAPSE, E_KSM_MERGE, E_KSM_UNMERGE,
		E_MLOCK, E_PAGEOUT_NOSWAP, E_MEMCG_NOSWAP, E_PAGEOUT_SWAP,
		E_MEMCG_SWAP,
	};
	int npass = 0, nskip = 0, nfail = 0, nna = 0;
	char v[8] = "";
	FILE *f;
	double t0 = xt_now();

	/* the debug kernel (KASAN, lockdep) is several times slower: there
	 * the read-only sides run with the event "none" only */
	const char *slow_env = getenv("XPMEM_VM_SLOW");
	int slow = slow_env && !strcmp(slow_env, "1");

	xt_require_root();
	xt_set_timeout(890);
	ps = XT_PS;
	f = fopen(HUGE_PARAM, "r");
	if (f) {
		if (fgets(v, sizeof(v), f))
			huge_param = v[0] == 'Y' && access(HUGE_PARAM, W_OK) == 0;
		fclose(f);
	}
	swap_on(0);
	printf("%-16s %-15s %-6s RESULT\n", "TYPE", "EVENT", "SIDE");
	for (int ei = 0; ei < NE; ei++) {
		int e = order[ei];
		if (e == E_PAGEOUT_SWAP) {
			swap_why = swap_on(1);
			have_swap = !swap_why;
		}
		for (int t = 0; t < NT; t++) {
			for (int s = 0; s < NS; s++) {
				struct cell c = { t, e, s, 0, 0 };
				char text[240];
				const char *na;
				int r;

				if (s >= S_RW2M && !is_huge(t))
					continue;
				c.np = is_huge(t) ? NP_HUGE : NP_SMALL;
				c.len = c.np * ps;
				na = not_applicable(t, e);
				if (na) {
					if (s == S_RW4K) {
						printf("%-16s %-15s %-6s n/a: %s\n",
						       tname[t], ename[e], "-", na);
						nna++;
					}
					continue;
				}
				if ((e == E_PAGEOUT_SWAP || e == E_MEMCG_SWAP) && !have_swap) {
					r = 1;
					snprintf(text, sizeof(text), "%s", swap_why);
				} else if (slow && (s == S_RO4K || s == S_RO2M) && e != E_NONE) {
					r = 1;
					snprintf(text, sizeof(text), "slow kernel (XPMEM_VM_SLOW): "
						 "read-only side with event none only");
				} else if (s >= S_RW2M && huge_param != 1) {
					r = 1;
					snprintf(text, sizeof(text), "huge_mappings %s: no 2 MiB entries",
						 huge_param == 0 ? "N" : "absent");
				} else {
					if (is_huge(t))
						set_huge(s >= S_RW2M);
					r = run_cell(&c, text, sizeof(text));
					set_huge(1);
				}
				printf("%-16s %-15s %-6s %s%s%s\n", tname[t], ename[e],
				       sname[s], r == 0 ? "PASS" : r == 1 ? "SKIP " : "FAIL ",
				       r == 0 && text[0] ? " " : "", text);
				if (r == 0)
					npass++;
				else if (r == 1)
					nskip++;
				else
					nfail++;
			}
		}
	}
	if (have_swap)
		swap_on(0);
	printf("lifecycle matrix: %d PASS, %d SKIP, %d FAIL, %d n/a (type x event "
	       "not applicable) in %.0f s\n", npass, nskip, nfail, nna, xt_now() - t0);
	if (nfail)
		return XT_EXIT_FAIL;
	return npass ? XT_EXIT_PASS : XT_EXIT_SKIP;
}
