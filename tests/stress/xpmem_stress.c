// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem_stress.c - torture test of the xpmem driver (guest test).
 *
 * Several owner processes each export one segment and keep changing the
 * memory behind it (write, munmap, mmap MAP_FIXED over it, mremap away and
 * back, mprotect, madvise DONTNEED/FREE/COLD/PAGEOUT/HUGEPAGE/COLLAPSE,
 * fork, remove and re-make, exit and come back). Several attacher
 * processes, two threads each, get, attach, read, write, detach,
 * release, fork and exit at random. The supervisor (the main process)
 * respawns processes that exit on purpose and triggers compaction.
 *
 * Bookkeeping lives in a MAP_SHARED anonymous area created before the
 * fork and is accessed with sequentially consistent atomics.
 *
 * Page format (each page of every segment): word 0 is the owner's tag
 * TAG(seg, page, gen); word SLOT0 + aid is the last value attacher
 * thread `aid` wrote there, (aid << 48 | seq).
 *
 * Per page the owner publishes:
 *   pub  = gen << 1 | Z. Any content with a generation older than
 *          pub >> 1 no longer exists in the owner's page (the owner
 *          stores the new tag, or destroys the page, before publishing).
 *          Z = 1 while the owner's page may legitimately read as zero.
 *   inc  = incarnation: bumped after every operation that may lose the
 *          data of the page (DONTNEED, FREE, munmap, MAP_FIXED, mremap).
 *   bus  = odd from before the page is unmapped until after it is mapped
 *          again (SIGBUS is allowed while it is odd or when it changed).
 *   hole = odd from after munmap returned until before the remap (a
 *          successful read that starts and ends inside one odd value is
 *          a read of memory the owner does not have).
 *   ro   = odd from before mprotect(PROT_READ) until after the page is
 *          writable again (SIGSEGV on a write is allowed only then).
 * Per segment: state (even = alive epoch, odd = removed or being
 * removed) and dead (the last odd state whose REMOVE had completed).
 *
 * Checks made by attachers on every read through an attachment:
 *   - no stale read: the tag's generation is >= pub >> 1 loaded before
 *     the read began; a zero page only if Z was set before or pub changed;
 *   - the right page: the tag names this segment and page, never the
 *     poison written by an owner's fork child into its copy-on-write copy;
 *   - no read of a hole or of a removed segment succeeds;
 *   - SIGBUS only for a hole, a removed segment or a dead owner;
 *     SIGSEGV never on a read, and on a write only while the owner's page
 *     is read-only; a write through a read-only attachment always fails.
 * Checks made by owners at quiescent points (between their operations):
 *   - their own tags are intact (no poison from a fork child);
 *   - every acknowledged attacher write whose incarnation is still
 *     current is present in the owner's page (no lost writes).
 *
 * Usage: xpmem_stress [--seconds N] [--seed S] [--verbose]
 * (env XPMEM_STRESS_SECONDS, XPMEM_STRESS_SEED). Exit 0 pass, 1 fail
 * (the seed is printed), 77 skip (no /dev/xpmem).
 */
#include "xt.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#ifndef XPMEM_STRESS_DEFAULT_SECONDS
#define XPMEM_STRESS_DEFAULT_SECONDS 120
#endif

#define NSEG 3			/* owners, one segment each */
#define SEG_PAGES 1024		/* 4 MiB segments (2 MiB aligned) */
#define NATTP 3			/* attacher processes */
#define NTHR 2			/* threads per attacher process */
#define NAID (NATTP * NTHR)
#define SLOT0 8			/* word index of attacher slot 0 */
#define MAXATT 3		/* attachments per attacher thread */
#define PS 4096UL
#define SEG_BYTES (SEG_PAGES * PS)

#define EXIT_RESPAWN 3

#define TAG_MAGIC 0xA5ULL
#define POISON_MAGIC 0x5AULL
#define GEN_MASK ((1ULL << 36) - 1)
/* tag: magic 8 | seg 4 | page 16 | gen 36 */
#define TAG(m, s, p, g) ((uint64_t)(((uint64_t)(m) << 56) | \
			((uint64_t)(s) << 52) | ((uint64_t)(p) << 36) | \
			((uint64_t)(g) & GEN_MASK)))
#define TAG_MAG(w) ((w) >> 56)
#define TAG_SEG(w) (((w) >> 52) & 0xf)
#define TAG_PAGE(w) (((w) >> 36) & 0xffff)
#define TAG_GEN(w) ((uint64_t)((w) & GEN_MASK))
#define SEQ_MASK ((1ULL << 40) - 1)
#define ACK(inc, seq) ((((inc) & 0xffffffULL) << 40) | ((seq) & SEQ_MASK))

#define LD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define ST(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define INC(p) __atomic_add_fetch((p), 1, __ATOMIC_SEQ_CST)

/* ---- counters ----------------------------------------------------------- */

enum {
	C_O_WRITE, C_O_MUNMAP, C_O_REMAP, C_O_REPLACE, C_O_REPLACE_MEMFD,
	C_O_MREMAP, C_O_MREMAP_MULTI, C_O_MPROTECT, C_O_UNPROTECT, C_O_DONTNEED, C_O_FREE,
	C_O_COLD, C_O_PAGEOUT, C_O_HUGEPAGE, C_O_COLLAPSE, C_O_COLLAPSE_FAIL,
	C_O_MADV_UNSUPP, C_O_FORK, C_O_REMOVE_REMAKE, C_O_EXIT, C_O_VERIFY,
	C_O_ACK_CHECKED,
	C_A_GET, C_A_GET_GONE, C_A_ATTACH, C_A_ATTACH_GONE, C_A_READ,
	C_A_READ_ZERO, C_A_WRITE, C_A_WRITE_RO_SEGV, C_A_RDONLY_SEGV,
	C_A_SIGBUS, C_A_DETACH, C_A_RELEASE, C_A_RELEASE_LIVE, C_A_FORK,
	C_A_EXIT,
	C_COMPACT, C_RESPAWN,
	C_NR
};
static const char *const cnt_name[C_NR] = {
	"owner.write", "owner.munmap", "owner.remap", "owner.mmap_fixed",
	"owner.mmap_fixed_memfd", "owner.mremap", "owner.mremap_multi_vma", "owner.mprotect_ro",
	"owner.mprotect_rw", "owner.madv_dontneed", "owner.madv_free",
	"owner.madv_cold", "owner.madv_pageout", "owner.madv_hugepage",
	"owner.madv_collapse", "owner.madv_collapse_failed",
	"owner.madv_unsupported", "owner.fork", "owner.remove_remake",
	"owner.exit", "owner.verify", "owner.acks_checked",
	"attacher.get", "attacher.get_gone", "attacher.attach",
	"attacher.attach_gone", "attacher.page_reads", "attacher.zero_reads",
	"attacher.page_writes", "attacher.write_segv_owner_ro",
	"attacher.write_segv_rdonly", "attacher.sigbus", "attacher.detach",
	"attacher.release", "attacher.release_live", "attacher.fork",
	"attacher.exit",
	"compact_memory", "respawns",
};

/* ---- shared bookkeeping ------------------------------------------------- */

struct pagebk {
	uint64_t pub, inc, bus, hole, ro;
};

struct segbk {
	int64_t segid;
	uint64_t state;
	uint64_t dead;
	uint64_t owner_pid;
	uint64_t base;		/* owner's address of the segment (emulation) */
	struct pagebk pg[SEG_PAGES];
};

struct shared {
	int stop;
	int failed;
	uint64_t seed;
	int verbose;
	struct segbk seg[NSEG];
	uint64_t ack[NAID][NSEG][SEG_PAGES];
	uint64_t aseq[NAID];
	uint64_t cnt[C_NR];
	uint64_t incarnation[NSEG + NATTP];
};

static struct shared *B;
/*
 * --emulate (host self-test of the checker, no /dev/xpmem): attachers
 * read and write the owner's memory with process_vm_readv/writev, which
 * always sees the owner's current pages, so a correct protocol must
 * never report a failure. ioctls are not issued.
 */
static int emulate;
/* --inject stale|lost|bus (with --emulate): prove the checks fire */
static int inject;
static int role_is_owner = -1;
static int role_idx;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "[%s%d pid %d] ",
		     role_is_owner < 0 ? "main" : role_is_owner ? "owner" : "attacher",
		     role_is_owner < 0 ? 0 : role_idx, (int)getpid());
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(2, buf, n) < 0)
		(void)0;
}

/* XT_FAIL (tests/common) and its hook: who, the seed, the run failed */
#define FAIL(...) XT_FAIL(__VA_ARGS__)
static void fail_hook(const char *file, int line, const char *msg)
	__attribute__((noreturn));
static void fail_hook(const char *file, int line, const char *msg)
{
	int other = strcmp(file, __FILE__) != 0;	/* in tests/common */

	say("FAIL (line %d%s%s, seed %" PRIu64 "): %s", line,
	    other ? " of " : "", other ? file : "", B ? B->seed : 0, msg);
	if (B)
		ST(&B->failed, 1);
	_exit(1);
}

static void count(int c)
{
	__atomic_add_fetch(&B->cnt[c], 1, __ATOMIC_RELAXED);
}

/* ---- random (xt_rnd of tests/common) ------------------------------------ */

/* One generator per process or thread, from the seed and who it is. */
static void rng_init(struct xt_rng *r, uint64_t a, uint64_t b, uint64_t c)
{
	r->s = B->seed * 0x2545f4914f6cdd1dULL ^ (a << 40) ^ (b << 20) ^ c;
	xt_rnd(r);
}

/* a run length: mostly short, sometimes long */
static unsigned rnd_len(struct xt_rng *r, unsigned max)
{
	unsigned n;

	switch (xt_rndn(r, 8)) {
	case 0: n = 1 + xt_rndn(r, max); break;
	case 1: n = 1 + xt_rndn(r, 64); break;
	default: n = 1 + xt_rndn(r, 8); break;
	}
	return n > max ? max : n;
}

/* ---- signals: per-thread probes (xt_probe of tests/common) -------------- */

/* A SIGSEGV or SIGBUS outside a probe. */
static void on_fault(int sig, const siginfo_t *si)
{
	char msg[200];
	int n = snprintf(msg, sizeof(msg),
			 "FAIL: [pid %d] unexpected signal %d code %d addr %p "
			 "(seed %" PRIu64 ")\n", (int)getpid(), sig,
			 si->si_code, si->si_addr, B ? B->seed : 0);
	if (write(2, msg, n) < 0)
		(void)0;
	if (B)
		ST(&B->failed, 1);
	_exit(1);
}

/* The accesses of the probes: sequentially consistent, as the bookkeeping. */
struct sc_word {
	volatile uint64_t *p;
	uint64_t v;
};

static void sc_load(void *arg)
{
	struct sc_word *w = arg;

	w->v = __atomic_load_n(w->p, __ATOMIC_SEQ_CST);
}

static void sc_store(void *arg)
{
	struct sc_word *w = arg;

	__atomic_store_n(w->p, w->v, __ATOMIC_SEQ_CST);
}

/* Load one word; returns 0 or the signal. */
static int probe_load(const volatile uint64_t *p, uint64_t *out)
{
	struct sc_word w = { (volatile uint64_t *)p, 0 };
	int sig = xt_probe(sc_load, &w);

	if (sig == 0)
		*out = w.v;
	return sig;
}

static int probe_store(volatile uint64_t *p, uint64_t v)
{
	struct sc_word w = { p, v };

	return xt_probe(sc_store, &w);
}

/* ---- device ------------------------------------------------------------- */

static int dev_open(void)
{
	if (emulate)
		return -1;
	int fd = open("/dev/xpmem", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		FAIL("open /dev/xpmem: %s", strerror(errno));
	return fd;
}

static int64_t x_make(int fd, void *addr, size_t len)
{
	struct xpmem_cmd_make m = {
		.vaddr = (uintptr_t)addr, .size = len,
		.permit_type = XPMEM_PERMIT_MODE, .permit_value = 0666,
	};
	static int64_t fake;
	if (emulate)
		return ((int64_t)++fake << 32) | getpid();
	if (ioctl(fd, XPMEM_CMD_MAKE, &m) != 0)
		FAIL("MAKE %p+%zu: %s", addr, len, strerror(errno));
	if (m.segid <= 0)
		FAIL("MAKE returned segid %" PRId64, (int64_t)m.segid);
	return m.segid;
}

static void x_remove(int fd, int64_t segid)
{
	struct xpmem_cmd_remove r = { .segid = segid };

	if (emulate)
		return;
	if (ioctl(fd, XPMEM_CMD_REMOVE, &r) != 0)
		FAIL("REMOVE %" PRId64 ": %s", segid, strerror(errno));
}

/* ---- owner -------------------------------------------------------------- */

struct opage {
	uint64_t gen;		/* the generation of the tag in the page */
	unsigned mapped : 1;	/* the page is mapped at its place */
	unsigned shm : 1;	/* backed by a memfd (MAP_SHARED) */
	unsigned ro : 1;	/* mprotect'ed PROT_READ */
	unsigned pending : 1;	/* the tag must be (re)written */
};

static struct opage op_[SEG_PAGES];
static char *obase;		/* segment base in the owner */
static char *oscratch;		/* where mremap moves pages to */
static int ofd;
static int oseg;
static struct segbk *OS;

static volatile uint64_t *pword(char *base, unsigned p, unsigned w)
{
	return (volatile uint64_t *)(base + (size_t)p * PS) + w;
}

/* Publish "zero allowed" before an operation that may zero pages. */
static void pub_zero_ok(unsigned p)
{
	ST(&OS->pg[p].pub, (op_[p].gen << 1) | 1);
}

/* After an operation destroyed the page's content: new generation. */
static void pub_destroyed(unsigned p)
{
	INC(&OS->pg[p].inc);
	op_[p].gen++;
	ST(&OS->pg[p].pub, (op_[p].gen << 1) | 1);
	op_[p].pending = 1;
}

/* Write the tag of generation gen into a mapped, writable page. */
static void write_tag(unsigned p)
{
	ST(pword(obase, p, 0), TAG(TAG_MAGIC, oseg, p, op_[p].gen));
	ST(&OS->pg[p].pub, op_[p].gen << 1);
	op_[p].pending = 0;
}

static void owner_write(unsigned p0, unsigned n)
{
	for (unsigned p = p0; p < p0 + n; p++) {
		if (!op_[p].mapped || op_[p].ro)
			continue;
		if (!op_[p].pending)
			op_[p].gen++;
		write_tag(p);
	}
	count(C_O_WRITE);
}

/* Map fresh memory (anonymous or memfd) at pages [p0, p0+n). */
static void owner_map_fresh(unsigned p0, unsigned n, int memfd)
{
	void *want = obase + (size_t)p0 * PS, *got;

	if (memfd) {
		int mfd = memfd_create("xpmem-stress", MFD_CLOEXEC);

		if (mfd < 0)
			FAIL("memfd_create: %s", strerror(errno));
		if (ftruncate(mfd, (off_t)n * PS) != 0)
			FAIL("ftruncate: %s", strerror(errno));
		got = mmap(want, n * PS, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_FIXED, mfd, 0);
		close(mfd);
	} else {
		got = mmap(want, n * PS, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	}
	if (got != want)
		FAIL("mmap MAP_FIXED %p: %s", want, strerror(errno));
}

/* munmap [p0, p0+n): holes. */
static void owner_munmap(unsigned p0, unsigned n)
{
	for (unsigned p = p0; p < p0 + n; p++) {
		if (!op_[p].mapped)
			continue;
		INC(&OS->pg[p].bus);		/* odd */
		pub_zero_ok(p);
	}
	if (munmap(obase + (size_t)p0 * PS, n * PS) != 0)
		FAIL("munmap: %s", strerror(errno));
	for (unsigned p = p0; p < p0 + n; p++) {
		if (!op_[p].mapped)
			continue;
		pub_destroyed(p);
		INC(&OS->pg[p].hole);		/* odd */
		op_[p].mapped = 0;
	}
	count(C_O_MUNMAP);
}

/*
 * mmap MAP_FIXED fresh memory over [p0, p0+n), whatever is there (pages,
 * holes, read-only pages), then write the tags.
 */
static void owner_replace(unsigned p0, unsigned n, int memfd)
{
	for (unsigned p = p0; p < p0 + n; p++) {
		if (op_[p].mapped)
			pub_zero_ok(p);
		else
			INC(&OS->pg[p].hole);	/* even: no longer a hole */
	}
	owner_map_fresh(p0, n, memfd);
	for (unsigned p = p0; p < p0 + n; p++) {
		if (op_[p].mapped)
			pub_destroyed(p);
		if (op_[p].ro) {
			INC(&OS->pg[p].ro);	/* even: writable again */
			op_[p].ro = 0;
		}
		if (!op_[p].mapped)
			INC(&OS->pg[p].bus);	/* even */
		op_[p].mapped = 1;
		op_[p].shm = memfd;
		op_[p].pending = 1;
		write_tag(p);
	}
}

/* Fill every hole with fresh anonymous memory. */
static void owner_remap_holes(struct xt_rng *r)
{
	unsigned p = 0;

	while (p < SEG_PAGES) {
		if (op_[p].mapped) {
			p++;
			continue;
		}
		unsigned q = p;
		while (q < SEG_PAGES && !op_[q].mapped)
			q++;
		owner_replace(p, q - p, xt_rndn(r, 4) == 0);
		count(C_O_REMAP);
		p = q;
	}
}

static int all_mapped(unsigned p0, unsigned n)
{
	for (unsigned p = p0; p < p0 + n; p++)
		if (!op_[p].mapped)
			return 0;
	return 1;
}

static int all_writable(unsigned p0, unsigned n)
{
	for (unsigned p = p0; p < p0 + n; p++)
		if (!op_[p].mapped || op_[p].ro)
			return 0;
	return 1;
}

/* Move [p0, p0+n) away with mremap, change it there, move it back. */
static void owner_mremap(unsigned p0, unsigned n)
{
	char *src = obase + (size_t)p0 * PS;
	void *got;

	if (!all_writable(p0, n))
		return;
	for (unsigned p = p0; p < p0 + n; p++) {
		INC(&OS->pg[p].bus);		/* odd */
		pub_zero_ok(p);
	}
	got = mremap(src, n * PS, n * PS, MREMAP_MAYMOVE | MREMAP_FIXED,
		     oscratch);
	if (got == MAP_FAILED && errno == EFAULT) {
		/* the range spans several VMAs: nothing moved, undo */
		for (unsigned p = p0; p < p0 + n; p++) {
			ST(&OS->pg[p].pub, (op_[p].gen << 1) | op_[p].pending);
			INC(&OS->pg[p].bus);	/* even */
		}
		count(C_O_MREMAP_MULTI);
		return;
	}
	if (got != oscratch)
		FAIL("mremap away: %s", strerror(errno));
	for (unsigned p = p0; p < p0 + n; p++) {
		INC(&OS->pg[p].inc);
		op_[p].gen++;
		ST(&OS->pg[p].pub, (op_[p].gen << 1) | 1);
		INC(&OS->pg[p].hole);		/* odd */
	}
	/* new tags, written at the scratch place (read-only pages too) */
	for (unsigned p = p0; p < p0 + n; p++) {
		volatile uint64_t *w = pword(oscratch, p - p0, 0);
		op_[p].gen++;
		ST(w, TAG(TAG_MAGIC, oseg, p, op_[p].gen));
	}
	for (unsigned p = p0; p < p0 + n; p++)
		INC(&OS->pg[p].hole);		/* even */
	got = mremap(oscratch, n * PS, n * PS, MREMAP_MAYMOVE | MREMAP_FIXED,
		     src);
	if (got != src)
		FAIL("mremap back: %s", strerror(errno));
	/* the scratch range must stay reserved: cover it again */
	if (mmap(oscratch, n * PS, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
		 -1, 0) != oscratch)
		FAIL("mmap scratch: %s", strerror(errno));
	for (unsigned p = p0; p < p0 + n; p++) {
		ST(&OS->pg[p].pub, op_[p].gen << 1);
		op_[p].pending = 0;
		INC(&OS->pg[p].bus);		/* even */
	}
	count(C_O_MREMAP);
}

static void owner_mprotect(unsigned p0, unsigned n, int ro)
{
	if (!all_mapped(p0, n))
		return;
	if (ro) {
		for (unsigned p = p0; p < p0 + n; p++)
			if (!op_[p].ro)
				INC(&OS->pg[p].ro);	/* odd */
	}
	if (mprotect(obase + (size_t)p0 * PS, n * PS,
		     ro ? PROT_READ : PROT_READ | PROT_WRITE) != 0)
		FAIL("mprotect: %s", strerror(errno));
	for (unsigned p = p0; p < p0 + n; p++) {
		if (!ro && op_[p].ro)
			INC(&OS->pg[p].ro);		/* even */
		op_[p].ro = ro;
		if (!ro && op_[p].pending)
			write_tag(p);
	}
	count(ro ? C_O_MPROTECT : C_O_UNPROTECT);
}

/* madvise over each run of mapped pages of [p0, p0+n). */
static int madv_runs(unsigned p0, unsigned n, int advice, int anon_only)
{
	unsigned p = p0;
	int ret = 0;

	while (p < p0 + n) {
		if (!op_[p].mapped || (anon_only && op_[p].shm)) {
			p++;
			continue;
		}
		unsigned q = p;
		while (q < p0 + n && op_[q].mapped &&
		       !(anon_only && op_[q].shm))
			q++;
		if (madvise(obase + (size_t)p * PS, (q - p) * PS, advice) != 0)
			ret = -errno;
		p = q;
	}
	return ret;
}

/*
 * DONTNEED: private anonymous pages read as zero afterwards (memfd pages
 * keep their data: nothing changes for them). FREE (private anonymous
 * only): the data stays until reclaim discards the clean page, so the old
 * generation stays valid until the owner writes a new tag. With `retag`
 * the owner writes its tags at once, else the pages stay pending (zero
 * allowed) for a while, which lets MADV_PAGEOUT discard them while the
 * attachers write: their writes must keep the pages.
 */
static void owner_discard(unsigned p0, unsigned n, int advice, int retag)
{
	int ret;

	for (unsigned p = p0; p < p0 + n; p++)
		if (op_[p].mapped && !op_[p].shm)
			pub_zero_ok(p);
	ret = madv_runs(p0, n, advice, advice == MADV_FREE);
	if (ret)
		FAIL("madvise(%d): %s", advice, strerror(-ret));
	for (unsigned p = p0; p < p0 + n; p++) {
		if (!op_[p].mapped || op_[p].shm)
			continue;
		if (advice == MADV_DONTNEED) {
			pub_destroyed(p);
		} else {
			INC(&OS->pg[p].inc);
			op_[p].pending = 1;
		}
		if (retag && !op_[p].ro) {
			if (advice == MADV_FREE)
				op_[p].gen++;
			write_tag(p);
		}
	}
	count(advice == MADV_DONTNEED ? C_O_DONTNEED : C_O_FREE);
}

static void owner_madv_plain(unsigned p0, unsigned n, int advice, int c)
{
	int ret = madv_runs(p0, n, advice, 0);

	if (ret == -EINVAL)
		count(C_O_MADV_UNSUPP);
	else if (ret)
		FAIL("madvise(%d): %s", advice, strerror(-ret));
	else
		count(c);
}

static void owner_collapse(struct xt_rng *r)
{
	unsigned half = xt_rndn(r, 2) * (SEG_PAGES / 2);
	char *a = obase + (size_t)half * PS;

	/*
	 * Only a range of one anonymous VMA can be collapsed: often make it
	 * one first (fresh memory with the tags written, populated 4k pages).
	 */
	if (xt_rndn(r, 2)) {
		owner_replace(half, SEG_PAGES / 2, 0);
		count(C_O_REPLACE);
	}

	if (madvise(a, SEG_BYTES / 2, MADV_HUGEPAGE) == 0)
		count(C_O_HUGEPAGE);
	/* MADV_COLLAPSE is 6.1+; failures (holes, EAGAIN, ENOMEM) are fine */
	if (madvise(a, SEG_BYTES / 2, MADV_COLLAPSE) == 0)
		count(C_O_COLLAPSE);
	else if (errno == EINVAL)
		count(C_O_MADV_UNSUPP);
	else
		count(C_O_COLLAPSE_FAIL);
}

/* The checks at a quiescent point of the owner. */
static void owner_verify(void)
{
	for (unsigned p = 0; p < SEG_PAGES; p++) {
		if (!op_[p].mapped)
			continue;
		uint64_t w = LD(pword(obase, p, 0));
		if (!op_[p].pending &&
		    w != TAG(TAG_MAGIC, oseg, p, op_[p].gen))
			FAIL("owner page %u: tag 0x%016" PRIx64 ", expected "
			     "0x%016" PRIx64 "%s", p, w,
			     TAG(TAG_MAGIC, oseg, p, op_[p].gen),
			     TAG_MAG(w) == POISON_MAGIC ?
			     " (a fork child's write reached the parent)" : "");
		uint64_t inc = LD(&OS->pg[p].inc) & 0xffffff;
		for (unsigned a = 0; a < NAID; a++) {
			uint64_t ack = LD(&B->ack[a][oseg][p]);
			if (!ack || (ack >> 40) != inc)
				continue;
			uint64_t v = LD(pword(obase, p, SLOT0 + a));
			uint64_t seq = ack & SEQ_MASK;
			count(C_O_ACK_CHECKED);
			if ((v >> 48) != a || (v & SEQ_MASK) < seq)
				FAIL("lost write: page %u of segment %d, slot "
				     "%u holds 0x%" PRIx64 ", attacher %u had "
				     "acknowledged seq %" PRIu64 " (inc %"
				     PRIu64 ")", p, oseg, a, v, a, seq, inc);
		}
	}
	count(C_O_VERIFY);
}

/* fork: the child writes poison into its copy-on-write copies. */
static void owner_fork(struct xt_rng *r)
{
	pid_t pid = fork();

	if (pid < 0)
		FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		for (unsigned p = 0; p < SEG_PAGES; p++) {
			if (!op_[p].mapped || op_[p].shm || op_[p].ro ||
			    xt_rndn(r, 2))
				continue;
			*pword(obase, p, 0) = TAG(POISON_MAGIC, oseg, p,
						  op_[p].gen + 1000);
		}
		_exit(0);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		FAIL("owner's fork child: status 0x%x", st);
	count(C_O_FORK);
}

static void owner_publish_segment(void)
{
	int64_t id = x_make(ofd, obase, SEG_BYTES);
	uint64_t st = LD(&OS->state);

	ST(&OS->segid, id);
	if (!(st & 1))
		FAIL("segment state %" PRIu64 " not odd before make", st);
	ST(&OS->state, st + 1);
}

static void owner_unpublish(void)
{
	uint64_t st = LD(&OS->state);

	ST(&OS->state, st + 1);		/* odd: being removed */
}

static int owner_main(int s)
{
	struct xt_rng r;
	uint64_t inc = INC(&B->incarnation[s]);
	void *m;

	role_is_owner = 1;
	role_idx = s;
	oseg = s;
	OS = &B->seg[s];
	rng_init(&r, 1, s, inc);
	ofd = dev_open();
	if (emulate)	/* let the attachers (siblings) use process_vm_* */
		prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);

	/* 2 MiB aligned segment, and a scratch range of the same size */
	m = mmap(NULL, 3 * SEG_BYTES, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		FAIL("mmap: %s", strerror(errno));
	obase = (char *)(((uintptr_t)m + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	oscratch = obase + SEG_BYTES;
	owner_map_fresh(0, SEG_PAGES, 0);
	madvise(obase, SEG_BYTES, MADV_HUGEPAGE);

	/* continue the generations of the previous incarnation */
	for (unsigned p = 0; p < SEG_PAGES; p++) {
		struct pagebk *pg = &OS->pg[p];
		op_[p].gen = (LD(&pg->pub) >> 1) + 1;
		op_[p].mapped = 1;
		ST(&pg->pub, (op_[p].gen << 1) | 1);
		INC(&pg->inc);
		if (LD(&pg->hole) & 1)
			INC(&pg->hole);
		if (LD(&pg->ro) & 1)
			INC(&pg->ro);
		if (LD(&pg->bus) & 1)
			INC(&pg->bus);
		write_tag(p);
	}
	ST(&OS->owner_pid, (uint64_t)getpid());
	ST(&OS->base, (uint64_t)(uintptr_t)obase);
	owner_publish_segment();

	while (!LD(&B->stop)) {
		unsigned p0 = xt_rndn(&r, SEG_PAGES);
		unsigned n = rnd_len(&r, SEG_PAGES - p0);
		unsigned k = xt_rndn(&r, 10000);

		if (k < 3000)
			owner_write(p0, n);
		else if (k < 3600)
			owner_munmap(p0, n);
		else if (k < 4200)
			owner_remap_holes(&r);
		else if (k < 4600) {
			int memfd = xt_rndn(&r, 3) == 0;
			owner_replace(p0, n, memfd);
			count(memfd ? C_O_REPLACE_MEMFD : C_O_REPLACE);
		} else if (k < 5000)
			owner_mremap(p0, n);
		else if (k < 5400)
			owner_mprotect(p0, n, 1);
		else if (k < 6000) {
			/* make everything writable again */
			unsigned p = 0;
			while (p < SEG_PAGES) {
				if (!op_[p].ro) { p++; continue; }
				unsigned q = p;
				while (q < SEG_PAGES && op_[q].ro)
					q++;
				owner_mprotect(p, q - p, 0);
				p = q;
			}
		} else if (k < 6500)
			owner_discard(p0, n, MADV_DONTNEED, xt_rndn(&r, 2));
		else if (k < 6900)
			owner_discard(p0, n, MADV_FREE, xt_rndn(&r, 2));
		else if (k < 7100)
			owner_madv_plain(p0, n, MADV_COLD, C_O_COLD);
		else if (k < 7300)
			owner_madv_plain(p0, n, MADV_PAGEOUT, C_O_PAGEOUT);
		else if (k < 7400)
			owner_collapse(&r);
		else if (k < 7550)
			owner_fork(&r);
		else if (k < 7580) {
			owner_unpublish();
			x_remove(ofd, LD(&OS->segid));
			ST(&OS->dead, LD(&OS->state));
			owner_publish_segment();
			count(C_O_REMOVE_REMAKE);
		} else if (k < 7585) {
			/* exit and come back (the supervisor respawns) */
			owner_verify();
			owner_unpublish();
			count(C_O_EXIT);
			_exit(EXIT_RESPAWN);
		} else if (k < 8200) {
			owner_verify();
		} else {
			/* let the attachers run */
			usleep(200 + xt_rndn(&r, 2000));
		}
	}
	owner_remap_holes(&r);
	owner_verify();
	owner_unpublish();
	x_remove(ofd, LD(&OS->segid));
	ST(&OS->dead, LD(&OS->state));
	return 0;
}

/* ---- attacher ----------------------------------------------------------- */

struct permit {
	int64_t apid;
	uint64_t epoch;		/* segment state when got */
	int writable;
	int live;
};

struct att {
	int live;
	int seg;
	struct permit *pm;
	uint64_t epoch;
	char *addr;
	unsigned p0, n;		/* pages of the segment */
	int writable;
	int released;		/* its permit was released */
	pid_t pid;		/* the owner (emulation) */
};

struct athr {
	int aid;
	pthread_t t;
	struct xt_rng r;
	struct permit pm[NSEG];
	struct att at[MAXATT];
};

static int afd;

static int a_get(struct athr *T, int s)
{
	struct segbk *S = &B->seg[s];
	struct permit *pm = &T->pm[s];
	uint64_t st = LD(&S->state);
	int64_t id;

	if (st & 1)
		return -1;
	id = LD(&S->segid);
	if (LD(&S->state) != st)
		return -1;
	struct xpmem_cmd_get g = {
		.segid = id,
		.flags = xt_rndn(&T->r, 5) == 0 ? XPMEM_RDONLY : XPMEM_RDWR,
		.permit_type = XPMEM_PERMIT_MODE,
	};
	if (emulate)
		g.apid = 1;
	else if (ioctl(afd, XPMEM_CMD_GET, &g) != 0) {
		int e = errno;
		if (LD(&S->state) != st && (e == ENOENT || e == EINVAL)) {
			count(C_A_GET_GONE);
			return -1;
		}
		FAIL("GET segid %" PRId64 " (state %" PRIu64 " now %" PRIu64
		     "): %s", id, st, LD(&S->state), strerror(e));
	}
	if (g.apid <= 0)
		FAIL("GET returned apid %" PRId64, (int64_t)g.apid);
	pm->apid = g.apid;
	pm->epoch = st;
	pm->writable = g.flags == XPMEM_RDWR;
	pm->live = 1;
	count(C_A_GET);
	return 0;
}

static void a_detach(struct athr *T, struct att *a)
{
	struct xpmem_cmd_detach d = {
		/* any address inside the attachment */
		.vaddr = (uintptr_t)a->addr + xt_rndn(&T->r, a->n) * PS +
			 xt_rndn(&T->r, PS),
	};
	if (!emulate && ioctl(afd, XPMEM_CMD_DETACH, &d) != 0)
		FAIL("DETACH %p (+%u pages): %s", a->addr, a->n, strerror(errno));
	a->live = 0;
	count(C_A_DETACH);
}

static void a_release(struct athr *T, int s, int keep_live_atts)
{
	struct permit *pm = &T->pm[s];
	struct xpmem_cmd_release r = { .apid = pm->apid };

	if (!pm->live)
		return;
	if (!keep_live_atts)
		for (int i = 0; i < MAXATT; i++)
			if (T->at[i].live && T->at[i].pm == pm)
				a_detach(T, &T->at[i]);
	if (!emulate && ioctl(afd, XPMEM_CMD_RELEASE, &r) != 0) {
		/* a removed segment's permit may be gone already */
		if (!(LD(&B->seg[s].state) != pm->epoch && errno == ENOENT))
			FAIL("RELEASE apid %" PRId64 ": %s", pm->apid,
			     strerror(errno));
	}
	pm->live = 0;
	count(C_A_RELEASE);
	for (int i = 0; i < MAXATT; i++)
		if (T->at[i].live && T->at[i].pm == pm) {
			T->at[i].released = 1;
			count(C_A_RELEASE_LIVE);
		}
}

static void a_attach(struct athr *T, int s)
{
	struct permit *pm = &T->pm[s];
	struct att *a = NULL;

	for (int i = 0; i < MAXATT; i++)
		if (!T->at[i].live) {
			a = &T->at[i];
			break;
		}
	if (!a)
		return;
	if (!pm->live && a_get(T, s) != 0)
		return;
	unsigned p0, n;
	if (xt_rndn(&T->r, 6) == 0) {
		p0 = 0;
		n = SEG_PAGES;
	} else {
		p0 = xt_rndn(&T->r, SEG_PAGES);
		n = 1 + xt_rndn(&T->r, xt_rndn(&T->r, 3) ? 64 : SEG_PAGES - p0);
		if (p0 + n > SEG_PAGES)
			n = SEG_PAGES - p0;
	}
	struct xpmem_cmd_attach c = {
		.apid = pm->apid, .offset = (int64_t)p0 * PS, .size = n * PS,
		.fd = afd,
	};
	if (emulate) {
		c.vaddr = LD(&B->seg[s].base) + (uint64_t)p0 * PS;
		a->pid = LD(&B->seg[s].owner_pid);
		if (LD(&B->seg[s].state) != pm->epoch) {
			count(C_A_ATTACH_GONE);
			a_release(T, s, 0);
			return;
		}
	} else if (ioctl(afd, XPMEM_CMD_ATTACH, &c) != 0) {
		int e = errno;
		if (LD(&B->seg[s].state) != pm->epoch &&
		    (e == ENOENT || e == EINVAL)) {
			count(C_A_ATTACH_GONE);
			a_release(T, s, 0);
			return;
		}
		FAIL("ATTACH apid %" PRId64 " pages %u+%u: %s", pm->apid, p0, n,
		     strerror(e));
	}
	if (c.vaddr == 0 || (c.vaddr & (PS - 1)))
		FAIL("ATTACH returned address 0x%" PRIx64, (uint64_t)c.vaddr);
	a->live = 1;
	a->seg = s;
	a->pm = pm;
	a->epoch = pm->epoch;
	a->addr = (char *)(uintptr_t)c.vaddr;
	a->p0 = p0;
	a->n = n;
	a->writable = pm->writable;
	a->released = 0;
	count(C_A_ATTACH);
}

/* Emulated access: 0, SIGBUS (gone, hole) or SIGSEGV (read-only). */
static int emu_access(struct att *a, unsigned p, uint64_t *val, int write)
{
	struct iovec l = { val, 8 };
	struct iovec r = { a->addr + (size_t)(p - a->p0) * PS +
			   (write ? 0 : 0), 8 };
	ssize_t n;

	static __thread uint64_t last[NSEG][SEG_PAGES];

	if (LD(&B->seg[a->seg].state) != a->epoch || a->released)
		return SIGBUS;
	if (write && !a->writable)
		return SIGSEGV;
	if (inject == 1 && !write && last[a->seg][p] && (p % 7) == 0) {
		*val = last[a->seg][p];	/* a stale cached value */
		return 0;
	}
	if (inject == 2 && write && (p % 7) == 0)
		return 0;		/* a lost write */
	if (inject == 3 && (p % 7) == 0 &&
	    !(LD(&B->seg[a->seg].pg[p].bus) & 1))
		return SIGBUS;		/* a spurious SIGBUS */
	n = write ? process_vm_writev(a->pid, &l, 1, &r, 1, 0)
		  : process_vm_readv(a->pid, &l, 1, &r, 1, 0);
	if (n == 8) {
		if (!write)
			last[a->seg][p] = *val;
		return 0;
	}
	if (write && (LD(&B->seg[a->seg].pg[p].ro) & 1))
		return SIGSEGV;
	return SIGBUS;
}

/* SIGBUS allowed on page p of attachment a? (counters read before/now) */
static int bus_allowed(struct att *a, struct pagebk *pg, uint64_t bus0)
{
	return (bus0 & 1) || LD(&pg->bus) != bus0 ||
	       LD(&B->seg[a->seg].state) != a->epoch || a->released;
}

/* Read one page through the attachment and check it. 0 ok, -1 dead. */
static int a_read_page(struct athr *T, struct att *a, unsigned i)
{
	unsigned p = a->p0 + i;
	struct segbk *S = &B->seg[a->seg];
	struct pagebk *pg = &S->pg[p];
	uint64_t dead0 = LD(&S->dead);
	uint64_t pub0 = LD(&pg->pub);
	uint64_t hole0 = LD(&pg->hole);
	uint64_t bus0 = LD(&pg->bus);
	uint64_t w;
	int sig;

	(void)T;
	if (emulate)
		sig = emu_access(a, p, &w, 0);
	else
		sig = probe_load((volatile uint64_t *)(a->addr + (size_t)i * PS), &w);
	if (sig == SIGBUS) {
		if (!bus_allowed(a, pg, bus0))
			FAIL("SIGBUS reading page %u of segment %d: the owner "
			     "had it mapped (bus %" PRIu64 ") and the segment "
			     "was alive (epoch %" PRIu64 ")", p, a->seg, bus0,
			     a->epoch);
		count(C_A_SIGBUS);
		return LD(&S->state) != a->epoch || a->released ? -1 : 0;
	}
	if (sig)
		FAIL("signal %d reading page %u of segment %d through a live "
		     "attachment", sig, p, a->seg);
	count(C_A_READ);
	if (dead0 > a->epoch)
		FAIL("read of page %u of segment %d succeeded (0x%" PRIx64
		     ") after the segment (epoch %" PRIu64 ") was removed",
		     p, a->seg, w, a->epoch);
	if ((hole0 & 1) && LD(&pg->hole) == hole0)
		FAIL("read of page %u of segment %d succeeded (0x%" PRIx64
		     ") while the owner had it unmapped", p, a->seg, w);
	uint64_t pub1 = LD(&pg->pub);
	if (w == 0) {
		if (!(pub0 & 1) && pub1 == pub0)
			FAIL("stale read: page %u of segment %d read as zero, "
			     "the owner's page held generation %" PRIu64
			     " all along", p, a->seg, pub0 >> 1);
		count(C_A_READ_ZERO);
		return 0;
	}
	if (TAG_MAG(w) == POISON_MAGIC)
		FAIL("page %u of segment %d: read the poison 0x%" PRIx64
		     " written by the owner's fork child in its copy", p,
		     a->seg, w);
	if (TAG_MAG(w) != TAG_MAGIC || TAG_SEG(w) != (unsigned)a->seg ||
	    TAG_PAGE(w) != p)
		FAIL("wrong page: page %u of segment %d read 0x%" PRIx64
		     " (seg %u page %u)", p, a->seg, w,
		     (unsigned)TAG_SEG(w), (unsigned)TAG_PAGE(w));
	if (TAG_GEN(w) < ((pub0 >> 1) & GEN_MASK))
		FAIL("stale read: page %u of segment %d read generation %"
		     PRIu64 ", the owner had published %" PRIu64
		     " before the read began (now %" PRIu64 ")", p, a->seg,
		     TAG_GEN(w), pub0 >> 1, pub1 >> 1);
	return 0;
}

static int a_write_page(struct athr *T, struct att *a, unsigned i)
{
	unsigned p = a->p0 + i;
	struct segbk *S = &B->seg[a->seg];
	struct pagebk *pg = &S->pg[p];
	uint64_t inc0 = LD(&pg->inc);
	uint64_t ro0 = LD(&pg->ro);
	uint64_t bus0 = LD(&pg->bus);
	uint64_t seq = INC(&B->aseq[T->aid]) & SEQ_MASK;
	volatile uint64_t *w =
		(volatile uint64_t *)(a->addr + (size_t)i * PS) + SLOT0 + T->aid;
	uint64_t v = ((uint64_t)T->aid << 48) | seq;
	int sig;

	if (emulate) {
		/* the slot word of page p */
		struct att e = *a;
		e.addr += (SLOT0 + T->aid) * 8;
		sig = emu_access(&e, p, &v, 1);
	} else {
		sig = probe_store(w, v);
	}

	if (!a->writable) {
		/* the VMA of a read-only permit is not writable */
		if (sig == 0)
			FAIL("write through a read-only attachment succeeded "
			     "(page %u of segment %d)", p, a->seg);
		if (sig == SIGBUS && !bus_allowed(a, pg, bus0))
			FAIL("SIGBUS (not SIGSEGV) writing a read-only "
			     "attachment of a mapped page");
		count(sig == SIGSEGV ? C_A_RDONLY_SEGV : C_A_SIGBUS);
		return 0;
	}
	if (sig == 0) {
		ST(&B->ack[T->aid][a->seg][p], ACK(inc0, seq));
		count(C_A_WRITE);
		return 0;
	}
	int ro_window = (ro0 & 1) || LD(&pg->ro) != ro0;
	if (sig == SIGSEGV) {
		if (!ro_window)
			FAIL("SIGSEGV writing page %u of segment %d through a "
			     "read-write attachment while the owner's page was "
			     "writable (ro %" PRIu64 ")", p, a->seg, ro0);
		count(C_A_WRITE_RO_SEGV);
		return 0;
	}
	if (sig == SIGBUS) {
		if (!bus_allowed(a, pg, bus0) && !ro_window)
			FAIL("SIGBUS writing page %u of segment %d: the owner "
			     "had it mapped and writable", p, a->seg);
		count(C_A_SIGBUS);
		return LD(&S->state) != a->epoch || a->released ? -1 : 0;
	}
	FAIL("signal %d writing page %u", sig, p);
}

static void a_touch(struct athr *T, int write)
{
	struct att *a = &T->at[xt_rndn(&T->r, MAXATT)];

	if (!a->live)
		return;
	unsigned i0 = xt_rndn(&T->r, a->n);
	unsigned n = rnd_len(&T->r, a->n - i0);
	if (n > 32)
		n = 32;
	for (unsigned i = i0; i < i0 + n; i++) {
		int r = write ? a_write_page(T, a, i) : a_read_page(T, a, i);
		if (r < 0) {
			/* the segment is gone: drop the attachment */
			a_detach(T, a);
			return;
		}
	}
}

static void a_fork(struct athr *T)
{
	struct att *a = NULL;

	for (int i = 0; i < MAXATT; i++)
		if (T->at[i].live)
			a = &T->at[i];
	pid_t pid = fork();
	if (pid < 0)
		FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		/* attachments are not inherited: the address is unmapped */
		uint64_t v;
		if (a && !emulate &&
		    probe_load((volatile uint64_t *)a->addr, &v) != SIGSEGV)
			_exit(2);
		_exit(0);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid)
		FAIL("waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL("attacher's fork child: status 0x%x (2: an attachment "
		     "was readable in the child)", st);
	count(C_A_FORK);
}

static void *athr_main(void *arg)
{
	struct athr *T = arg;

	while (!LD(&B->stop)) {
		unsigned k = xt_rndn(&T->r, 1000);
		int s = xt_rndn(&T->r, NSEG);

		if (k < 120)
			a_attach(T, s);
		else if (k < 500)
			a_touch(T, 0);
		else if (k < 800)
			a_touch(T, 1);
		else if (k < 880) {
			struct att *a = &T->at[xt_rndn(&T->r, MAXATT)];
			if (a->live)
				a_detach(T, a);
		} else if (k < 910) {
			a_release(T, s, xt_rndn(&T->r, 2));
			/* a read through an attachment of a released permit
			 * must raise SIGBUS or return valid data */
			for (int i = 0; i < MAXATT; i++)
				if (T->at[i].live && T->at[i].released) {
					a_read_page(T, &T->at[i], 0);
					a_detach(T, &T->at[i]);
				}
		} else if (k < 920)
			a_fork(T);
		else if (k < 923 && T->aid % NTHR == 0) {
			count(C_A_EXIT);
			_exit(EXIT_RESPAWN);
		} else if (k < 930) {
			/* a permit of an old segment incarnation is useless */
			struct permit *pm = &T->pm[s];
			if (pm->live && LD(&B->seg[s].state) != pm->epoch)
				a_release(T, s, 0);
		} else
			usleep(100 + xt_rndn(&T->r, 1000));
	}
	for (int i = 0; i < MAXATT; i++)
		if (T->at[i].live)
			a_detach(T, &T->at[i]);
	for (int s = 0; s < NSEG; s++)
		a_release(T, s, 0);
	return NULL;
}

static int attacher_main(int idx)
{
	struct athr T[NTHR];
	uint64_t inc = INC(&B->incarnation[NSEG + idx]);

	role_is_owner = 0;
	role_idx = idx;
	afd = dev_open();
	memset(T, 0, sizeof(T));
	for (int t = 0; t < NTHR; t++) {
		T[t].aid = idx * NTHR + t;
		rng_init(&T[t].r, 2, T[t].aid, inc);
	}
	for (int t = 1; t < NTHR; t++)
		if (pthread_create(&T[t].t, NULL, athr_main, &T[t]) != 0)
			FAIL("pthread_create");
	athr_main(&T[0]);
	for (int t = 1; t < NTHR; t++)
		pthread_join(T[t].t, NULL);
	return 0;
}

/* ---- supervisor --------------------------------------------------------- */

/* An owner or attacher process; it dies with the supervisor. */
static pid_t spawn(int owner, int idx)
{
	pid_t pid = xt_fork();

	if (pid == 0)
		_exit(owner ? owner_main(idx) : attacher_main(idx));
	return pid;
}

static void usage(void)
{
	fprintf(stderr, "usage: xpmem_stress [--seconds N] [--seed S] "
		"[--verbose]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double seconds = XPMEM_STRESS_DEFAULT_SECONDS;
	uint64_t seed = 0;
	int have_seed = 0, verbose = 0;
	const char *inj = NULL;
	pid_t pids[NSEG + NATTP];
	const struct xt_opt opts[] = {
		{ "--seconds", "XPMEM_STRESS_SECONDS", XT_OPT_DOUBLE, &seconds,
		  NULL },
		{ "--seed", "XPMEM_STRESS_SEED", XT_OPT_U64, &seed, &have_seed },
		{ "--verbose", NULL, XT_OPT_FLAG, &verbose, NULL },
		{ "--emulate", NULL, XT_OPT_FLAG, &emulate, NULL },
		{ "--inject", NULL, XT_OPT_STR, &inj, NULL },
		{ NULL, NULL, XT_OPT_FLAG, NULL, NULL },
	};

	/* the torture has a duration of its own (--seconds) */
	xt_set_timeout(0);
	xt_set_fault_hook(on_fault);
	xt_set_fail_hook(fail_hook);
	if (xt_parse_opts(opts, argc, argv) != 0)
		usage();
	if (inj)
		inject = !strcmp(inj, "stale") ? 1 : !strcmp(inj, "lost") ? 2 :
			 !strcmp(inj, "bus") ? 3 : 0;
	if (!have_seed)
		seed = xt_time_seed();
	printf("# xpmem_stress: seed %" PRIu64 ", %.0f s, %d owners, %d "
	       "attacher processes x %d threads, segments of %d pages\n",
	       seed, seconds, NSEG, NATTP, NTHR, SEG_PAGES);
	printf("# replay: xpmem_stress --seconds %.0f --seed %" PRIu64 "\n",
	       seconds, seed);

	if (emulate) {
		/* process_vm_readv on a sibling must work (seccomp, Yama) */
		int pfd[2];
		uint64_t probe = 0x1234, got = 0;
		if (pipe(pfd) != 0)
			return 1;
		pid_t c = fork();
		if (c == 0) {
			prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
			if (write(pfd[1], "r", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
		char x;
		if (read(pfd[0], &x, 1) != 1)
			return 1;
		struct iovec l = { &got, 8 }, rr = { &probe, 8 };
		ssize_t n = process_vm_readv(c, &l, 1, &rr, 1, 0);
		int err = errno;
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
		if (n != 8 || got != 0x1234)
			xt_skip("--emulate needs process_vm_readv: %s",
				strerror(err));
	}
	if (!emulate)
		xt_require_dev();
	if ((long)sysconf(_SC_PAGESIZE) != (long)PS)
		xt_skip("page size is not 4 KiB");
	B = mmap(NULL, sizeof(*B), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (B == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	B->seed = seed;
	B->verbose = verbose;
	for (int s = 0; s < NSEG; s++) {
		B->seg[s].state = 1;	/* odd: no segment yet */
		B->seg[s].dead = 1;
	}

	for (int s = 0; s < NSEG; s++)
		pids[s] = spawn(1, s);
	for (int i = 0; i < NATTP; i++)
		pids[NSEG + i] = spawn(0, i);

	int can_compact = access("/proc/sys/vm/compact_memory", W_OK) == 0;
	double t0 = xt_now(), next_compact = t0 + 1, next_report = t0 + 30;
	int failed = 0;

	while (xt_now() - t0 < seconds && !LD(&B->failed)) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);

		if (pid > 0) {
			int who = -1;
			for (int i = 0; i < NSEG + NATTP; i++)
				if (pids[i] == pid)
					who = i;
			if (who < 0)
				continue;
			if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_RESPAWN) {
				if (who < NSEG) {
					/* the owner's context is gone */
					struct segbk *S = &B->seg[who];
					ST(&S->dead, LD(&S->state));
				}
				pids[who] = spawn(who < NSEG, who < NSEG ? who : who - NSEG);
				count(C_RESPAWN);
				continue;
			}
			say("%s %d exited unexpectedly: status 0x%x",
			    who < NSEG ? "owner" : "attacher",
			    who < NSEG ? who : who - NSEG, st);
			failed = 1;
			break;
		}
		if (can_compact && xt_now() >= next_compact) {
			int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
			if (fd >= 0) {
				if (write(fd, "1", 1) == 1)
					count(C_COMPACT);
				close(fd);
			}
			next_compact = xt_now() + 2;
		}
		if (xt_now() >= next_report) {
			printf("# %.0f s: owner writes %" PRIu64 ", page reads %"
			       PRIu64 ", page writes %" PRIu64 ", sigbus %"
			       PRIu64 "\n", xt_now() - t0,
			       LD(&B->cnt[C_O_WRITE]), LD(&B->cnt[C_A_READ]),
			       LD(&B->cnt[C_A_WRITE]), LD(&B->cnt[C_A_SIGBUS]));
			next_report = xt_now() + 30;
		}
		usleep(20000);
	}
	if (LD(&B->failed))
		failed = 1;

	/* stop everybody; they must all leave within 60 s */
	ST(&B->stop, 1);
	double t1 = xt_now();
	int left = NSEG + NATTP;
	while (left > 0 && xt_now() - t1 < 60) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid <= 0) {
			usleep(20000);
			continue;
		}
		for (int i = 0; i < NSEG + NATTP; i++) {
			if (pids[i] != pid)
				continue;
			pids[i] = 0;
			left--;
			if (!WIFEXITED(st) ||
			    (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != EXIT_RESPAWN)) {
				say("%s %d: final status 0x%x",
				    i < NSEG ? "owner" : "attacher",
				    i < NSEG ? i : i - NSEG, st);
				failed = 1;
			}
		}
	}
	if (left > 0) {
		say("%d processes did not stop within 60 s after the end", left);
		for (int i = 0; i < NSEG + NATTP; i++)
			if (pids[i] > 0) {
				char path[64], buf[256] = "";
				snprintf(path, sizeof(path), "/proc/%d/stat", pids[i]);
				int fd = open(path, O_RDONLY);
				if (fd >= 0) {
					ssize_t n = read(fd, buf, sizeof(buf) - 1);
					buf[n > 0 ? n : 0] = 0;
					close(fd);
				}
				say("  pid %d: %s", pids[i], buf);
				kill(pids[i], SIGKILL);
			}
		failed = 1;
	}

	printf("# operation counts after %.1f s:\n", xt_now() - t0);
	for (int c = 0; c < C_NR; c++)
		printf("#   %-32s %" PRIu64 "\n", cnt_name[c], LD(&B->cnt[c]));
	/* the test must have done real work */
	if (!failed && (LD(&B->cnt[C_A_READ]) == 0 || LD(&B->cnt[C_A_WRITE]) == 0 ||
			LD(&B->cnt[C_O_ACK_CHECKED]) == 0)) {
		say("no reads, writes or checked acknowledgements: nothing was tested");
		failed = 1;
	}
	if (failed) {
		printf("FAIL: xpmem_stress seed %" PRIu64 " (replay: "
		       "xpmem_stress --seconds %.0f --seed %" PRIu64 ")\n",
		       seed, seconds, seed);
		return 1;
	}
	printf("PASS: xpmem_stress seed %" PRIu64 "\n", seed);
	return 0;
}
