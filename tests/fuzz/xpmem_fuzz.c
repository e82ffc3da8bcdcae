// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem_fuzz.c - seeded, replayable fuzzer of the /dev/xpmem ioctl
 * interface (guest test).
 *
 * A worker process issues raw ioctl() calls with random and boundary
 * arguments: ids (0, -1, INT64_MIN/MAX, freed ids, another process's
 * ids, random), argument pointers (NULL, unmapped, kernel addresses,
 * misaligned, a struct crossing a page end into an unmapped page, out
 * fields on a read-only page), sizes, offsets, flags and unknown command
 * numbers, interleaved with munmap/mmap/mprotect/mremap of exported and
 * attached memory, accesses through attachments, forks (the child uses
 * the inherited descriptor), exits of a peer process owning ids, closes
 * and reopens of the device, and a SIGALRM interval timer interrupting
 * ioctls and faults.
 *
 * Checks:
 *   - every ioctl returns >= 0 or -1 with an errno of the allowed set,
 *     and the precise one where the ABI fixes it: ENOTTY for unknown
 *     commands, XPMEM_ERRNO_NOPROC for MAKE/GET on an inherited
 *     descriptor, success for VERSION/FORK_BEGIN/FORK_END, ids > 0;
 *   - GET of a segid the fuzzer removed fails;
 *   - no unexpected signal: SIGSEGV/SIGBUS only inside deliberate probes
 *     of attachments;
 *   - after the worker exits, the module's object counters (debugfs
 *     xpmem/stats, when present) are back where they started;
 *   - a final sanity phase through libxpmem: make, get, attach, data
 *     in both directions, detach, release, remove.
 *
 * Usage: xpmem_fuzz [--ops N] [--seed S] [--workers W] [--heavy-div D]
 *                   [--seconds BUDGET] [--min-ops M] [--verbose]
 *                   [--check-records]
 * (env XPMEM_FUZZ_OPS, XPMEM_FUZZ_SEED, XPMEM_FUZZ_WORKERS,
 * XPMEM_FUZZ_HEAVY_DIV, XPMEM_FUZZ_SECONDS, XPMEM_FUZZ_MIN_OPS; a budget
 * of 0 means none).
 * With a budget the run stops at N operations or at the budget, whichever
 * comes first, and reports how many it did and at what rate; it fails for
 * slowness only below the floor M (default 1: none done). Without a
 * budget all N must be done.
 * Exit 0 pass, 1 fail (seed printed), 77 skip.
 *
 * Workers: W processes (default 2, the guest's vCPUs) run in parallel,
 * each with its own descriptor, arena and peer, and share the N
 * operations. Worker i uses seed S + i; its operations and arguments
 * follow from that seed alone (and from the kernel's answers), so a
 * failure of worker i replays alone with the line printed for it:
 *   xpmem_fuzz --workers 1 --ops <its share> --seed <S + i> --heavy-div D
 * What does not replay is the interleaving of the workers.
 *
 * Fork, reopen and peer restart (tens of ms each under KASAN) are drawn
 * 1 in D times where the plain draw picks them, D = ceil(operations per
 * worker / 50000) unless --heavy-div: a long run does as many of them as
 * a 50000-operation one, the rest of its operations being cheap ones.
 * The per-kind counts and (sampled) times are printed at the end.
 */
#include "xt.h"

#include <fcntl.h>
#include <inttypes.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>

#define PS 4096UL
#define ARENA_PAGES 64
#define GUARD_PAGES 512		/* 2 MiB */
#define MAXATT 16
#define MAXIDS 64

#ifndef XPMEM_FUZZ_DEFAULT_OPS
#define XPMEM_FUZZ_DEFAULT_OPS 100000
#endif
/*
 * The operations stop early at this budget (seconds), so that one guest
 * run stays within a few minutes on slow kernels (KASAN under TCG runs
 * the fuzzer tens of times slower); the count done is printed.
 */
#ifndef XPMEM_FUZZ_DEFAULT_SECONDS
#define XPMEM_FUZZ_DEFAULT_SECONDS 240
#endif

#define LD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define ST(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

static uint64_t seed;
static long nops = -1;
/* time budget of the operations (guest clock), 0 = none */
static double max_seconds = XPMEM_FUZZ_DEFAULT_SECONDS;
/* with a budget: fewer operations than this in all fails the run */
static long min_ops = 1;
static int verbose;
static long opno;
static int worker_id;

/* ---- reporting ---------------------------------------------------------- */

#define HIST 16
static char hist[HIST][160];

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;
	char *h = hist[opno % HIST];
	int n = snprintf(h, 160, "op %ld: ", opno);

	va_start(ap, fmt);
	vsnprintf(h + n, 160 - n, fmt, ap);
	va_end(ap);
	if (verbose)
		fprintf(stderr, "%s\n", h);
}

/* XT_FAIL (tests/common) and its hook: the seed and the last operations */
#define FAIL(...) XT_FAIL(__VA_ARGS__)
static void fail_hook(const char *file, int line, const char *msg)
	__attribute__((noreturn));
static void fail_hook(const char *file, int line, const char *msg)
{
	int other = strcmp(file, __FILE__) != 0;	/* in tests/common */

	fprintf(stderr, "FAIL [pid %d] (line %d%s%s, worker %d, seed %" PRIu64
		", op %ld): %s\n", (int)getpid(), line, other ? " of " : "",
		other ? file : "", worker_id, seed, opno, msg);
	fprintf(stderr, "last operations:\n");
	for (long i = opno - HIST + 1; i <= opno; i++)
		if (i >= 0 && hist[i % HIST][0])
			fprintf(stderr, "  %s\n", hist[i % HIST]);
	_exit(1);
}

/* ---- random ------------------------------------------------------------- */

/* the worker's generator, started from its seed */
static struct xt_rng rng;

static uint64_t rnd(void)
{
	return xt_rnd(&rng);
}

static uint64_t rndn(uint64_t n)
{
	return xt_rndn(&rng, n);
}

/* ---- signals ------------------------------------------------------------ */

static volatile sig_atomic_t alarms;

/* A SIGSEGV or SIGBUS outside the probes of attachments (tests/common). */
static void on_fault(int sig, const siginfo_t *si)
{
	char msg[200];
	int n = snprintf(msg, sizeof(msg),
			 "FAIL [pid %d]: unexpected signal %d code %d addr %p "
			 "(seed %" PRIu64 ", op %ld)\n", (int)getpid(), sig,
			 si->si_code, si->si_addr, seed, opno);
	if (write(2, msg, n) < 0)
		(void)0;
	_exit(1);
}

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void install_alarm_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: ioctls see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
}

static void timer_set(long usec)
{
	struct itimerval it = {
		.it_interval = { 0, usec }, .it_value = { 0, usec },
	};
	setitimer(ITIMER_REAL, &it, NULL);
}

/* Touch one byte; 0 or the signal. */
static int probe(volatile char *p, int write)
{
	if (write)
		return xt_probe_write8((void *)p, (uint8_t)rnd());
	return xt_probe_read8((const void *)p, NULL);
}

/* ---- state -------------------------------------------------------------- */

struct idpool {
	int64_t v[MAXIDS];
	int n;
};

static void pool_add(struct idpool *p, int64_t id)
{
	if (p->n < MAXIDS)
		p->v[p->n++] = id;
	else
		p->v[rndn(MAXIDS)] = id;
}

static void pool_del(struct idpool *p, int64_t id)
{
	for (int i = 0; i < p->n; i++)
		if (p->v[i] == id) {
			p->v[i] = p->v[--p->n];
			return;
		}
}

static int pool_has(struct idpool *p, int64_t id)
{
	for (int i = 0; i < p->n; i++)
		if (p->v[i] == id)
			return 1;
	return 0;
}

struct attm {
	char *addr;
	size_t size;
	long vgen;	/* map_gen when last found exact */
};
/*
 * Bumped after every operation that may change this process's mappings
 * (all but GET, MAKE, VERSION/FORK_*, unknown commands, touches, timer),
 * and while one runs (map_busy) nothing is taken on trust: a record found
 * exact since the last bump still is.
 */
static long map_gen = 1;
static int map_busy;

static int fd = -1;
static char *arena;		/* ARENA_PAGES pages, some exported */
static char *argpage;		/* rw page for argument structs */
static char *ropage;		/* read-only page with argument structs */
static char *ropage_rw;		/* a writable view of the same page */
static char *edge;		/* last page before an unmapped page */
static char *unmapped;		/* a page-sized hole */
static struct idpool segs, freed_segs, apids, freed_apids;
/* segids of closed contexts that attachments may still keep alive */
static struct idpool stale_segs;
static int kept_old_atts;
static struct attm atts[MAXATT];
static int natts;

/* shared with the peer process */
struct peer_pub {
	int64_t segid[2];
	int64_t apid;
	int ready;
};
static struct peer_pub *PP;
static pid_t peer_pid;
static int peer_pipe = -1;

/* counters */
enum { K_VERSION, K_MAKE, K_REMOVE, K_GET, K_RELEASE, K_ATTACH, K_DETACH,
       K_FORKCMD, K_UNKNOWN, K_NR };
static const char *const kname[K_NR] = {
	"VERSION", "MAKE", "REMOVE", "GET", "RELEASE", "ATTACH", "DETACH",
	"FORK_BEGIN/END", "unknown",
};
static long k_ok[K_NR], k_err[K_NR], n_eintr, n_efault;
static long n_mm, n_fork, n_reopen, n_peer, n_touch, n_touch_sig;

/* ---- argument values ---------------------------------------------------- */

static const uint64_t kaddrs[] = {
	0xffff888000000000ULL, 0xffffffff81000000ULL, 0xffffc90000000000ULL,
	0xfffffffffffff000ULL, 0x0000800000000000ULL, 0x00007ffffffff000ULL,
};

static int64_t any_id(struct idpool *live, struct idpool *freed,
		      int64_t other)
{
	switch (rndn(14)) {
	case 0: return 0;
	case 1: return -1;
	case 2: return INT64_MIN;
	case 3: return INT64_MAX;
	case 4: return (int64_t)rnd();
	case 5: return freed->n ? freed->v[rndn(freed->n)] : 1;
	case 11: return stale_segs.n ? stale_segs.v[rndn(stale_segs.n)] : 3;
	case 6: return other;
	case 7: return (int64_t)(uint32_t)rnd();
	case 8: return live->n ? live->v[rndn(live->n)] ^ (1LL << rndn(63)) : 2;
	default: return live->n ? live->v[rndn(live->n)] : (int64_t)rndn(100);
	}
}

static uint64_t any_size(void)
{
	switch (rndn(10)) {
	case 0: return 0;
	case 1: return (uint64_t)-1;
	case 2: return rnd();
	case 3: return 1 + rndn(PS * 4);			/* unaligned */
	case 4: return (uint64_t)1 << rndn(64);
	case 5: return ((uint64_t)-1) & ~(PS - 1);
	default: return (1 + rndn(ARENA_PAGES)) * PS;
	}
}

static uint64_t any_addr(void)
{
	switch (rndn(10)) {
	case 0: return 0;
	case 1: return kaddrs[rndn(sizeof(kaddrs) / sizeof(kaddrs[0]))];
	case 2: return rnd();
	case 3: return (uintptr_t)arena + rndn(ARENA_PAGES * PS);	/* unaligned */
	case 4: return (uintptr_t)unmapped;
	case 5: return natts ? (uintptr_t)atts[rndn(natts)].addr : 0;
	default: return (uintptr_t)arena + rndn(ARENA_PAGES) * PS;
	}
}

static int64_t any_off(void)
{
	switch (rndn(8)) {
	case 0: return -1;
	case 1: return INT64_MIN;
	case 2: return (int64_t)rnd();
	case 3: return (int64_t)rndn(PS * 8);		/* unaligned */
	case 4: return INT64_MAX & ~(int64_t)(PS - 1);
	default: return (int64_t)(rndn(ARENA_PAGES) * PS);
	}
}

/*
 * Where the argument struct of `size` bytes goes; the struct is built at
 * *build (writable) and the pointer passed is returned. kind tells the
 * caller not to expect success.
 */
enum { P_GOOD, P_NULL, P_UNMAPPED, P_KERNEL, P_MISALIGNED, P_EDGE, P_RO };
static void *arg_ptr(const void *s, size_t size, int *kind)
{
	unsigned k = rndn(20);

	if (k < 12) {
		*kind = P_GOOD;
		memcpy(argpage, s, size);
		return argpage;
	}
	switch (k) {
	case 12: *kind = P_NULL; return NULL;
	case 13: *kind = P_UNMAPPED; return unmapped + rndn(PS);
	case 14:
		*kind = P_KERNEL;
		return (void *)(uintptr_t)kaddrs[rndn(sizeof(kaddrs) / sizeof(kaddrs[0]))];
	case 15: case 16: {
		char *p = argpage + 1 + rndn(7);
		*kind = P_MISALIGNED;
		memcpy(p, s, size);
		return p;
	}
	case 17: case 18: {
		/* starts within the last bytes of a page, ends in a hole */
		size_t in = 1 + rndn(size - 1);
		char *p = edge + PS - in;
		*kind = P_EDGE;
		memcpy(p, s, in);
		return p;
	}
	default: {
		/* the in fields are readable, the out field is not writable */
		size_t o = rndn(8) * 64;
		*kind = P_RO;
		/* written through the writable view of the same page */
		memcpy(ropage_rw + o, s, size);
		return ropage + o;
	}
	}
}

/*
 * Is the hole still unmapped? Something may have been placed there since
 * (CI saw an ATTACH through a P_EDGE pointer succeed once on 7.3, the
 * rest of the struct then being readable): a pointer into the hole is
 * only bad while the hole is empty.
 */
static int hole_empty(void)
{
	unsigned char v;

	return mincore(unmapped, PS, &v) != 0 && errno == ENOMEM;
}

static void forget_att(int i);
static void unmap_att(int i);

/* What maps the hole (from /proc/self/maps), and empty it if it is ours. */
static void hole_filled(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    lo <= (uintptr_t)unmapped && (uintptr_t)unmapped < hi)
			printf("# the hole %p is mapped: %s", unmapped, line);
	}
	if (f)
		fclose(f);
	for (int i = 0; i < natts; i++)
		if (atts[i].addr <= unmapped &&
		    unmapped < atts[i].addr + atts[i].size) {
			unmap_att(i);
			break;
		}
}

/* Should a command given an argument pointer of this kind have failed? */
static int ptr_bad(int kind)
{
	if (kind == P_GOOD || kind == P_MISALIGNED)
		return 0;
	if ((kind == P_EDGE || kind == P_UNMAPPED) && !hole_empty()) {
		hole_filled();
		return 0;
	}
	return 1;
}

/* ---- the ioctl and its check -------------------------------------------- */

static int in_child;		/* a fork child using the parent's descriptor */

static int allowed_errno(int e)
{
	switch (e) {
	case EINVAL: case EFAULT: case ENOENT: case EACCES: case EPERM:
	case ENOTTY: case ENOMEM: case EEXIST: case ENOSPC: case EBUSY:
	case EINTR: case EOVERFLOW: case ERANGE: case E2BIG: case ENODEV:
	case EAGAIN:
	case XPMEM_ERRNO_NOPROC:
		return 1;
	}
	return 0;
}

static long do_ioctl(int k, unsigned long cmd, void *arg, int *err)
{
	long r;

	errno = 0;
	r = ioctl(fd, cmd, arg);
	*err = r < 0 ? errno : 0;
	if (r < 0) {
		k_err[k]++;
		if (r != -1)
			FAIL("ioctl 0x%lx returned %ld", cmd, r);
		if (!allowed_errno(*err))
			FAIL("ioctl 0x%lx (%s): errno %d (%s) not in the allowed "
			     "set", cmd, kname[k], *err, strerror(*err));
		if (*err == EINTR)
			n_eintr++;
		if (*err == EFAULT)
			n_efault++;
		if (*err == XPMEM_ERRNO_NOPROC && !in_child)
			FAIL("ioctl 0x%lx (%s): XPMEM_ERRNO_NOPROC in the "
			     "process that opened the descriptor", cmd, kname[k]);
		if (*err == ENOTTY && k != K_UNKNOWN)
			FAIL("ioctl 0x%lx (%s): ENOTTY for a known command",
			     cmd, kname[k]);
	} else {
		k_ok[k]++;
	}
	return r;
}

/* ---- operations --------------------------------------------------------- */

/*
 * A new live segid or apid. The pools are bounded: when one is full, the
 * id it drops is really removed or released first, so that no id of ours
 * is alive without the fuzzer knowing it (one later picked from the freed
 * ids or by a flipped bit would "succeed" where it must not). Apids are
 * numbered per context, so after a reopen they repeat old ones.
 */
static void live_add(struct idpool *p, int64_t id)
{
	if (p->n == MAXIDS) {
		int i = rndn(MAXIDS), e;
		int64_t old = p->v[i];
		long r;
		if (p == &segs) {
			struct xpmem_cmd_remove m = { .segid = old };
			while ((r = do_ioctl(K_REMOVE, XPMEM_CMD_REMOVE, &m, &e)) < 0 &&
			       e == EINTR)
				;
			pool_add(&freed_segs, old);
		} else {
			struct xpmem_cmd_release m = { .apid = old };
			while ((r = do_ioctl(K_RELEASE, XPMEM_CMD_RELEASE, &m, &e)) < 0 &&
			       e == EINTR)
				;
			pool_add(&freed_apids, old);
		}
		note("pool full: %s %" PRId64 " -> %ld %d",
		     p == &segs ? "REMOVE" : "RELEASE", old, r, e);
		if (r != 0)
			FAIL("%s of our live id %" PRId64 " failed: errno %d",
			     p == &segs ? "REMOVE" : "RELEASE", old, e);
		p->v[i] = p->v[--p->n];
		map_gen++;	/* did the release take attachments along? */
	}
	pool_add(p, id);
}

static void op_make(void)
{
	struct xpmem_cmd_make m = {
		.vaddr = any_addr(), .size = any_size(),
		.permit_type = rndn(8) ? XPMEM_PERMIT_MODE : (int32_t)rnd(),
		.__pad0 = rndn(4) ? 0 : (uint32_t)rnd(),
		.permit_value = rndn(8) ? (rndn(2) ? 0600 : 0666) : rnd(),
		.segid = (int64_t)rnd(),
	};
	int kind, e;

	if (rndn(6) == 0) {
		/* the whole address space (clients do this) */
		m.vaddr = 0;
		m.size = XPMEM_MAXADDR_SIZE;
	}
	void *p = arg_ptr(&m, sizeof(m), &kind);
	long r = do_ioctl(K_MAKE, XPMEM_CMD_MAKE, p, &e);
	note("MAKE vaddr 0x%llx size 0x%llx type %d value 0%llo ptr kind %d -> %ld %d",
	     (unsigned long long)m.vaddr, (unsigned long long)m.size,
	     m.permit_type, (unsigned long long)m.permit_value, kind, r, e);
	if (r == 0) {
		if (in_child)
			FAIL("MAKE succeeded on an inherited descriptor");
		if (ptr_bad(kind))
			FAIL("MAKE succeeded with a bad argument pointer (kind %d)", kind);
		int64_t id = ((struct xpmem_cmd_make *)p)->segid;
		if (id <= 0)
			FAIL("MAKE returned segid %" PRId64, id);
		if (m.permit_type != XPMEM_PERMIT_MODE || m.permit_value & ~0777ULL)
			FAIL("MAKE accepted permit type %d value 0%llo",
			     m.permit_type, (unsigned long long)m.permit_value);
		live_add(&segs, id);
	} else if (in_child && e != XPMEM_ERRNO_NOPROC) {
		FAIL("MAKE on an inherited descriptor: errno %d, expected %d",
		     e, XPMEM_ERRNO_NOPROC);
	}
}

static void op_remove(void)
{
	struct xpmem_cmd_remove m = {
		.segid = any_id(&segs, &freed_segs, PP->segid[rndn(2)]),
	};
	int kind, e;
	void *p = arg_ptr(&m, sizeof(m), &kind);
	long r = do_ioctl(K_REMOVE, XPMEM_CMD_REMOVE, p, &e);

	note("REMOVE %" PRId64 " ptr kind %d -> %ld %d", (int64_t)m.segid, kind, r, e);
	if (r == 0) {
		if (in_child)
			FAIL("REMOVE succeeded on an inherited descriptor");
		if (!pool_has(&segs, m.segid))
			FAIL("REMOVE of segid %" PRId64 " succeeded: not ours "
			     "or already removed", (int64_t)m.segid);
		pool_del(&segs, m.segid);
		pool_add(&freed_segs, m.segid);
	}
}

static void op_get(void)
{
	static const int32_t flags[] = { XPMEM_RDWR, XPMEM_RDONLY, 0, 3, -1, 4 };
	struct xpmem_cmd_get m = {
		.segid = any_id(&segs, &freed_segs, PP->segid[rndn(2)]),
		.flags = rndn(4) ? flags[rndn(2)] : (rndn(2) ? flags[rndn(6)] : (int32_t)rnd()),
		.permit_type = rndn(2) ? XPMEM_PERMIT_MODE : (int32_t)rnd(),
		.permit_value = rndn(2) ? 0 : rnd(),
		.apid = (int64_t)rnd(),
	};
	int kind, e;
	void *p = arg_ptr(&m, sizeof(m), &kind);
	long r = do_ioctl(K_GET, XPMEM_CMD_GET, p, &e);

	note("GET %" PRId64 " flags %d ptr kind %d -> %ld %d", (int64_t)m.segid,
	     m.flags, kind, r, e);
	if (r == 0) {
		if (in_child)
			FAIL("GET succeeded on an inherited descriptor");
		if (ptr_bad(kind))
			FAIL("GET succeeded with a bad argument pointer (kind %d)", kind);
		if (m.flags != XPMEM_RDWR && m.flags != XPMEM_RDONLY)
			FAIL("GET accepted flags %d", m.flags);
		if (m.permit_type != XPMEM_PERMIT_MODE)
			FAIL("GET accepted permit type %d", m.permit_type);
		if (pool_has(&freed_segs, m.segid))
			FAIL("GET of removed segid %" PRId64 " succeeded",
			     (int64_t)m.segid);
		int64_t id = ((struct xpmem_cmd_get *)p)->apid;
		if (id <= 0)
			FAIL("GET returned apid %" PRId64, id);
		live_add(&apids, id);
	} else if (in_child && e != XPMEM_ERRNO_NOPROC) {
		FAIL("GET on an inherited descriptor: errno %d, expected %d",
		     e, XPMEM_ERRNO_NOPROC);
	}
}

static void op_release(void)
{
	struct xpmem_cmd_release m = {
		.apid = any_id(&apids, &freed_apids, PP->apid),
	};
	int kind, e;
	void *p = arg_ptr(&m, sizeof(m), &kind);
	long r = do_ioctl(K_RELEASE, XPMEM_CMD_RELEASE, p, &e);

	note("RELEASE %" PRId64 " ptr kind %d -> %ld %d", (int64_t)m.apid, kind, r, e);
	if (r == 0) {
		if (in_child)
			FAIL("RELEASE succeeded on an inherited descriptor");
		if (!pool_has(&apids, m.apid))
			FAIL("RELEASE of apid %" PRId64 " succeeded: not ours "
			     "or already released", (int64_t)m.apid);
		pool_del(&apids, m.apid);
		pool_add(&freed_apids, m.apid);
	}
}

/*
 * The mapping of /dev/xpmem (an attachment) containing addr: 1 with its
 * bounds, else 0.
 */
static long n_maps;

static int xpmem_vma(const void *addr, uintptr_t *lo_out, uintptr_t *hi_out)
{
	n_maps++;
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    (uintptr_t)addr >= lo && (uintptr_t)addr < hi &&
		    strstr(line, "xpmem")) {
			found = 1;
			if (lo_out)
				*lo_out = lo;
			if (hi_out)
				*hi_out = hi;
		}
	}
	fclose(f);
	return found;
}

static int xpmem_vma_at(const void *addr)
{
	return xpmem_vma(addr, NULL, NULL);
}

static long n_stale;
/* --check-records: verify every record after every operation (slow) */
static int check_records;

/*
 * /proc/self/map_files/<lo>-<hi> exists exactly when one mapping of a
 * file spans [lo, hi): one readlink instead of reading and parsing the
 * whole of /proc/self/maps (milliseconds under KASAN). Looking it up
 * needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE; without, maps it is.
 */
static int map_files_ok = 1;

static int att_record_ok_maps(int i)
{
	uintptr_t lo, hi;

	return xpmem_vma(atts[i].addr, &lo, &hi) &&
	       lo == (uintptr_t)atts[i].addr &&
	       hi == (uintptr_t)atts[i].addr + atts[i].size;
}

static int att_record_ok_fast(int i);

/*
 * Does record i still describe exactly one attachment VMA? Every 64th
 * answer of the fast path is compared with /proc/self/maps.
 */
static int timing;		/* the current operation is timed */
static long n_rec_timed;
static double t_rec;

static long n_rec_trusted;

static int att_record_ok(int i)
{
	static long calls;

	if (!map_busy && atts[i].vgen == map_gen) {
		n_rec_trusted++;
		return 1;
	}
	if (!map_files_ok)
		return att_record_ok_maps(i) && (atts[i].vgen = map_gen);
	double t = timing ? xt_now() : 0;
	int r = att_record_ok_fast(i);
	if (timing) {
		t_rec += xt_now() - t;
		n_rec_timed++;
	}
	if (map_files_ok && calls++ % 64 == 0 && r != att_record_ok_maps(i))
		FAIL("/proc/self/map_files and /proc/self/maps disagree about "
		     "%p+0x%zx", atts[i].addr, atts[i].size);
	if (r)
		atts[i].vgen = map_gen;
	return r;
}

static int att_record_ok_fast(int i)
{
	{
		char path[64], link[64];
		snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
			 (unsigned long)(uintptr_t)atts[i].addr,
			 (unsigned long)((uintptr_t)atts[i].addr + atts[i].size));
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n >= 0) {
			link[n] = 0;
			/* the test of /proc/self/maps: the file's name */
			return strstr(link, "xpmem") != NULL;
		}
		if (errno == ENOENT)
			return 0;
		map_files_ok = 0;	/* EPERM: no capability */
	}
	return att_record_ok_maps(i);
}

static void forget_att(int i)
{
	atts[i] = atts[--natts];
}

/*
 * A successful munmap/mmap/mremap over [a, a+len) removed every
 * attachment it touched (they cannot be split, so it covered them).
 */
/*
 * munmap the attachment of record i, only if the record is still exact
 * (a stale record could name memory the fuzzer itself uses); forget it.
 */
static void unmap_att(int i)
{
	if (att_record_ok(i)) {
		if (munmap(atts[i].addr, atts[i].size) != 0)
			FAIL("munmap of a whole attachment: %m");
	} else {
		n_stale++;
		note("stale attachment record %p+0x%zx", atts[i].addr,
		     atts[i].size);
	}
	forget_att(i);
}

static void forget_overlapping(char *a, size_t len)
{
	for (int i = 0; i < natts; i++)
		if (atts[i].addr < a + len && a < atts[i].addr + atts[i].size)
			forget_att(i--);
}

static void op_attach(void)
{
	struct xpmem_cmd_attach m = {
		.apid = any_id(&apids, &freed_apids, PP->apid),
		.offset = any_off(),
		.size = rndn(3) ? (1 + rndn(16)) * PS : any_size(),
		.vaddr = rndn(3) ? 0 : any_addr(),
		.fd = rndn(2) ? fd : (int32_t)rnd(),
		.flags = rndn(2) ? 0 : (int32_t)rnd(),
	};
	int kind, e;

	if (rndn(2) && apids.n) {
		/* a plausible request, to reach the mapped states often */
		m.apid = apids.v[rndn(apids.n)];
		m.offset = (int64_t)(rndn(4) * PS + (rndn(8) ? 0 : rndn(PS)));
		m.size = (1 + rndn(4)) * PS;
		m.vaddr = 0;
	}
	if (natts >= MAXATT) {
		int i = rndn(natts);
		note("munmap attachment %p (full)", atts[i].addr);
		unmap_att(i);
	}
	void *p = arg_ptr(&m, sizeof(m), &kind);
	long r = do_ioctl(K_ATTACH, XPMEM_CMD_ATTACH, p, &e);

	note("ATTACH apid %" PRId64 " off 0x%llx size 0x%llx vaddr 0x%llx ptr kind %d -> %ld %d",
	     (int64_t)m.apid, (unsigned long long)m.offset,
	     (unsigned long long)m.size, (unsigned long long)m.vaddr, kind, r, e);
	if (r == 0) {
		if (in_child)
			FAIL("ATTACH succeeded on an inherited descriptor");
		uint64_t va = ((struct xpmem_cmd_attach *)p)->vaddr;
		if (ptr_bad(kind)) {
			/* the mapping exists but the address was lost */
			FAIL("ATTACH succeeded with a bad argument pointer "
			     "(kind %d)", kind);
		}
		/* the address of the offset: page base + offset in page */
		/*
		 * Above 47 bits only on 5-level paging and only when asked
		 * for (the kernel's rule for mmap hints); never beyond 56.
		 */
		if (!va || ((va - (uint64_t)m.offset) & (PS - 1)) ||
		    va >= (1ULL << 56) ||
		    (va >= (1ULL << 47) && m.vaddr < (1ULL << 47)))
			FAIL("ATTACH returned address 0x%llx (asked 0x%llx)",
			     (unsigned long long)va,
			     (unsigned long long)m.vaddr);
		if (!pool_has(&apids, m.apid))
			FAIL("ATTACH with apid %" PRId64 " succeeded: not ours",
			     (int64_t)m.apid);
		atts[natts].addr = (char *)(uintptr_t)(va & ~(PS - 1));
		atts[natts].size = ((m.offset & (PS - 1)) + m.size + PS - 1) &
				   ~(PS - 1);
		atts[natts].vgen = 0;
		natts++;
		/*
		 * A one-page attachment may land in the hole kept for bad
		 * argument pointers: unmapped again at once.
		 */
		if (atts[natts - 1].addr <= unmapped &&
		    unmapped < atts[natts - 1].addr + atts[natts - 1].size) {
			note("attachment in the hole %p: unmapped", unmapped);
			unmap_att(natts - 1);
		}
	}
}

static void op_detach(void)
{
	struct xpmem_cmd_detach m;
	int kind, e, which = -1;

	if (natts && rndn(3)) {
		which = rndn(natts);
		m.vaddr = (uintptr_t)atts[which].addr + rndn(atts[which].size);
	} else {
		m.vaddr = any_addr();
	}
	void *p = arg_ptr(&m, sizeof(m), &kind);
	long r = do_ioctl(K_DETACH, XPMEM_CMD_DETACH, p, &e);

	note("DETACH 0x%llx ptr kind %d -> %ld %d", (unsigned long long)m.vaddr,
	     kind, r, e);
	if (r == 0 && in_child)
		FAIL("DETACH succeeded on an inherited descriptor");
	if (r == 0 && which >= 0)
		forget_att(which);
	/* a successful detach of another address: forget what covers it */
	if (r == 0)
		for (int i = 0; i < natts; i++)
			if (m.vaddr >= (uintptr_t)atts[i].addr &&
			    m.vaddr < (uintptr_t)atts[i].addr + atts[i].size)
				forget_att(i);
}

static void op_simple(void)
{
	int e;
	unsigned c = rndn(3);
	void *arg = (void *)(uintptr_t)(rndn(2) ? 0 : rnd());

	if (c == 0) {
		long v = do_ioctl(K_VERSION, XPMEM_CMD_VERSION, arg, &e);
		note("VERSION -> %ld %d", v, e);
		if (v <= 0)
			FAIL("VERSION returned %ld errno %d", v, e);
	} else {
		unsigned long cmd = c == 1 ? XPMEM_CMD_FORK_BEGIN : XPMEM_CMD_FORK_END;
		long r = do_ioctl(K_FORKCMD, cmd, arg, &e);
		note("FORK_%s -> %ld %d", c == 1 ? "BEGIN" : "END", r, e);
		if (r != 0 && e != EINTR)
			FAIL("FORK_BEGIN/END returned %ld errno %d", r, e);
	}
}

static void op_unknown(void)
{
	unsigned long cmd;
	int kind, e;

	switch (rndn(6)) {
	case 0: cmd = _IO('x', 9 + rndn(247)); break;
	case 1: cmd = _IOWR('x', rndn(16), 8 * (1 + rndn(8))); break;
	case 2: cmd = _IOR('x', rndn(16), 8 * (1 + rndn(8))); break;
	case 3: cmd = _IOW('x', rndn(16), 8 * (1 + rndn(8))); break;
	case 4: cmd = (uint32_t)rnd(); break;
	default: cmd = _IO(rndn(256), rndn(16)); break;
	}
	if (cmd >= XPMEM_CMD_VERSION && cmd <= XPMEM_CMD_FORK_END)
		cmd += 0x100;
	uint64_t junk[8];
	for (int i = 0; i < 8; i++)
		junk[i] = rnd();
	void *p = arg_ptr(junk, sizeof(junk), &kind);
	long r = do_ioctl(K_UNKNOWN, cmd, p, &e);
	note("unknown cmd 0x%lx -> %ld %d", cmd, r, e);
	/*
	 * The VFS answers some commands itself before the driver sees them
	 * (FIOCLEX, FIONBIO, FIBMAP, FIGETBSZ, FICLONE, FS_IOC_*...): their
	 * types are not checked for ENOTTY.
	 */
	unsigned type = (cmd >> 8) & 0xff;
	if (type == 0x54 || type == 0 || type == 0x94 || type == 'f' ||
	    type == 'X' || type == 0x15)
		return;
	if (r == 0 || (e != ENOTTY && e != EINTR))
		FAIL("unknown command 0x%lx: returned %ld errno %d, expected "
		     "ENOTTY", cmd, r, e);
}

/* munmap/mmap/mprotect/mremap of arena (exported) and attachment pages */
static void op_mm(void)
{
	n_mm++;
	unsigned p0 = rndn(ARENA_PAGES), n = 1 + rndn(8);
	if (p0 + n > ARENA_PAGES)
		n = ARENA_PAGES - p0;
	char *a = arena + p0 * PS;

	switch (rndn(9)) {
	case 0:
		note("munmap arena %u+%u", p0, n);
		if (munmap(a, n * PS) == 0)
			forget_overlapping(a, n * PS);
		break;
	case 1:
		/*
		 * May fail (ENOMEM, EINVAL) where an attachment landed in a
		 * hole of the arena: attachments cannot be split.
		 */
		if (mmap(a, n * PS, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == a) {
			note("mmap fixed arena %u+%u", p0, n);
			forget_overlapping(a, n * PS);
			memset(a, (int)p0, n * PS);
		} else {
			note("mmap fixed arena %u+%u: %d", p0, n, errno);
		}
		break;
	case 2:
		note("mprotect arena %u+%u", p0, n);
		mprotect(a, n * PS, rndn(2) ? PROT_READ : rndn(2) ? PROT_NONE :
			 PROT_READ | PROT_WRITE);
		break;
	case 3: {
		/* swap two arena ranges by mremap through the hole page */
		unsigned q0 = rndn(ARENA_PAGES - n + 1);
		note("mremap arena %u+%u -> %u", p0, n, q0);
		if (mremap(a, n * PS, n * PS, MREMAP_MAYMOVE | MREMAP_FIXED,
			   arena + q0 * PS) != MAP_FAILED) {
			forget_overlapping(a, n * PS);
			forget_overlapping(arena + q0 * PS, n * PS);
		} else {
			/*
			 * mremap unmaps the destination before it checks the
			 * source: attachments there may be gone even so.
			 */
			for (int i = 0; i < natts; i++)
				if (atts[i].addr < arena + (q0 + n) * PS &&
				    arena + q0 * PS < atts[i].addr + atts[i].size &&
				    !att_record_ok(i))
					forget_att(i--);
		}
		break;
	}
	case 4:
		note("madvise dontneed arena %u+%u", p0, n);
		madvise(a, n * PS, MADV_DONTNEED);
		break;
	case 5: {
		/* mmap of the device itself is only for ATTACH */
		void *r = mmap(NULL, PS * (1 + rndn(4)), PROT_READ |
			       (rndn(2) ? PROT_WRITE : 0),
			       rndn(2) ? MAP_SHARED : MAP_PRIVATE, fd,
			       (off_t)rndn(4) * PS);
		note("mmap /dev/xpmem -> %p %d", r, errno);
		if (r != MAP_FAILED)
			FAIL("mmap of /dev/xpmem outside ATTACH succeeded");
		break;
	}
	default:
		if (!natts)
			break;
		int i = rndn(natts);
		size_t off = rndn(atts[i].size / PS) * PS;
		char *b = atts[i].addr + off;
		/*
		 * Our records can go stale (an attachment removed by an mm
		 * operation we could not attribute); the checks below need
		 * an exact one, so verify it against /proc first.
		 */
		if (!att_record_ok(i)) {
			note("stale attachment record %p+0x%zx", atts[i].addr,
			     atts[i].size);
			n_stale++;
			forget_att(i);
			break;
		}
		switch (rndn(5)) {
		case 0: {
			/* one page: refused unless the attachment is one page
			 * (attachments cannot be split) */
			int r = munmap(b, PS);
			note("munmap attachment page %p -> %d", b, r);
			if (r == 0 && atts[i].size == PS) {
				forget_att(i);
			} else if (r == 0) {
				/* the record was exact: is the rest left? */
				for (size_t o = 0; o < atts[i].size; o += PS)
					if (atts[i].addr + o != b &&
					    xpmem_vma_at(atts[i].addr + o))
						FAIL("munmap of one page of a "
						     "%zu-byte attachment succeeded "
						     "and the rest is still mapped: "
						     "it was split", atts[i].size);
				FAIL("munmap of one page of a %zu-byte "
				     "attachment removed all of it",
				     atts[i].size);
			}
			break;
		}
		case 4:
			note("munmap attachment %p+0x%zx", atts[i].addr, atts[i].size);
			unmap_att(i);
			break;
		case 1:
			note("mprotect attachment %p", b);
			mprotect(b, PS, rndn(2) ? PROT_READ : PROT_READ | PROT_WRITE);
			break;
		case 2: {
			note("mremap attachment %p", atts[i].addr);
			void *r = mremap(atts[i].addr, atts[i].size,
					 atts[i].size + PS, MREMAP_MAYMOVE);
			if (r != MAP_FAILED) {
				atts[i].addr = r;
				atts[i].size += PS;
			}
			break;
		}
		default:
			note("madvise attachment %p", b);
			madvise(b, PS, rndn(2) ? MADV_DONTNEED : MADV_COLD);
			break;
		}
	}
}

/* Access an attachment: any of data, SIGBUS or SIGSEGV, never a crash. */
static void op_touch(void)
{
	if (!natts)
		return;
	int i = rndn(natts);
	volatile char *p = atts[i].addr + rndn(atts[i].size);
	int wr = rndn(2);
	/*
	 * Never write through a stale record: it may be our own memory now.
	 * A read of whatever is there is harmless (a fault is caught).
	 */
	if (wr && !att_record_ok(i)) {
		n_stale++;
		note("stale attachment record %p+0x%zx", atts[i].addr,
		     atts[i].size);
		forget_att(i);
		return;
	}
	int sig = probe(p, wr);

	note("touch %p -> signal %d", (void *)p, sig);
	n_touch++;
	if (sig)
		n_touch_sig++;
}

static void op_reopen(void)
{
	n_reopen++;
	note("close and reopen the device");
	if (rndn(2)) {
		/* the new descriptor of the same open file keeps the ids */
		int d = dup(fd);
		if (d < 0)
			FAIL("dup: %m");
		close(fd);
		fd = d;
		return;
	}
	close(fd);
	fd = open("/dev/xpmem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		FAIL("reopen /dev/xpmem: %m");
	/*
	 * The old context's attachments stay mapped (each VMA holds the
	 * file, so the context and its segments live on): unmap them, or
	 * not. Only when no attachment of any earlier context can be left
	 * are the old segids really gone.
	 */
	if (rndn(2)) {
		while (natts)
			unmap_att(0);
	}
	struct idpool *to = natts || kept_old_atts ? &stale_segs : &freed_segs;
	for (int i = 0; i < segs.n; i++)
		pool_add(to, segs.v[i]);
	for (int i = 0; i < apids.n; i++)
		pool_add(&freed_apids, apids.v[i]);
	segs.n = apids.n = 0;
	if (natts)
		kept_old_atts = 1;
}

static void one_op(void);

/* fork: the child uses the inherited descriptor, then exits */
static void op_fork(void)
{
	n_fork++;
	note("fork");
	pid_t pid = fork();
	if (pid < 0)
		FAIL("fork: %m");
	if (pid == 0) {
		timer_set(0);
		in_child = 1;
		natts = 0;	/* attachments are not inherited */
		int n = rndn(20);
		for (int i = 0; i < n; i++)
			one_op();
		_exit(0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			FAIL("waitpid: %m");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL("fork child: status 0x%x", st);
}

/* The peer: another process owning two segments and a permit. */
static void peer_start(void)
{
	int pfd[2], rfd[2];

	if (pipe(pfd) != 0 || pipe(rfd) != 0)
		FAIL("pipe: %m");
	ST(&PP->ready, 0);
	peer_pid = fork();
	if (peer_pid < 0)
		FAIL("fork: %m");
	if (peer_pid == 0) {
		char c;
		timer_set(0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pfd[1]);
		close(rfd[0]);
		close(fd);
		int pf = open("/dev/xpmem", O_RDWR | O_CLOEXEC);
		char *mem = mmap(NULL, 16 * PS, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (pf < 0 || mem == MAP_FAILED)
			_exit(1);
		memset(mem, 0x5a, 16 * PS);
		for (int i = 0; i < 2; i++) {
			struct xpmem_cmd_make m = {
				.vaddr = (uintptr_t)mem + i * 8 * PS,
				.size = 8 * PS, .permit_type = XPMEM_PERMIT_MODE,
				.permit_value = i ? 0600 : 0666,
			};
			if (ioctl(pf, XPMEM_CMD_MAKE, &m) != 0)
				_exit(1);
			PP->segid[i] = m.segid;
		}
		struct xpmem_cmd_get g = { .segid = PP->segid[0], .flags = XPMEM_RDWR,
					  .permit_type = XPMEM_PERMIT_MODE };
		if (ioctl(pf, XPMEM_CMD_GET, &g) != 0)
			_exit(1);
		PP->apid = g.apid;
		ST(&PP->ready, 1);
		if (write(rfd[1], "r", 1) != 1)
			_exit(1);
		close(rfd[1]);
		/* wait for the end (EOF) */
		while (read(pfd[0], &c, 1) != 0)
			;
		_exit(0);
	}
	close(pfd[0]);
	close(rfd[1]);
	peer_pipe = pfd[1];
	/* a byte when it is ready, EOF if it died first */
	char c;
	ssize_t n;
	while ((n = read(rfd[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(rfd[0]);
	if (n != 1 || !LD(&PP->ready)) {
		int st = 0;
		waitpid(peer_pid, &st, 0);
		FAIL("peer died at start: status 0x%x", st);
	}
	n_peer++;
}

static void peer_stop(void)
{
	int st;

	close(peer_pipe);
	while (waitpid(peer_pid, &st, 0) < 0)
		if (errno != EINTR)
			FAIL("waitpid peer: %m");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL("peer: status 0x%x", st);
	/* its ids are stale now (kept in PP as "freed ids of another process") */
}

/* operation kinds, for the per-kind counts and times */
enum { O_MAKE, O_REMOVE, O_GET, O_RELEASE, O_ATTACH, O_DETACH, O_SIMPLE,
       O_UNKNOWN, O_MM, O_TOUCH, O_FORK, O_REOPEN, O_PEER, O_TIMER,
       O_MAKEGET, O_NR };
static const char *const oname[O_NR] = {
	"make", "remove", "get", "release", "attach", "detach",
	"version/fork-cmd", "unknown-cmd", "mm", "touch", "fork", "reopen",
	"peer-restart", "timer", "make+get",
};
static long o_cnt[O_NR], o_timed[O_NR];
static double o_sec[O_NR];

static void op_makeget(void)
{
	/* export some of the arena the regular way, to get real ids */
	struct xpmem_cmd_make m = {
		.vaddr = (uintptr_t)arena + rndn(ARENA_PAGES / 2) * PS,
		.size = (1 + rndn(ARENA_PAGES / 2)) * PS,
		.permit_type = XPMEM_PERMIT_MODE, .permit_value = 0666,
	};
	int e;
	if (do_ioctl(K_MAKE, XPMEM_CMD_MAKE, &m, &e) == 0) {
		live_add(&segs, m.segid);
		struct xpmem_cmd_get g = { .segid = m.segid, .flags = XPMEM_RDWR,
					  .permit_type = XPMEM_PERMIT_MODE };
		if (do_ioctl(K_GET, XPMEM_CMD_GET, &g, &e) == 0)
			live_add(&apids, g.apid);
	}
	note("make+get -> errno %d", e);
}

static void op_timer(void)
{
	long us = rndn(3) ? 0 : 500 + rndn(5000);
	note("timer %ld us", us);
	timer_set(us);
}

static void op_peer(void)
{
	note("peer restart");
	peer_stop();
	peer_start();
}

/*
 * Fork, reopen and peer restart cost tens of milliseconds each on a
 * KASAN+lockdep kernel under TCG, a hundred times a plain ioctl. A worker
 * doing more than HEAVY_SPAN operations draws them 1 in heavy_div times
 * (heavy_div = ceil(its operations / HEAVY_SPAN); the other draws pick a
 * cheap operation), so a long run does as many of them as a run of
 * HEAVY_SPAN operations per worker: bounded per run, not per operation,
 * and still decided by the seed alone.
 */
#define HEAVY_SPAN 50000
static long heavy_div = 0;	/* 0: from the number of operations */

/* Per-kind times are measured on every 16th cheap operation (and every
 * heavy one) and scaled: the guest clock (HPET under TCG) is a syscall. */
#define TSAMPLE 16

static void one_op(void)
{
	unsigned k = rndn(1000);
	int o;

	if (in_child && k >= 960)
		return;
	if (k >= 960 && k < 981 && heavy_div > 1 && rndn(heavy_div))
		k = rndn(960);		/* thinned: a cheap operation instead */
	if (k < 110) o = O_MAKE;
	else if (k < 170) o = O_REMOVE;
	else if (k < 320) o = O_GET;
	else if (k < 370) o = O_RELEASE;
	else if (k < 550) o = O_ATTACH;
	else if (k < 640) o = O_DETACH;
	else if (k < 680) o = O_SIMPLE;
	else if (k < 760) o = O_UNKNOWN;
	else if (k < 850) o = O_MM;
	else if (k < 960) o = O_TOUCH;
	else if (k < 970) o = O_FORK;
	else if (k < 978) o = O_REOPEN;
	else if (k < 981) o = O_PEER;
	else if (k < 990) o = O_TIMER;
	else o = O_MAKEGET;

	int timed = !in_child && (o == O_FORK || o == O_REOPEN ||
				  o == O_PEER || opno % TSAMPLE == 0);
	double t = timed ? xt_now() : 0;
	timing = timed;
	int maps_op = o != O_GET && o != O_MAKE && o != O_SIMPLE &&
		      o != O_UNKNOWN && o != O_TOUCH && o != O_TIMER &&
		      o != O_MAKEGET;
	map_busy = maps_op;
	switch (o) {
	case O_MAKE: op_make(); break;
	case O_REMOVE: op_remove(); break;
	case O_GET: op_get(); break;
	case O_RELEASE: op_release(); break;
	case O_ATTACH: op_attach(); break;
	case O_DETACH: op_detach(); break;
	case O_SIMPLE: op_simple(); break;
	case O_UNKNOWN: op_unknown(); break;
	case O_MM: op_mm(); break;
	case O_TOUCH: op_touch(); break;
	case O_FORK: op_fork(); break;
	case O_REOPEN: op_reopen(); break;
	case O_PEER: op_peer(); break;
	case O_TIMER: op_timer(); break;
	default: op_makeget(); break;
	}
	timing = 0;
	map_busy = 0;
	if (maps_op)
		map_gen++;
	if (!in_child) {
		o_cnt[o]++;
		if (timed) {
			o_sec[o] += xt_now() - t;
			o_timed[o]++;
		}
	}
}

/* What a worker reports to the main process (shared memory). */
struct wreport {
	uint64_t seed;
	long ops, done, heavy_div;
	double secs;
	long k_ok[K_NR], k_err[K_NR];
	long o_cnt[O_NR], o_timed[O_NR];
	double o_sec[O_NR];
	long eintr, efault, forks, reopens, peers, touches, touch_sig, alarms,
	     stale, maps_reads, rec_timed, rec_trusted;
	double rec_sec;
	int finished;
};
static struct wreport *rep;	/* this worker's slot */
#ifndef XPMEM_FUZZ_DEFAULT_WORKERS
#define XPMEM_FUZZ_DEFAULT_WORKERS 2
#endif
static int nworkers = XPMEM_FUZZ_DEFAULT_WORKERS;

static void print_report(const char *who, const struct wreport *r)
{
	printf("# %s: %ld operations in %.1f s: %.0f ops/s (seed %" PRIu64
	       ", heavy 1/%ld)\n", who, r->done, r->secs,
	       r->done / (r->secs > 0 ? r->secs : 1), r->seed, r->heavy_div);
	for (int k = 0; k < K_NR; k++)
		printf("#   %-16s ok %-8ld failed %ld\n", kname[k], r->k_ok[k],
		       r->k_err[k]);
	printf("#   EINTR %ld, EFAULT %ld, forks %ld, reopens %ld, peers %ld, "
	       "touches %ld (signal %ld), SIGALRMs %ld, stale attachment "
	       "records %ld, /proc/self/maps reads %ld\n",
	       r->eintr, r->efault, r->forks, r->reopens, r->peers, r->touches,
	       r->touch_sig, r->alarms, r->stale, r->maps_reads);
	printf("#   attachment record checks: %.0f us each (%ld timed); %ld "
	       "trusted (no mapping change since the last check)\n",
	       r->rec_timed ? r->rec_sec * 1e6 / r->rec_timed : 0.0,
	       r->rec_timed, r->rec_trusted);
	printf("#   %-16s %9s %9s %9s\n", "operation", "count", "~seconds",
	       "us/op");
	for (int o = 0; o < O_NR; o++) {
		double us = r->o_timed[o] ? r->o_sec[o] * 1e6 / r->o_timed[o] : 0;
		printf("#   %-16s %9ld %9.1f %9.0f\n", oname[o], r->o_cnt[o],
		       us * r->o_cnt[o] / 1e6, us);
	}
}

static int worker(void)
{
	char *m;

	install_alarm_handler();
	PP = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		  -1, 0);
	if (PP == MAP_FAILED)
		FAIL("mmap: %m");
	fd = open("/dev/xpmem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		FAIL("open /dev/xpmem: %m");
	/*
	 * Above the arena, GUARD_PAGES of PROT_NONE: segments that start in
	 * the arena may be huge, and a touch through an attachment of one
	 * writes a random byte into our own memory at up to some 600 KiB
	 * above it; it must not reach what lies above (the peer's page, the
	 * workers' reports, libraries).
	 */
	arena = mmap(NULL, (ARENA_PAGES + GUARD_PAGES) * PS, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena != MAP_FAILED &&
	    mprotect(arena + ARENA_PAGES * PS, GUARD_PAGES * PS, PROT_NONE) != 0)
		FAIL("mprotect: %m");
	m = mmap(NULL, 7 * PS, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED || m == MAP_FAILED)
		FAIL("mmap: %m");
	memset(arena, 0x11, ARENA_PAGES * PS);
	argpage = m;
	ropage = m + PS;
	edge = m + 2 * PS;
	unmapped = m + 3 * PS;
	/*
	 * ropage: a read-only view of a memfd page, ropage_rw a writable one
	 * (m + 5 pages), both at fixed places: nothing else may be mapped
	 * into the hole.
	 */
	ropage_rw = m + 5 * PS;
	int mfd = memfd_create("xpmem_fuzz-ro", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, PS) != 0)
		FAIL("memfd_create: %m");
	if (mmap(ropage, PS, PROT_READ, MAP_SHARED | MAP_FIXED, mfd, 0) != ropage ||
	    mmap(ropage_rw, PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 mfd, 0) != ropage_rw)
		FAIL("mmap memfd: %m");
	close(mfd);
	munmap(unmapped, PS);

	peer_start();
	double t0 = xt_now();
	long done = nops;
	long progress = nops >= 200000 ? nops / 10 : 0;
	for (opno = 0; opno < nops; opno++) {
		if (max_seconds > 0 && (opno & 255) == 0 &&
		    xt_now() - t0 > max_seconds) {
			done = opno;
			printf("# worker %d: time budget of %.0f s reached after "
			       "%ld of %ld operations\n", worker_id, max_seconds,
			       done, nops);
			break;
		}
		one_op();
		if (check_records) {
			/* find the operation after which a record went stale */
			map_busy = 1;	/* nothing on trust */
			for (int i = 0; i < natts; i++) {
				if (att_record_ok(i))
					continue;
				printf("# record %p+0x%zx stale after %s\n",
				       atts[i].addr, atts[i].size,
				       hist[opno % HIST]);
				n_stale++;
				forget_att(i--);
			}
			map_busy = 0;
		}
		if (progress && opno && opno % progress == 0)
			printf("# worker %d: %ld operations, %.0f s\n",
			       worker_id, opno, xt_now() - t0);
		else if (verbose && opno % 10000 == 0)
			fprintf(stderr, "# %ld ops\n", opno);
	}
	timer_set(0);
	double dt = xt_now() - t0;
	peer_stop();

	rep->done = done;
	rep->secs = dt;
	memcpy(rep->k_ok, k_ok, sizeof(k_ok));
	memcpy(rep->k_err, k_err, sizeof(k_err));
	memcpy(rep->o_cnt, o_cnt, sizeof(o_cnt));
	memcpy(rep->o_timed, o_timed, sizeof(o_timed));
	memcpy(rep->o_sec, o_sec, sizeof(o_sec));
	rep->eintr = n_eintr; rep->efault = n_efault; rep->forks = n_fork;
	rep->reopens = n_reopen; rep->peers = n_peer; rep->touches = n_touch;
	rep->touch_sig = n_touch_sig; rep->alarms = alarms;
	rep->stale = n_stale; rep->maps_reads = n_maps;
	rep->rec_timed = n_rec_timed; rep->rec_sec = t_rec;
	rep->rec_trusted = n_rec_trusted;
	if (done >= 1000 && (k_ok[K_MAKE] == 0 || k_ok[K_GET] == 0 ||
			     k_ok[K_ATTACH] == 0 || k_ok[K_DETACH] == 0))
		FAIL("some command never succeeded: the fuzzer did not reach "
		     "the driver's main paths");
	ST(&rep->finished, 1);
	return 0;
}

/* ---- stats and the final sanity phase ----------------------------------- */

static int sanity(void)
{
	size_t len = 16 * PS;
	int pfd[2], qfd[2];
	xpmem_segid_t sid;

	if (pipe(pfd) || pipe(qfd))
		FAIL("pipe: %m");
	pid_t pid = fork();
	if (pid == 0) {
		char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char c;
		for (size_t i = 0; i < len; i++)
			mem[i] = (char)(i * 13 + 1);
		sid = xpmem_make(mem, len, XPMEM_PERMIT_MODE, (void *)0600);
		if (sid <= 0)
			_exit(2);
		if (write(pfd[1], &sid, sizeof(sid)) != sizeof(sid))
			_exit(3);
		if (read(qfd[0], &c, 1) != 1)
			_exit(4);
		/* the attacher wrote the complement of every byte */
		for (size_t i = 0; i < len; i++)
			if (mem[i] != (char)~(i * 13 + 1))
				_exit(5);
		if (xpmem_remove(sid) != 0)
			_exit(6);
		_exit(0);
	}
	if (read(pfd[0], &sid, sizeof(sid)) != sizeof(sid))
		FAIL("sanity: the owner did not make a segment");
	xpmem_apid_t ap = xpmem_get(sid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL);
	if (ap <= 0)
		FAIL("sanity: xpmem_get: %m");
	struct xpmem_addr addr = { .apid = ap, .offset = 0 };
	char *p = xpmem_attach(addr, len, NULL);
	if (p == (void *)-1)
		FAIL("sanity: xpmem_attach: %m");
	for (size_t i = 0; i < len; i++) {
		if (p[i] != (char)(i * 13 + 1))
			FAIL("sanity: byte %zu reads 0x%x", i, p[i] & 0xff);
		p[i] = (char)~(i * 13 + 1);
	}
	if (write(qfd[1], "x", 1) != 1)
		FAIL("sanity: write: %m");
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL("sanity: owner status 0x%x", st);
	if (xpmem_detach(p) != 0 || xpmem_release(ap) != 0)
		FAIL("sanity: detach/release: %m");
	printf("# sanity: make/get/attach/read/write/detach/release/remove fine\n");
	return 0;
}

int main(int argc, char **argv)
{
	int have_seed = 0;
	const struct xt_opt opts[] = {
		{ "--ops", "XPMEM_FUZZ_OPS", XT_OPT_LONG, &nops, NULL },
		{ "--seed", "XPMEM_FUZZ_SEED", XT_OPT_U64, &seed, &have_seed },
		{ "--workers", "XPMEM_FUZZ_WORKERS", XT_OPT_INT, &nworkers, NULL },
		{ "--heavy-div", "XPMEM_FUZZ_HEAVY_DIV", XT_OPT_LONG, &heavy_div,
		  NULL },
		{ "--seconds", "XPMEM_FUZZ_SECONDS", XT_OPT_DOUBLE, &max_seconds,
		  NULL },
		{ "--min-ops", "XPMEM_FUZZ_MIN_OPS", XT_OPT_LONG, &min_ops, NULL },
		{ "--verbose", NULL, XT_OPT_FLAG, &verbose, NULL },
		{ "--check-records", NULL, XT_OPT_FLAG, &check_records, NULL },
		{ NULL, NULL, XT_OPT_FLAG, NULL, NULL },
	};

	/* the operations have a budget of their own (--seconds) */
	xt_set_timeout(0);
	xt_set_fault_hook(on_fault);
	xt_set_fail_hook(fail_hook);
	if (xt_parse_opts(opts, argc, argv) != 0) {
		fprintf(stderr, "usage: xpmem_fuzz [--ops N] [--seed S] "
			"[--workers W] [--heavy-div D] "
			"[--seconds BUDGET] [--min-ops M] "
			"[--verbose] [--check-records]\n");
		return 2;
	}
	if (nops < 0)
		nops = XPMEM_FUZZ_DEFAULT_OPS;
	if (nworkers < 1 || nworkers > 16 || heavy_div < 0) {
		fprintf(stderr, "xpmem_fuzz: 1 to 16 workers, heavy-div >= 0\n");
		return 2;
	}
#ifdef XPMEM_FUZZ_CHECK_RECORDS
	check_records = 1;
#endif
	if (!have_seed)
		seed = xt_time_seed();
	const uint64_t seed0 = seed;
	printf("# xpmem_fuzz: seed %" PRIu64 ", %ld operations, %d worker%s, "
	       "time budget %.0f s", seed0, nops, nworkers,
	       nworkers > 1 ? "s" : "", max_seconds);
	if (max_seconds > 0)
		printf(" (at least %ld operations in it)", min_ops);
	printf("\n");
	xt_require_dev();
	/*
	 * Worker i runs its share of the operations with seed S + i: its
	 * sequence of operations and arguments depends on that seed alone
	 * (and on what the kernel answers), so it replays on its own with
	 * --workers 1 --ops <its share> --seed <its seed>. The interleaving
	 * of the workers is up to the scheduler and does not replay.
	 */
	struct wreport *reps = mmap(NULL, nworkers * sizeof(*reps),
				    PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (reps == MAP_FAILED)
		FAIL("mmap: %m");
	for (int i = 0; i < nworkers; i++) {
		struct wreport *r = &reps[i];
		r->seed = seed0 + i;
		r->ops = nops / nworkers + (i < nops % nworkers);
		r->heavy_div = heavy_div ? heavy_div :
			       (r->ops + HEAVY_SPAN - 1) / HEAVY_SPAN;
		if (r->heavy_div < 1)
			r->heavy_div = 1;
		printf("# worker %d: seed %" PRIu64 ", %ld operations, heavy "
		       "operations thinned 1/%ld; replay: xpmem_fuzz --workers 1 "
		       "--ops %ld --seed %" PRIu64 " --heavy-div %ld\n", i,
		       r->seed, r->ops, r->heavy_div, r->ops, r->seed,
		       r->heavy_div);
	}

	/* main's own copy: the shared reports are in reach of the fuzzing */
	struct wreport par[16];
	memcpy(par, reps, nworkers * sizeof(*reps));
	struct xt_stats s0 = xt_stats();
	pid_t pids[16];
	for (int i = 0; i < nworkers; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			FAIL("fork: %m");
		if (pids[i] == 0) {
			worker_id = i;
			rep = &reps[i];
			seed = rep->seed;
			rng.s = seed;
			nops = rep->ops;
			heavy_div = rep->heavy_div;
			_exit(worker());
		}
	}
	int failed = -1, st, fst = 0;
	for (int left = nworkers; left > 0;) {
		pid_t w = waitpid(-1, &st, 0);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			FAIL("waitpid: %m");
		}
		int i;
		for (i = 0; i < nworkers && pids[i] != w; i++)
			;
		if (i == nworkers)
			continue;
		left--;
		pids[i] = 0;
		if ((!WIFEXITED(st) || WEXITSTATUS(st) != 0) && failed < 0) {
			failed = i;
			fst = st;
			/* the others are stopped: the failure is what counts */
			for (int j = 0; j < nworkers; j++)
				if (pids[j] > 0)
					kill(pids[j], SIGKILL);
		}
	}
	if (failed >= 0) {
		printf("FAIL: worker %d status 0x%x (%s %d); replay: xpmem_fuzz "
		       "--workers 1 --ops %ld --seed %" PRIu64 " --heavy-div %ld "
		       "(the whole run: --workers %d --ops %ld --seed %" PRIu64
		       ")\n", failed, fst,
		       WIFSIGNALED(fst) ? "signal" : "exit",
		       WIFSIGNALED(fst) ? WTERMSIG(fst) : WEXITSTATUS(fst),
		       par[failed].ops, par[failed].seed,
		       par[failed].heavy_div, nworkers, nops, seed0);
		return 1;
	}
	/* the totals */
	struct wreport tot;
	memset(&tot, 0, sizeof(tot));
	tot.seed = seed0;
	tot.heavy_div = par[0].heavy_div;
	for (int i = 0; i < nworkers; i++) {
		struct wreport *r = &reps[i];
		char who[32];
		if (!r->finished) {
			printf("FAIL: worker %d exited without its report\n", i);
			return 1;
		}
		if (nworkers > 1) {
			snprintf(who, sizeof(who), "worker %d", i);
			printf("# %s: %ld operations in %.1f s: %.0f ops/s (seed "
			       "%" PRIu64 ")\n", who, r->done, r->secs,
			       r->done / (r->secs > 0 ? r->secs : 1), par[i].seed);
		}
		tot.done += r->done;
		if (r->secs > tot.secs)
			tot.secs = r->secs;
		for (int k = 0; k < K_NR; k++) {
			tot.k_ok[k] += r->k_ok[k];
			tot.k_err[k] += r->k_err[k];
		}
		for (int o = 0; o < O_NR; o++) {
			tot.o_cnt[o] += r->o_cnt[o];
			tot.o_timed[o] += r->o_timed[o];
			tot.o_sec[o] += r->o_sec[o];
		}
		tot.eintr += r->eintr; tot.efault += r->efault;
		tot.forks += r->forks; tot.reopens += r->reopens;
		tot.peers += r->peers; tot.touches += r->touches;
		tot.touch_sig += r->touch_sig; tot.alarms += r->alarms;
		tot.stale += r->stale; tot.maps_reads += r->maps_reads;
		tot.rec_timed += r->rec_timed; tot.rec_sec += r->rec_sec;
		tot.rec_trusted += r->rec_trusted;
	}
	print_report(nworkers > 1 ? "all workers" : "worker 0", &tot);
	/* the one line to look for: how much work, at what rate */
	printf("# xpmem_fuzz: %ld of %ld operations in %.1f s (%.0f ops/s)%s\n",
	       tot.done, nops, tot.secs,
	       tot.done / (tot.secs > 0 ? tot.secs : 1),
	       tot.done < nops ? ", stopped by the time budget" : "");
	if (max_seconds <= 0 && tot.done != nops) {
		printf("FAIL: %ld of %ld operations done\n", tot.done, nops);
		return 1;
	}
	if (max_seconds > 0 && tot.done < min_ops) {
		printf("FAIL: only %ld operations in the %.0f s budget, fewer "
		       "than the floor of %ld\n", tot.done, max_seconds,
		       min_ops);
		return 1;
	}
	/* everything the worker had is gone: the counters are back */
	struct xt_stats s1 = xt_stats();
	if (s0.ok && s1.ok) {
		printf("# module objects before/after: contexts %ld/%ld segments "
		       "%ld/%ld permits %ld/%ld attachments %ld/%ld\n",
		       s0.ctx, s1.ctx, s0.seg, s1.seg, s0.permit, s1.permit,
		       s0.att, s1.att);
		if (s1.ctx != s0.ctx || s1.seg != s0.seg ||
		    s1.permit != s0.permit || s1.att != s0.att) {
			printf("FAIL: module objects leaked by the fuzzing "
			       "(seed %" PRIu64 ")\n", seed);
			return 1;
		}
	} else {
		printf("# no %s: leak check left to kmemleak\n", XT_STATS_FILE);
	}
	sanity();
	printf("PASS: xpmem_fuzz seed %" PRIu64 ": %ld operations in %.1f s "
	       "(%.0f ops/s)\n", seed, tot.done, tot.secs,
	       tot.done / (tot.secs > 0 ? tot.secs : 1));
	return 0;
}
