/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xt.h - helpers shared by the guest tests of the xpmem driver.
 *
 * Every test is one program: exit 0 pass, 1 fail, 77 skip. The helpers
 * here fail the program (exit 1) with the file, the line and the failed
 * expression, so a test only states what must hold.
 */
#ifndef XPMEM_TESTS_XT_H
#define XPMEM_TESTS_XT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include <xpmem.h>
#include <xpmem/xpmem_uapi.h>

#define XT_EXIT_PASS 0
#define XT_EXIT_FAIL 1
#define XT_EXIT_SKIP 77

/* Test users and groups of the guest (see tests/vm). */
#define XT_ALICE 1000
#define XT_BOB 1001
#define XT_CAROL 1002
#define XT_TEAM 2000

#define XT_MiB (1024UL * 1024UL)
#define XT_XPMEM_FAILED ((void *)-1)

/* What the headers of the older guests (bullseye) may lack. */
#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif

/* ---- reporting ---------------------------------------------------------- */

void xt_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
void xt_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void xt_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define XT_FAIL(...) xt_fail_at(__FILE__, __LINE__, __VA_ARGS__)
/*
 * A program that reports failures its own way (with its seed and state:
 * fuzz, stress) sets a hook: xt_fail_at then hands it the formatted
 * message instead of printing it; it must not return.
 */
void xt_set_fail_hook(void (*hook)(const char *file, int line,
				   const char *msg));

#define XT_ASSERT(e)                                                        \
	do {                                                                \
		if (!(e))                                                   \
			xt_fail_at(__FILE__, __LINE__,                      \
				   "assertion failed: %s (errno %d %s)", #e, \
				   errno, strerror(errno));                 \
	} while (0)

#define XT_ASSERT_MSG(e, ...)                                               \
	do {                                                                \
		if (!(e)) {                                                 \
			xt_info("assertion failed: %s", #e);                \
			xt_fail_at(__FILE__, __LINE__, __VA_ARGS__);        \
		}                                                           \
	} while (0)

#define XT_CMP_(a, op, b)                                                   \
	do {                                                                \
		long long xt_a_ = (long long)(a), xt_b_ = (long long)(b);   \
		if (!(xt_a_ op xt_b_))                                      \
			xt_fail_at(__FILE__, __LINE__,                      \
				   "assertion failed: %s %s %s "            \
				   "(%lld 0x%llx vs %lld 0x%llx)",          \
				   #a, #op, #b, xt_a_,                      \
				   (unsigned long long)xt_a_, xt_b_,        \
				   (unsigned long long)xt_b_);              \
	} while (0)
#define XT_ASSERT_EQ(a, b) XT_CMP_(a, ==, b)
#define XT_ASSERT_NE(a, b) XT_CMP_(a, !=, b)
#define XT_ASSERT_GT(a, b) XT_CMP_(a, >, b)
#define XT_ASSERT_GE(a, b) XT_CMP_(a, >=, b)
#define XT_ASSERT_LT(a, b) XT_CMP_(a, <, b)

/* A call that returns -1 with errno on failure must succeed (>= 0). */
#define XT_OK(e)                                                            \
	({                                                                  \
		long long xt_r_ = (long long)(e);                           \
		if (xt_r_ < 0)                                              \
			xt_fail_at(__FILE__, __LINE__,                      \
				   "%s failed: returned %lld, errno %d (%s)",\
				   #e, xt_r_, errno, strerror(errno));      \
		xt_r_;                                                      \
	})

/* A call must fail with -1 (or (void *)-1) and errno == err. */
#define XT_ERR(e, err)                                                      \
	do {                                                                \
		errno = 0;                                                  \
		long long xt_r_ = (long long)(intptr_t)(e);                 \
		int xt_e_ = errno;                                          \
		if (xt_r_ != -1 || xt_e_ != (err))                          \
			xt_fail_at(__FILE__, __LINE__,                      \
				   "%s: expected -1 errno %d (%s), got "    \
				   "%lld errno %d (%s)", #e, (err),         \
				   strerror(err), xt_r_, xt_e_,             \
				   strerror(xt_e_));                        \
	} while (0)

/* A call must fail with -1 (or (void *)-1) and errno one of e1, e2. */
#define XT_ERR2(e, e1, e2)                                                  \
	do {                                                                \
		errno = 0;                                                  \
		long long xt_r_ = (long long)(intptr_t)(e);                 \
		int xt_e_ = errno;                                          \
		if (xt_r_ != -1 || (xt_e_ != (e1) && xt_e_ != (e2)))        \
			xt_fail_at(__FILE__, __LINE__,                      \
				   "%s: expected -1 errno %d or %d, got "   \
				   "%lld errno %d (%s)", #e, (e1), (e2),    \
				   xt_r_, xt_e_, strerror(xt_e_));          \
	} while (0)

/* A call must fail with -1 (or (void *)-1), any errno but 0. */
#define XT_FAILS(e)                                                         \
	do {                                                                \
		errno = 0;                                                  \
		long long xt_r_ = (long long)(intptr_t)(e);                 \
		int xt_e_ = errno;                                          \
		if (xt_r_ != -1 || xt_e_ == 0)                              \
			xt_fail_at(__FILE__, __LINE__,                      \
				   "%s: expected failure, got %lld errno %d",\
				   #e, xt_r_, xt_e_);                       \
		xt_info("%s failed as expected: errno %d (%s)", #e, xt_e_,  \
			strerror(xt_e_));                                   \
	} while (0)

/* ---- environment -------------------------------------------------------- */

size_t xt_page_size(void);
#define XT_PS (xt_page_size())

void xt_require_root(void);
/* Skip unless /dev/xpmem can be opened for reading and writing. */
void xt_require_dev(void);
/*
 * Set a timeout for the whole test (alarm); the default is 290 s. 0: none,
 * for the programs that keep a time budget of their own (fuzz, stress).
 */
void xt_set_timeout(unsigned int seconds);
/* Monotonic time in seconds. */
double xt_now(void);

/* Write a string to a /proc or /sys file; returns 0 or -errno. */
int xt_write_file(const char *path, const char *value);
/* Read a file's first number; returns 0 and *out, or -errno. */
int xt_read_long(const char *path, long *out);
/* A field of /proc/meminfo or /proc/vmstat-like "name value" files, or -1. */
long xt_proc_field(const char *path, const char *name);

/* The module's counters (debugfs): xt_stat("segments"), or -1. */
#define XT_STATS_FILE "/sys/kernel/debug/xpmem/stats"
long xt_stat(const char *name);
/* Its object counters at once; ok is 0 where the file or one is absent. */
struct xt_stats {
	long ctx, seg, permit, att;
	int ok;
};
struct xt_stats xt_stats(void);

/*
 * 2 MiB mappings (the *_pmd tests): skip unless the module maps huge pages
 * with 2 MiB entries (huge_mappings Y and a pmd_mappings counter in
 * debugfs xpmem/stats); the number of 2 MiB entries inserted since load.
 */
void xt_require_huge_mappings(void);
long xt_pmd_mappings(void);
/*
 * len bytes of private anonymous memory, 2 MiB-aligned and advised
 * MADV_HUGEPAGE (a failed madvise is reported, not fatal: the tests skip
 * when the owner got no THP).
 */
char *xt_map_thp(size_t len);
/* AnonHugePages of this process (kB, smaps_rollup), or -1. */
long xt_anon_huge_kb(void);
/* Skip unless thp_kb (an owner's AnonHugePages) covers all of its len bytes. */
void xt_require_thp(long thp_kb, size_t len);
/*
 * Read [p, p + len) of an attachment, which must hold pattern seed (p
 * being at offset off0), and return the number of 2 MiB entries this
 * inserted (pmd_mappings); fewer than min fails. It says how many, after
 * what (or NULL).
 */
#define XT_ASSERT_PMD_READ(what, p, len, seed, off0, min)                   \
	xt_assert_pmd_read(__FILE__, __LINE__, (what), (p), (len), (seed),  \
			   (off0), (min))
long xt_assert_pmd_read(const char *file, int line, const char *what,
			const void *p, size_t len, uint64_t seed,
			uint64_t off0, long min);

/* Give up root: groups, gid, uid (all of real/effective/saved). */
void xt_drop_privs(uid_t uid, gid_t gid, int ngroups, const gid_t *groups);

/*
 * A fresh cgroup v2 child group at path (under /sys/fs/cgroup, mounted
 * if needed) with the memory controller: 1 if it is ready (memory.max
 * writable), 0 if the kernel has no cgroup v2 memory controller.
 */
int xt_memcg_create(const char *path);

/*
 * Set the xpmem module parameter name (/sys/module/xpmem/parameters/)
 * to value for the rest of the test: the calling process puts the old
 * value back when it exits (its forked children do not). Skips the test
 * if the module has no such parameter.
 */
void xt_module_param(const char *name, const char *value);
/* Read a module parameter into buf (trailing newline removed); 0 or -errno. */
int xt_module_param_get(const char *name, char *buf, size_t len);

/* ---- processes ---------------------------------------------------------- */

/* fork(); the child gets SIGKILL when the parent dies. */
pid_t xt_fork(void);
/* Run fn(arg) in a child which exits with its return value. */
pid_t xt_spawn(int (*fn)(void *), void *arg);
/* Wait for pid; fail unless it exited 0. A child's skip (77) is passed on. */
void xt_wait_ok(pid_t pid);
/* Wait for pid; return its exit code, fail if it was killed. */
int xt_wait_exit(pid_t pid);
/* Wait for pid; return the signal that killed it, or 0 if it exited. */
int xt_wait_signal(pid_t pid, int *exit_code);
/* xt_spawn + xt_wait_ok. */
void xt_run(int (*fn)(void *), void *arg);
/* Run fn in a child; it must die of signal sig (it returning is a failure). */
void xt_expect_child_signal(int (*fn)(void *), void *arg, int sig);

/* ---- signals inside the process ----------------------------------------- */

/*
 * Run fn(arg) catching SIGSEGV and SIGBUS raised by it. Returns 0 when
 * fn returned, else the signal number. Works per thread.
 */
int xt_probe(void (*fn)(void *), void *arg);
/* Read / write one 64-bit word (or byte) with a probe; 0 or the signal. */
int xt_probe_read(const void *addr, uint64_t *out);
int xt_probe_write(void *addr, uint64_t value);
int xt_probe_read8(const void *addr, uint8_t *out);
int xt_probe_write8(void *addr, uint8_t value);
/* Address of the last caught fault of this thread. */
void *xt_probe_fault_addr(void);
const char *xt_signame(int sig);

/*
 * A SIGSEGV or SIGBUS outside a probe is reported and kills the process.
 * A program that reports it its own way (with its seed: fuzz, stress)
 * sets a hook: the handler calls it instead, in the signal's context (so
 * async-signal-safe calls only), and it must not return.
 */
void xt_set_fault_hook(void (*hook)(int sig, const siginfo_t *si));

#define XT_EXPECT_SIG(call, sig)                                            \
	do {                                                                \
		int xt_s_ = (call);                                         \
		if (xt_s_ != (sig))                                         \
			xt_fail_at(__FILE__, __LINE__,                      \
				   "%s: expected %s, got %s", #call,        \
				   xt_signame(sig), xt_signame(xt_s_));     \
	} while (0)

/* ---- memory ------------------------------------------------------------- */

/* Anonymous private read-write mapping (asserts). */
void *xt_map_anon(size_t len);
/* Anonymous mapping of len aligned to align (a power of two). */
void *xt_map_aligned(size_t len, size_t align, int prot, int flags);
/* An address range of len that is free right now (reserved then unmapped). */
void *xt_free_range(size_t len);

/*
 * The pattern: the 64-bit word at byte offset off of a buffer filled with
 * seed is (seed << 48) | off. seed must be in 1..0xffff; off is the offset
 * within the segment, so a page at the wrong place is seen at once.
 */
static inline uint64_t xt_pat(uint64_t seed, uint64_t off)
{
	return (seed << 48) | (off & 0xffffffffffffULL);
}
/* Fill len bytes at buf with pattern seed, buf being at offset off0. */
void xt_fill(void *buf, size_t len, uint64_t seed, uint64_t off0);
/* Check; returns -1 if all good, else the byte index of the first bad word. */
long xt_check(const void *buf, size_t len, uint64_t seed, uint64_t off0);
/* Check every word (fails the test with a message on a mismatch). */
#define XT_ASSERT_PATTERN(buf, len, seed, off0)                             \
	xt_assert_pattern(__FILE__, __LINE__, (buf), (len), (seed), (off0))
void xt_assert_pattern(const char *file, int line, const void *buf,
		       size_t len, uint64_t seed, uint64_t off0);
/* Check every byte is zero. */
#define XT_ASSERT_ZERO(buf, len) xt_assert_zero(__FILE__, __LINE__, (buf), (len))
void xt_assert_zero(const char *file, int line, const void *buf, size_t len);

/* ---- seeded runs (fuzz, stress) ----------------------------------------- */

/* splitmix64: the same seed gives the same numbers on every machine. */
struct xt_rng {
	uint64_t s;
};
uint64_t xt_rnd(struct xt_rng *r);
/* Uniform-ish in [0, n): xt_rnd() % n; 0 when n is 0. */
uint64_t xt_rndn(struct xt_rng *r, uint64_t n);
/* A seed for a run given none (32 bits of the clock and the pid). */
uint64_t xt_time_seed(void);

/*
 * Options of a program: "--name value" (or "--name" alone for a flag),
 * each with an environment variable (env, or NULL) read first, so that
 * the command line wins. A value is read as atoi, atol, atof or
 * strtoull(.., 0) read it; a string is kept as given.
 */
enum xt_opt_type { XT_OPT_FLAG, XT_OPT_INT, XT_OPT_LONG, XT_OPT_DOUBLE,
		   XT_OPT_U64, XT_OPT_STR };
struct xt_opt {
	const char *name;	/* "--seed" */
	const char *env;	/* "XPMEM_FUZZ_SEED", or NULL */
	enum xt_opt_type type;
	void *val;		/* int (also FLAG), long, double, uint64_t,
				 * const char * */
	int *given;		/* set to 1 when given, or NULL */
};
/* The options end with a { NULL } entry; 0, or -1: unknown or no value. */
int xt_parse_opts(const struct xt_opt *opts, int argc, char **argv);

/* ---- channels between processes ----------------------------------------- */

/* A socketpair; end 0 for one process, end 1 for the other. */
struct xt_chan {
	int fd[2];
};
void xt_chan_init(struct xt_chan *c);
/* Keep end `side` (closing the other) and return its descriptor. */
int xt_chan_end(struct xt_chan *c, int side);
void xt_send(int fd, const void *buf, size_t len);
void xt_recv(int fd, void *buf, size_t len);
void xt_send_u64(int fd, uint64_t v);
uint64_t xt_recv_u64(int fd);
/* Wait for the peer's value and check it is `want` (a step number). */
void xt_expect_u64(int fd, uint64_t want);

/* ---- xpmem wrappers that assert success --------------------------------- */

xpmem_segid_t xt_make(void *addr, size_t len, int mode);
xpmem_apid_t xt_get(xpmem_segid_t segid, int flags);
void *xt_attach(xpmem_apid_t apid, off_t offset, size_t size, void *want);
void xt_detach(void *addr);
void xt_release(xpmem_apid_t apid);
void xt_remove(xpmem_segid_t segid);
/* open("/dev/xpmem") for tests that use raw ioctls (fails if missing). */
int xt_open_dev(void);

/* ---- users, an owner process, holes, the read-only file ----------------- */

/* xt_drop_privs to uid, with uid as the group and the one supplementary group. */
void xt_become_user(uid_t uid);

/* Lockstep with a peer: send it step `step`, then wait for its step + 1. */
void xt_step(int fd, uint64_t step);

/*
 * The usual set-up of a test: it forks an owner process which maps
 * memory, fills it with a pattern, makes a segment of it and sends the
 * segid over a channel. Say what to share in the fields before
 * xt_owner_fork; it fills in the rest, on both sides.
 */
struct xt_owner {
	size_t len;		/* bytes of anonymous memory; 0: none, no segment */
	uint64_t seed;		/* pattern to fill them with; 0: left zero */
	int mode;		/* permit mode of the segment */
	int nohugepage;		/* madvise(MADV_NOHUGEPAGE) before the fill */
	int thp;		/* xt_map_thp instead (the *_pmd tests):
				 * the test gets addr and thp_kb too */
	void (*prepare)(struct xt_owner *o);	/* in the owner, after the
				 * fill, before the segment is made; or NULL */
	uid_t uid;		/* run the owner as this user (root only); 0: as is */
	uint64_t final_seed;	/* xt_owner_start: the pattern its memory must
				 * hold at xt_owner_stop; 0: not checked */

	pid_t pid;		/* in the test: the owner; in the owner: 0 */
	int fd;			/* this side's end of the channel between them */
	xpmem_segid_t segid;	/* the segment (0 if len is 0) */
	char *buf;		/* in the owner: its memory */
	uintptr_t addr;		/* with thp: the address of the memory in
				 * the owner */
	long thp_kb;		/* with thp: the owner's AnonHugePages (kB) once
				 * it had filled its memory */
};

/*
 * Fork the owner. Returns twice, like fork(): 0 in the owner, after it has
 * sent the segid (o->buf, o->segid, o->fd are its own); the owner's pid in
 * the test, with o->segid received from it.
 */
pid_t xt_owner_fork(struct xt_owner *o);
/*
 * An owner that shares its memory and does nothing else: returns in the
 * test only; the owner waits until xt_owner_stop, checks its memory holds
 * pattern final_seed (if not 0), then exits 0.
 */
void xt_owner_start(struct xt_owner *o);
/* Let an owner of xt_owner_start exit, and wait for it (it must exit 0). */
void xt_owner_stop(struct xt_owner *o);
/*
 * An owner with steps of its own: fork it (xt_owner_fork); once it has
 * sent the segid it runs fn(o), then exits 0. Returns in the test only.
 */
void xt_owner_run(struct xt_owner *o, void (*fn)(struct xt_owner *o));
/* Send the owner its last step, step, and wait for it (it must exit 0). */
void xt_owner_last_step(struct xt_owner *o, uint64_t step);
/*
 * The attacher's usual start: get the owner's segment (o->segid) with
 * flags, attach all of its o->len bytes and read them: they must hold
 * the owner's pattern (o->seed). Returns the attachment.
 */
#define XT_OWNER_ATTACH_READ(o, flags)                                      \
	xt_owner_attach_read(__FILE__, __LINE__, (o), (flags))
char *xt_owner_attach_read(const char *file, int line, struct xt_owner *o,
			   int flags);
/*
 * With thp: skip unless the owner's memory is all THP (xt_require_thp),
 * the owner being killed first.
 */
void xt_owner_require_thp(struct xt_owner *o);
/*
 * The attacher's start in the *_pmd tests: xt_owner_require_thp, then
 * attach all of the owner's memory read-write (its permit in *apid) and
 * read it: it must hold the owner's pattern, read through at least one
 * 2 MiB entry per 2 MiB (XT_ASSERT_PMD_READ). Returns the attachment.
 */
#define XT_OWNER_ATTACH_PMD(o, apid)                                        \
	xt_owner_attach_pmd(__FILE__, __LINE__, (o), (apid))
char *xt_owner_attach_pmd(const char *file, int line, struct xt_owner *o,
			  xpmem_apid_t *apid);

/*
 * A witness of copy-on-write: a child forked by the owner, keeping the
 * owner's memory as it was at the fork. xt_cow_witness_check makes it
 * assert [buf, buf + len) still holds pattern seed there, and waits for it.
 */
struct xt_cow_witness {
	pid_t pid;
	int fd;
};
void xt_cow_witness_fork(struct xt_cow_witness *w, const void *buf,
			 size_t len, uint64_t seed);
void xt_cow_witness_check(struct xt_cow_witness *w);

/* xt_get(segid, flags), then xt_attach of [0, len) anywhere; *apid if asked. */
void *xt_get_attach(xpmem_segid_t segid, int flags, size_t len,
		    xpmem_apid_t *apid);
/*
 * For an owner that makes its segments itself: receive a segid from fd,
 * then xt_get_attach it. Several segments: one call each, in the order
 * the owner sent them.
 */
void *xt_recv_attach(int fd, int flags, size_t len, xpmem_apid_t *apid);

/*
 * A hole: a read of the first word of every page of [p, p + len) must
 * raise SIGBUS - never give data. what says why (in the failure message).
 */
#define XT_ASSERT_HOLE(p, len, what)                                        \
	xt_assert_hole(__FILE__, __LINE__, (p), (len), (what))
void xt_assert_hole(const char *file, int line, const void *p, size_t len,
		    const char *what);

/*
 * /data/ro-file of the guest (tests/vm): root's, mode 0444, 1 MiB, byte i
 * is (i * 7 + 3) & 0xff.
 */
#define XT_RO_FILE "/data/ro-file"
#define XT_RO_FILE_LEN XT_MiB
#define XT_NO_PAGE ((size_t)-1)
unsigned char xt_ro_file_byte(size_t i);
/* p[0, len) must be the file's bytes but in pages skip_a, skip_b (or XT_NO_PAGE). */
void xt_ro_file_check(const char *who, const unsigned char *p, size_t len,
		      size_t skip_a, size_t skip_b);
/* The file itself, read with pread(2), must be unchanged. */
void xt_ro_file_check_read(const char *who);
/*
 * A fresh process (carol): a new open, read(2) and a new mapping with
 * mmap_flags (MAP_SHARED or MAP_PRIVATE) see the file unchanged.
 */
void xt_ro_file_check_fresh(int mmap_flags);

#endif /* XPMEM_TESTS_XT_H */
