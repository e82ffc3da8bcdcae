// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The four measurements of xpmem-bench. The measuring process (this one)
 * is always the attacher/reader; owners are forked helpers that export
 * their own private memory and then serve commands through the shared
 * control block (g_sh).
 *
 *   copy     bandwidth per size: memcpy, xpmem warm, xpmem
 *            attach-copy-detach, CMA process_vm_readv, memfd bounce buffer
 *   touch    first touch of an attachment, one byte read per 4 KiB page,
 *            time and minor faults, against local anonymous memory and a
 *            shared memfd mapping of populated pages
 *   control  make/get/attach/detach/release/remove against mmap/munmap
 *   scale    aggregate bandwidth of concurrent copiers
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <xpmem.h>

#include "bench.h"

#define MiB (1024.0 * 1024.0)
#define COPY_SEED 7

static void compiler_barrier(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static void reset_counters(void)
{
	atomic_store(&bench_sh->owners_ready, 0);
	atomic_store(&bench_sh->cmd_seq, 0);
	atomic_store(&bench_sh->cmd_done, 0);
	atomic_store(&bench_sh->filled, 0);
	atomic_store(&bench_sh->drained, 0);
	atomic_store(&bench_sh->ctl_made, 0);
	atomic_store(&bench_sh->ctl_used, 0);
	atomic_store(&bench_sh->ready, 0);
	atomic_store(&bench_sh->go, 0);
	atomic_store(&bench_sh->done, 0);
	atomic_store(&bench_sh->quit, 0);
	bench_sh->cmd = CMD_NONE;
	memset(bench_sh->owner, 0, sizeof(bench_sh->owner));
}

int64_t bench_make(void *buf, size_t size)
{
	int64_t segid = xpmem_make(buf, size, XPMEM_PERMIT_MODE, (void *)0600);

	if (segid == -1)
		bench_fail("xpmem_make(%p, %zu): %s", buf, size,
			   strerror(errno));
	return segid;
}

static int64_t do_get(int64_t segid)
{
	int64_t apid = xpmem_get(segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL);

	if (apid == -1)
		bench_fail("xpmem_get(0x%llx): %s", (long long)segid,
			   strerror(errno));
	return apid;
}

static void *do_attach(int64_t apid, size_t size)
{
	struct xpmem_addr addr = { .apid = apid, .offset = 0 };
	void *p = xpmem_attach(addr, size, NULL);

	if (p == (void *)-1)
		bench_fail("xpmem_attach(0x%llx, %zu): %s", (long long)apid,
			   size, strerror(errno));
	return p;
}

static void do_detach(void *p)
{
	if (xpmem_detach(p) != 0)
		bench_fail("xpmem_detach(%p): %s", p, strerror(errno));
}

static void do_release(int64_t apid)
{
	if (xpmem_release(apid) != 0)
		bench_fail("xpmem_release: %s", strerror(errno));
}

void bench_remove(int64_t segid)
{
	if (xpmem_remove(segid) != 0)
		bench_fail("xpmem_remove: %s", strerror(errno));
}

void bench_copy_sizes(const struct bench_opts *o, size_t *sizes, int *n)
{
	size_t s;

	*n = 0;
	for (s = 4096; s <= o->max_size && *n < 32; s *= 4)
		if (s >= o->min_size)
			sizes[(*n)++] = s;
}

int bench_scale_procs(const struct bench_opts *o, int *procs)
{
	int n = 0, p;

	for (p = 1; p < o->max_procs; p *= 2)
		procs[n++] = p;
	procs[n++] = o->max_procs;
	return n;
}

/* ---- copy ------------------------------------------------------------ */

/* Runs k iterations of one copy method. */
typedef void (*batch_fn)(void *ctx, long k);

/*
 * Copies per timed batch of fn: one warm-up iteration, then enough
 * iterations for at least batch_ms (at most 2^22).
 */
static long calibrate(const struct bench_opts *o, batch_fn fn, void *ctx)
{
	uint64_t t0, t1;
	double per;
	long k = 1;

	t0 = bench_now_ns();
	fn(ctx, 1);
	t1 = bench_now_ns();
	per = (double)(t1 - t0 ? t1 - t0 : 1);
	/* A second, longer calibration for the small, fast cases. */
	if (per * 4 < o->batch_ms * 1e6) {
		k = (long)(o->batch_ms * 1e6 / per / 4);
		if (k < 1)
			k = 1;
		t0 = bench_now_ns();
		fn(ctx, k);
		t1 = bench_now_ns();
		per = (double)(t1 - t0 ? t1 - t0 : 1) / (double)k;
	}
	k = (long)ceil(o->batch_ms * 1e6 / per);
	if (k < 1)
		k = 1;
	if (k > (1L << 22))
		k = 1L << 22;
	return k;
}

struct copy_ctx {
	char *dst;
	const char *src;
	size_t size;
	int64_t apid;
	pid_t pid;
	uint64_t remote;
	char *bounce;
	size_t chunk;
	int bounce_pos;
	int cmd_seq;
};

static void batch_memcpy(void *p, long k)
{
	struct copy_ctx *c = p;

	while (k--) {
		memcpy(c->dst, c->src, c->size);
		compiler_barrier();
	}
}

static void batch_acd(void *p, long k)
{
	struct copy_ctx *c = p;

	while (k--) {
		void *a = do_attach(c->apid, c->size);

		memcpy(c->dst, a, c->size);
		compiler_barrier();
		do_detach(a);
	}
}

static void batch_cma(void *p, long k)
{
	struct copy_ctx *c = p;

	while (k--) {
		size_t off = 0;

		while (off < c->size) {
			struct iovec l = { c->dst + off, c->size - off };
			struct iovec r = { (void *)(uintptr_t)(c->remote + off),
					   c->size - off };
			ssize_t n = process_vm_readv(c->pid, &l, 1, &r, 1, 0);

			if (n <= 0)
				bench_fail("process_vm_readv(%d, %zu bytes): %s",
					   (int)c->pid, c->size - off,
					   n < 0 ? strerror(errno) : "no progress");
			off += (size_t)n;
		}
	}
}

/* Owner copies chunks into the memfd buffer, we copy them out. */
static void batch_bounce(void *p, long k)
{
	struct copy_ctx *c = p;
	size_t nch = c->size / c->chunk;
	long n = k * (long)nch, i;

	bench_sh->cmd = CMD_BOUNCE;
	bench_sh->cmd_arg = (uint64_t)n;
	bench_set_wake(&bench_sh->cmd_seq, ++c->cmd_seq);
	for (i = 0; i < n; i++) {
		bench_wait_ge(&bench_sh->filled, c->bounce_pos + 1);
		memcpy(c->dst + (size_t)(i % (long)nch) * c->chunk, c->bounce,
		       c->chunk);
		compiler_barrier();
		bench_set_wake(&bench_sh->drained, ++c->bounce_pos);
	}
	bench_wait_ge(&bench_sh->cmd_done, c->cmd_seq);
}

struct copy_owner_arg {
	size_t size;
	char *bounce;
	size_t chunk;
};

static void copy_owner(void *p)
{
	struct copy_owner_arg *a = p;
	char *src = bench_map_anon(a->size, HUGE_2M, -1);
	int64_t segid = -1;
	int seen = 0, pos = 0;

	bench_fill_pattern(src, a->size, COPY_SEED);
	if (bench_use_xpmem)
		segid = bench_make(src, a->size);
	bench_sh->owner[0].pid = getpid();
	bench_sh->owner[0].vaddr = (uintptr_t)src;
	bench_sh->owner[0].segid = segid;
	bench_bump(&bench_sh->owners_ready);
	for (;;) {
		bench_wait_ge(&bench_sh->cmd_seq, ++seen);
		if (bench_sh->cmd == CMD_EXIT)
			break;
		if (bench_sh->cmd == CMD_BOUNCE) {
			size_t nch = a->size / a->chunk;
			long n = (long)bench_sh->cmd_arg, i;

			for (i = 0; i < n; i++) {
				bench_wait_ge(&bench_sh->drained, pos);
				memcpy(a->bounce,
				       src + (size_t)(i % (long)nch) * a->chunk,
				       a->chunk);
				compiler_barrier();
				bench_set_wake(&bench_sh->filled, ++pos);
			}
		}
		bench_set_wake(&bench_sh->cmd_done, seen);
	}
	if (bench_use_xpmem)
		bench_remove(segid);
}

static void verify(const char *what, const void *dst, size_t size)
{
	if (bench_check_pattern(dst, size, COPY_SEED) != 0)
		bench_fail("%s: the copied data does not match the owner's",
			   what);
}

/* One copy method of the copy section. */
struct copy_method {
	const char *name;
	batch_fn fn;
	struct copy_ctx c;
	long k;
	double bw[BENCH_MAX_REPS];
};

/*
 * Per size: every method is calibrated (and its result verified), then
 * the methods take turns, one timed batch each per round, so that a
 * drift of the machine's speed (frequency, other load) hits all of them.
 */
void bench_run_copy(struct bench_state *st)
{
	const struct bench_opts *o = &st->o;
	size_t sizes[32];
	int nsizes, i;
	char sz[32];

	bench_copy_sizes(o, sizes, &nsizes);
	for (i = 0; i < nsizes; i++) {
		size_t size = sizes[i];
		size_t chunk = size < o->bounce_size ? size : o->bounce_size;
		struct copy_owner_arg oa = { .size = size, .chunk = chunk };
		struct copy_method m[5];
		struct copy_ctx base = { .size = size, .chunk = chunk };
		struct copy_method *bounce_m;
		char *src, *dst, *bounce, *att = NULL;
		int nm = 0, j, r, fd;
		double base_bw;
		pid_t owner;

		bench_size_str(size, sz, sizeof(sz));
		src = bench_map_anon(size, HUGE_2M, -1);
		dst = bench_map_dst(size, DST_COLOUR);
		bench_fill_pattern(src, size, COPY_SEED);
		memset(dst, 0, size);
		base.dst = dst;

		/* The owner, with the bounce buffer shared from the start. */
		fd = memfd_create("xpmem-bench-bounce", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)chunk) != 0)
			bench_fail("memfd of %zu bytes: %s", chunk,
				   strerror(errno));
		bounce = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_SHARED,
			      fd, 0);
		if (bounce == MAP_FAILED)
			bench_fail("mmap of the memfd: %s", strerror(errno));
		close(fd);
		memset(bounce, 0, chunk);
		oa.bounce = bounce;
		reset_counters();
		owner = bench_spawn(copy_owner, &oa);
		bench_wait_ge(&bench_sh->owners_ready, 1);

		memset(m, 0, sizeof(m));
		m[nm] = (struct copy_method){ "memcpy", batch_memcpy, base, 0, {0} };
		m[nm++].c.src = src;
		if (bench_use_xpmem) {
			base.apid = do_get(bench_sh->owner[0].segid);
			att = do_attach(base.apid, size);
			bench_touch_read(att, size);	/* pre-fault */
			m[nm] = (struct copy_method){ "xpmem-warm", batch_memcpy,
						      base, 0, {0} };
			m[nm++].c.src = att;
			m[nm++] = (struct copy_method){ "xpmem-acd", batch_acd,
							base, 0, {0} };
		}
		base.pid = bench_sh->owner[0].pid;
		base.remote = bench_sh->owner[0].vaddr;
		m[nm++] = (struct copy_method){ "cma", batch_cma, base, 0, {0} };
		base.bounce = bounce;
		bounce_m = &m[nm];
		m[nm++] = (struct copy_method){ "memfd-bounce", batch_bounce,
						base, 0, {0} };

		for (j = 0; j < nm; j++) {
			bench_progress(st, "copy %s %s (calibration)", sz,
				       m[j].name);
			memset(dst, 0, size);
			m[j].k = calibrate(o, m[j].fn, &m[j].c);
			verify(m[j].name, dst, size);
		}
		for (r = 0; r < o->reps; r++) {
			bench_progress(st, "copy %s round %d/%d", sz, r + 1,
				       o->reps);
			for (j = 0; j < nm; j++) {
				uint64_t t0, t1;

				t0 = bench_now_ns();
				m[j].fn(&m[j].c, m[j].k);
				t1 = bench_now_ns();
				m[j].bw[r] = (double)size * (double)m[j].k /
					((double)(t1 - t0 ? t1 - t0 : 1) / 1e9) / MiB;
			}
		}
		base_bw = bench_median_double(m[0].bw, (size_t)o->reps);
		bench_add_row(st, "copy", "memcpy", size, 1, "bandwidth",
			      base_bw, "MiB/s", NULL, NAN);
		for (j = 1; j < nm; j++)
			bench_add_row(st, "copy", m[j].name, size, 1,
				      "bandwidth",
				      bench_median_double(m[j].bw, (size_t)o->reps),
				      "MiB/s", "memcpy", base_bw);

		if (att) {
			do_detach(att);
			do_release(base.apid);
		}
		bench_sh->cmd = CMD_EXIT;
		bench_set_wake(&bench_sh->cmd_seq, ++bounce_m->c.cmd_seq);
		bench_reap(owner);
		munmap(bounce, chunk);
		bench_unmap_anon(src, size);
		bench_unmap_dst(dst, size, DST_COLOUR);
	}
}

/* ---- first touch ----------------------------------------------------- */

/* Read one byte per page of [p, p+size): time and minor faults. */
static void touch_once(const void *p, size_t size, double *ms, double *faults)
{
	long f0, f1;
	uint64_t t0, t1;

	f0 = bench_minflt_now();
	t0 = bench_now_ns();
	bench_touch_read(p, size);
	t1 = bench_now_ns();
	f1 = bench_minflt_now();
	*ms = (double)(t1 - t0) / 1e6;
	*faults = (double)(f1 - f0);
}

static void touch_add(struct bench_state *st, const char *method, size_t size,
		      double *ms, double *faults, double base_ms)
{
	int n = st->o.reps;
	double m = bench_median_double(ms, (size_t)n);
	double f = bench_median_double(faults, (size_t)n);

	bench_add_row(st, "touch", method, size, 1, "time", m, "ms",
		      isnan(base_ms) ? NULL : "local-anon-4k", base_ms);
	bench_add_row(st, "touch", method, size, 1, "faults", f, "faults", NULL,
		      NAN);
	bench_add_row(st, "touch", method, size, 1, "faults_per_page",
		      f / (double)(size / PAGE_4K), "faults/page", NULL, NAN);
}

/*
 * An owner process (spawn() it with a struct bench_owner_arg): writes
 * every page of a fresh 2 MiB-aligned buffer, exports it, publishes it in
 * g_sh->owner[slot], bumps owners_ready and removes the segment once quit
 * is set. With memfd >= 0 it only populates that memfd and returns.
 */
void bench_owner(void *p)
{
	struct bench_owner_arg *a = p;
	struct owner_slot *s = &bench_sh->owner[a->slot];
	char *buf;
	int64_t segid = -1;

	if (a->memfd >= 0) {
		buf = mmap(NULL, a->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   a->memfd, 0);
		if (buf == MAP_FAILED)
			bench_fail("mmap of the memfd: %s", strerror(errno));
		bench_touch_write(buf, a->size);
		munmap(buf, a->size);
		return;
	}
	buf = bench_map_anon(a->size, HUGE_2M,
			     a->huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	bench_touch_write(buf, a->size);
	segid = bench_make(buf, a->size);
	s->pid = getpid();
	s->vaddr = (uintptr_t)buf;
	s->segid = segid;
	s->anon_huge_kb = bench_anon_huge_kb(buf, a->size);
	bench_bump(&bench_sh->owners_ready);
	bench_wait_ge(&bench_sh->quit, 1);
	bench_remove(segid);
}

enum { T_ANON4K, T_ANONTHP, T_MEMFD, T_XP4K, T_XPTHP, T_N };
static const char *const touch_names[T_N] = {
	"local-anon-4k", "local-anon-thp", "memfd-shared", "xpmem-4k-owner",
	"xpmem-thp-owner",
};

/*
 * Every round touches one fresh mapping of each kind, in turn: fresh
 * anonymous memory (4 KiB pages, and THP allowed), a fresh MAP_SHARED
 * mapping of a memfd populated by another process, and fresh attachments
 * of a populated 4 KiB owner and of a THP owner.
 */
void bench_run_touch(struct bench_state *st)
{
	const struct bench_opts *o = &st->o;
	size_t size = o->touch_size;
	double ms[T_N][BENCH_MAX_REPS], fl[T_N][BENCH_MAX_REPS], base;
	struct bench_owner_arg ta[2];
	int64_t apid[2] = { -1, -1 };
	pid_t owner[2] = { 0, 0 };
	int r, fd, k, n = bench_use_xpmem ? T_N : T_XP4K;
	char *p;

	fd = memfd_create("xpmem-bench-touch", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) != 0)
		bench_fail("memfd of %zu bytes: %s", size, strerror(errno));
	reset_counters();
	ta[0] = (struct bench_owner_arg){ .size = size, .memfd = fd };
	bench_reap(bench_spawn(bench_owner, &ta[0]));
	if (bench_use_xpmem) {
		for (k = 0; k < 2; k++) {
			ta[k] = (struct bench_owner_arg){ .size = size, .slot = k,
							  .huge = k, .memfd = -1 };
			owner[k] = bench_spawn(bench_owner, &ta[k]);
		}
		bench_wait_ge(&bench_sh->owners_ready, 2);
		for (k = 0; k < 2; k++)
			apid[k] = do_get(bench_sh->owner[k].segid);
	}

	for (r = 0; r < o->reps; r++) {
		bench_progress(st, "touch round %d/%d", r + 1, o->reps);
		for (k = 0; k < n; k++) {
			switch (k) {
			case T_ANON4K:
			case T_ANONTHP:
				p = bench_map_anon(size, HUGE_2M, k == T_ANON4K ?
						   MADV_NOHUGEPAGE :
						   MADV_HUGEPAGE);
				touch_once(p, size, &ms[k][r], &fl[k][r]);
				bench_unmap_anon(p, size);
				break;
			case T_MEMFD:
				p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
				if (p == MAP_FAILED)
					bench_fail("mmap of the memfd: %s",
						   strerror(errno));
				touch_once(p, size, &ms[k][r], &fl[k][r]);
				munmap(p, size);
				break;
			default:
				p = do_attach(apid[k - T_XP4K], size);
				touch_once(p, size, &ms[k][r], &fl[k][r]);
				do_detach(p);
				break;
			}
		}
	}
	close(fd);

	touch_add(st, touch_names[0], size, ms[0], fl[0], NAN);
	base = bench_find_row(st, "touch", touch_names[0], size, 1,
			      "time")->value;
	for (k = 1; k < n; k++)
		touch_add(st, touch_names[k], size, ms[k], fl[k], base);
	if (bench_use_xpmem) {
		for (k = 0; k < 2; k++) {
			do_release(apid[k]);
			bench_add_row(st, "touch", touch_names[T_XP4K + k],
				      size, 1, "owner_anon_huge",
				      (double)bench_sh->owner[k].anon_huge_kb,
				      "kB", NULL, NAN);
		}
		bench_set_wake(&bench_sh->quit, 1);
		for (k = 0; k < 2; k++)
			bench_reap(owner[k]);
	}
}

/* ---- control path ---------------------------------------------------- */

/*
 * The xpmem calls are timed in a cycle between two processes (the owner
 * makes, the attacher gets, attaches, detaches, releases, the owner
 * removes), with a futex hand-over each way. Every other iteration of
 * that cycle puts an anonymous mmap + munmap of the same size where the
 * attach and detach are (the "-in-cycle" rows): the context switches
 * of the cycle cost the calls after them more than a tight loop shows
 * (under TCG they discard the emulator's translation caches), so attach
 * and detach are compared with mmap and munmap timed in the same place.
 * The tight-loop mmap and munmap rows are kept for reference.
 */
#define CTL_WARM 10
enum { OP_MAKE, OP_GET, OP_ATTACH, OP_DETACH, OP_RELEASE, OP_REMOVE,
       OP_AD, OP_CYCLE, OP_MMAP, OP_MUNMAP, OP_MM, OP_CMMAP, OP_CMUNMAP,
       OP_CMM, OP_N };
static const char *const op_names[OP_N] = {
	"xpmem_make", "xpmem_get", "xpmem_attach", "xpmem_detach",
	"xpmem_release", "xpmem_remove", "attach+detach", "full-cycle",
	"mmap", "munmap", "mmap+munmap", "mmap-in-cycle", "munmap-in-cycle",
	"mmap+munmap-in-cycle",
};

struct ctl_owner_arg {
	size_t size;
	int n;
	uint64_t *times;	/* shared: [OP][n] */
};

static void ctl_owner(void *p)
{
	struct ctl_owner_arg *a = p;
	char *buf = bench_map_anon(a->size, HUGE_2M, -1);
	int i;

	bench_touch_write(buf, a->size);
	for (i = 0; i < CTL_WARM + 2 * a->n; i++) {
		int j = i - CTL_WARM;
		uint64_t t0, t1, t2, t3;
		int64_t segid;

		t0 = bench_now_ns();
		segid = bench_make(buf, a->size);
		t1 = bench_now_ns();
		bench_sh->owner[0].segid = segid;
		bench_set_wake(&bench_sh->ctl_made, i + 1);
		bench_wait_ge(&bench_sh->ctl_used, i + 1);
		t2 = bench_now_ns();
		bench_remove(segid);
		t3 = bench_now_ns();
		/* The attacher attached in the even iterations. */
		if (j >= 0 && j % 2 == 0) {
			a->times[OP_MAKE * a->n + j / 2] = t1 - t0;
			a->times[OP_REMOVE * a->n + j / 2] = t3 - t2;
		}
	}
}

void bench_run_control(struct bench_state *st)
{
	const struct bench_opts *o = &st->o;
	size_t size = o->ctl_size, tlen;
	int n = o->ctl_iters, i, op;
	uint64_t *t;
	struct ctl_owner_arg ca = { .size = size, .n = n };
	double med[OP_N], p99[OP_N];

	tlen = sizeof(uint64_t) * (size_t)n * OP_N;
	t = mmap(NULL, tlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	if (t == MAP_FAILED)
		bench_fail("mmap of %zu bytes: %s", tlen, strerror(errno));
	ca.times = t;

	bench_progress(st, "control mmap+munmap");
	for (i = 0; i < CTL_WARM + n; i++) {
		uint64_t t0, t1, t2;
		void *m;

		t0 = bench_now_ns();
		m = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		t1 = bench_now_ns();
		if (m == MAP_FAILED)
			bench_fail("mmap: %s", strerror(errno));
		if (munmap(m, size) != 0)
			bench_fail("munmap: %s", strerror(errno));
		t2 = bench_now_ns();
		if (i >= CTL_WARM) {
			t[OP_MMAP * n + i - CTL_WARM] = t1 - t0;
			t[OP_MUNMAP * n + i - CTL_WARM] = t2 - t1;
			t[OP_MM * n + i - CTL_WARM] = t2 - t0;
		}
	}

	if (bench_use_xpmem) {
		pid_t owner;

		bench_progress(st,
			       "control xpmem make/get/attach/detach/release/remove");
		reset_counters();
		owner = bench_spawn(ctl_owner, &ca);
		for (i = 0; i < CTL_WARM + 2 * n; i++) {
			int j = i - CTL_WARM, k = j / 2;
			bool anon = j % 2 != 0;
			uint64_t t0, t1, t2, t3, t4;
			int64_t apid;
			void *a;

			bench_wait_ge(&bench_sh->ctl_made, i + 1);
			t0 = bench_now_ns();
			apid = do_get(bench_sh->owner[0].segid);
			t1 = bench_now_ns();
			if (anon) {
				a = mmap(NULL, size, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				if (a == MAP_FAILED)
					bench_fail("mmap: %s", strerror(errno));
				t2 = bench_now_ns();
				if (munmap(a, size) != 0)
					bench_fail("munmap: %s",
						   strerror(errno));
			} else {
				a = do_attach(apid, size);
				t2 = bench_now_ns();
				do_detach(a);
			}
			t3 = bench_now_ns();
			do_release(apid);
			t4 = bench_now_ns();
			bench_set_wake(&bench_sh->ctl_used, i + 1);
			if (j < 0)
				continue;
			if (anon) {
				t[OP_CMMAP * n + k] = t2 - t1;
				t[OP_CMUNMAP * n + k] = t3 - t2;
				t[OP_CMM * n + k] = t3 - t1;
			} else {
				t[OP_GET * n + k] = t1 - t0;
				t[OP_ATTACH * n + k] = t2 - t1;
				t[OP_DETACH * n + k] = t3 - t2;
				t[OP_RELEASE * n + k] = t4 - t3;
				t[OP_AD * n + k] = t3 - t1;
			}
		}
		bench_reap(owner);
		for (i = 0; i < n; i++)
			t[OP_CYCLE * n + i] = t[OP_MAKE * n + i] + t[OP_GET * n + i] +
				t[OP_ATTACH * n + i] + t[OP_DETACH * n + i] +
				t[OP_RELEASE * n + i] + t[OP_REMOVE * n + i];
	}

	for (op = 0; op < (bench_use_xpmem ? OP_N : OP_CMMAP); op++) {
		med[op] = (double)bench_percentile_u64(t + (size_t)op * n,
						       (size_t)n, 0.5);
		p99[op] = (double)bench_percentile_u64(t + (size_t)op * n,
						       (size_t)n, 0.99);
	}
	for (op = OP_MMAP; op <= OP_MM; op++) {
		bench_add_row(st, "control", op_names[op], size, 1, "median",
			      med[op], "ns", NULL, NAN);
		bench_add_row(st, "control", op_names[op], size, 1, "p99",
			      p99[op], "ns", NULL, NAN);
	}
	if (bench_use_xpmem) {
		for (op = OP_CMMAP; op <= OP_CMM; op++) {
			bench_add_row(st, "control", op_names[op], size, 1,
				      "median", med[op], "ns", NULL, NAN);
			bench_add_row(st, "control", op_names[op], size, 1,
				      "p99", p99[op], "ns", NULL, NAN);
		}
		for (op = OP_MAKE; op <= OP_CYCLE; op++) {
			int b = op == OP_ATTACH ? OP_CMMAP :
				op == OP_DETACH ? OP_CMUNMAP :
				op == OP_AD ? OP_CMM : OP_MM;

			bench_add_row(st, "control", op_names[op], size, 1,
				      "median", med[op], "ns", op_names[b],
				      med[b]);
			bench_add_row(st, "control", op_names[op], size, 1,
				      "p99", p99[op], "ns", op_names[b],
				      p99[b]);
		}
	}
	munmap(t, tlen);
}

/* ---- scaling --------------------------------------------------------- */

enum { SC_MEMCPY, SC_PAIRS, SC_ONE_TO_MANY, SC_MANY_TO_ONE, SC_N };
static const char *const sc_names[SC_N] = {
	"memcpy", "pairs", "one-to-many", "many-to-one",
};

struct sc_arg {
	int id;			/* result slot */
	int first, nowners;	/* owners copied from (attachers) */
	size_t size;
	long k;			/* copies per owner per run */
	int reps;
};

static void sc_owner(void *p)
{
	struct sc_arg *a = p;
	char *buf = bench_map_anon(a->size, HUGE_2M, -1);
	int64_t segid;

	bench_fill_pattern(buf, a->size, 100 + (uint64_t)a->id);
	segid = bench_make(buf, a->size);
	bench_sh->owner[a->id].pid = getpid();
	bench_sh->owner[a->id].vaddr = (uintptr_t)buf;
	bench_sh->owner[a->id].segid = segid;
	bench_bump(&bench_sh->owners_ready);
	bench_wait_ge(&bench_sh->quit, 1);
	bench_remove(segid);
}

static void sc_worker(void *p)
{
	struct sc_arg *a = p;
	unsigned colour = DST_COLOUR + 2 * (unsigned)a->id;
	char *dst = bench_map_dst(a->size, colour);
	const char *src[BENCH_MAX_PROCS];
	int64_t apid[BENCH_MAX_PROCS];
	uint64_t seed;
	int o, r;
	long k;

	memset(dst, 0, a->size);
	if (a->nowners == 0) {
		char *s = bench_map_anon(a->size, HUGE_2M, -1);

		seed = 100 + (uint64_t)a->id;
		bench_fill_pattern(s, a->size, seed);
		src[0] = s;
	} else {
		for (o = 0; o < a->nowners; o++) {
			apid[o] = do_get(bench_sh->owner[a->first + o].segid);
			src[o] = do_attach(apid[o], a->size);
			bench_touch_read(src[o], a->size);
		}
		seed = 100 + (uint64_t)(a->first + a->nowners - 1);
	}
	{
		int n = a->nowners ? a->nowners : 1;

		for (o = 0; o < n; o++)	/* warm */
			memcpy(dst, src[o], a->size);
		bench_bump(&bench_sh->ready);
		for (r = 0; r < a->reps; r++) {
			uint64_t t0, t1;

			bench_wait_ge(&bench_sh->go, r + 1);
			t0 = bench_now_ns();
			for (k = 0; k < a->k; k++)
				for (o = 0; o < n; o++) {
					memcpy(dst, src[o], a->size);
					compiler_barrier();
				}
			t1 = bench_now_ns();
			bench_sh->res[a->id][r].t0 = t0;
			bench_sh->res[a->id][r].t1 = t1;
			bench_bump(&bench_sh->done);
		}
	}
	if (bench_check_pattern(dst, a->size, seed) != 0)
		bench_fail("scale: the copied data does not match the owner's");
	for (o = 0; o < a->nowners; o++) {
		do_detach((void *)src[o]);
		do_release(apid[o]);
	}
	bench_unmap_dst(dst, a->size, colour);
}

/* One scale case with P processes; returns the median aggregate MiB/s. */
static double scale_case(struct bench_state *st, int kind, int P, long k)
{
	const struct bench_opts *o = &st->o;
	struct sc_arg args[2 * BENCH_MAX_PROCS];
	pid_t pids[2 * BENCH_MAX_PROCS];
	int nowners, nworkers, i, r, np = 0;
	double agg[BENCH_MAX_REPS], bytes;

	switch (kind) {
	case SC_MEMCPY: nowners = 0; nworkers = P; break;
	case SC_PAIRS: nowners = P; nworkers = P; break;
	case SC_ONE_TO_MANY: nowners = 1; nworkers = P; break;
	default: nowners = P; nworkers = 1; break;
	}
	reset_counters();
	for (i = 0; i < nowners; i++) {
		args[np] = (struct sc_arg){ .id = i, .size = o->scale_size };
		pids[np] = bench_spawn(sc_owner, &args[np]);
		np++;
	}
	bench_wait_ge(&bench_sh->owners_ready, nowners);
	for (i = 0; i < nworkers; i++) {
		struct sc_arg *a = &args[np];

		*a = (struct sc_arg){ .id = i, .size = o->scale_size, .k = k,
				      .reps = o->reps };
		if (kind == SC_PAIRS) {
			a->first = i;
			a->nowners = 1;
		} else if (kind == SC_ONE_TO_MANY) {
			a->first = 0;
			a->nowners = 1;
		} else if (kind == SC_MANY_TO_ONE) {
			a->first = 0;
			a->nowners = P;
		}
		pids[np] = bench_spawn(sc_worker, a);
		np++;
	}
	bench_wait_ge(&bench_sh->ready, nworkers);
	for (r = 0; r < o->reps; r++) {
		bench_set_wake(&bench_sh->go, r + 1);
		bench_wait_ge(&bench_sh->done, nworkers * (r + 1));
	}
	for (i = nowners; i < np; i++)
		bench_reap(pids[i]);
	bench_set_wake(&bench_sh->quit, 1);
	for (i = 0; i < nowners; i++)
		bench_reap(pids[i]);

	bytes = (double)o->scale_size * (double)k *
		(double)(kind == SC_MANY_TO_ONE ? P : nworkers);
	for (r = 0; r < o->reps; r++) {
		uint64_t lo = UINT64_MAX, hi = 0;

		for (i = 0; i < nworkers; i++) {
			if (bench_sh->res[i][r].t0 < lo)
				lo = bench_sh->res[i][r].t0;
			if (bench_sh->res[i][r].t1 > hi)
				hi = bench_sh->res[i][r].t1;
		}
		agg[r] = bytes / ((double)(hi - lo ? hi - lo : 1) / 1e9) / MiB;
	}
	return bench_median_double(agg, (size_t)o->reps);
}

void bench_run_scale(struct bench_state *st)
{
	const struct bench_opts *o = &st->o;
	int procs[64], np, i, kind;
	double base1 = NAN;
	long k;
	char *a, *b;
	uint64_t t0, t1;

	/* Copies per run: at least batch_ms for one process. */
	a = bench_map_anon(o->scale_size, HUGE_2M, -1);
	b = bench_map_dst(o->scale_size, DST_COLOUR);
	bench_fill_pattern(a, o->scale_size, 1);
	memcpy(b, a, o->scale_size);
	t0 = bench_now_ns();
	memcpy(b, a, o->scale_size);
	compiler_barrier();
	t1 = bench_now_ns();
	bench_unmap_anon(a, o->scale_size);
	bench_unmap_dst(b, o->scale_size, DST_COLOUR);
	k = (long)ceil(o->batch_ms * 1e6 / (double)(t1 - t0 ? t1 - t0 : 1));
	if (k < 1)
		k = 1;
	if (k > 1000000)
		k = 1000000;

	np = bench_scale_procs(o, procs);
	for (i = 0; i < np; i++) {
		int P = procs[i];
		double base = NAN;

		for (kind = 0; kind < SC_N; kind++) {
			double v;

			if (kind != SC_MEMCPY && !bench_use_xpmem)
				continue;
			bench_progress(st, "scale %s P=%d", sc_names[kind], P);
			v = scale_case(st, kind, P, k);
			if (kind == SC_MEMCPY) {
				base = v;
				if (P == 1)
					base1 = v;
				bench_add_row(st, "scale", "memcpy",
					      o->scale_size, P,
					      "aggregate_bandwidth", v,
					      "MiB/s", NULL, NAN);
			} else if (kind == SC_MANY_TO_ONE) {
				bench_add_row(st, "scale", sc_names[kind],
					      o->scale_size, P,
					      "aggregate_bandwidth", v,
					      "MiB/s", "memcpy-P1", base1);
			} else {
				bench_add_row(st, "scale", sc_names[kind],
					      o->scale_size, P,
					      "aggregate_bandwidth", v,
					      "MiB/s", "memcpy", base);
			}
		}
	}
}
