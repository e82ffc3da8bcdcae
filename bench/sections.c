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
	atomic_store(&g_sh->owners_ready, 0);
	atomic_store(&g_sh->cmd_seq, 0);
	atomic_store(&g_sh->cmd_done, 0);
	atomic_store(&g_sh->filled, 0);
	atomic_store(&g_sh->drained, 0);
	atomic_store(&g_sh->ctl_made, 0);
	atomic_store(&g_sh->ctl_used, 0);
	atomic_store(&g_sh->ready, 0);
	atomic_store(&g_sh->go, 0);
	atomic_store(&g_sh->done, 0);
	atomic_store(&g_sh->quit, 0);
	g_sh->cmd = CMD_NONE;
	memset(g_sh->owner, 0, sizeof(g_sh->owner));
}

int64_t do_make(void *buf, size_t size)
{
	int64_t segid = xpmem_make(buf, size, XPMEM_PERMIT_MODE, (void *)0600);

	if (segid == -1)
		fail("xpmem_make(%p, %zu): %s", buf, size, strerror(errno));
	return segid;
}

static int64_t do_get(int64_t segid)
{
	int64_t apid = xpmem_get(segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL);

	if (apid == -1)
		fail("xpmem_get(0x%llx): %s", (long long)segid, strerror(errno));
	return apid;
}

static void *do_attach(int64_t apid, size_t size)
{
	struct xpmem_addr addr = { .apid = apid, .offset = 0 };
	void *p = xpmem_attach(addr, size, NULL);

	if (p == (void *)-1)
		fail("xpmem_attach(0x%llx, %zu): %s", (long long)apid, size,
		     strerror(errno));
	return p;
}

static void do_detach(void *p)
{
	if (xpmem_detach(p) != 0)
		fail("xpmem_detach(%p): %s", p, strerror(errno));
}

static void do_release(int64_t apid)
{
	if (xpmem_release(apid) != 0)
		fail("xpmem_release: %s", strerror(errno));
}

void do_remove(int64_t segid)
{
	if (xpmem_remove(segid) != 0)
		fail("xpmem_remove: %s", strerror(errno));
}

void copy_sizes(const struct bench_opts *o, size_t *sizes, int *n)
{
	size_t s;

	*n = 0;
	for (s = 4096; s <= o->max_size && *n < 32; s *= 4)
		if (s >= o->min_size)
			sizes[(*n)++] = s;
}

int scale_procs(const struct bench_opts *o, int *procs)
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

	t0 = now_ns();
	fn(ctx, 1);
	t1 = now_ns();
	per = (double)(t1 - t0 ? t1 - t0 : 1);
	/* A second, longer calibration for the small, fast cases. */
	if (per * 4 < o->batch_ms * 1e6) {
		k = (long)(o->batch_ms * 1e6 / per / 4);
		if (k < 1)
			k = 1;
		t0 = now_ns();
		fn(ctx, k);
		t1 = now_ns();
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
				fail("process_vm_readv(%d, %zu bytes): %s",
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

	g_sh->cmd = CMD_BOUNCE;
	g_sh->cmd_arg = (uint64_t)n;
	set_wake(&g_sh->cmd_seq, ++c->cmd_seq);
	for (i = 0; i < n; i++) {
		wait_ge(&g_sh->filled, c->bounce_pos + 1);
		memcpy(c->dst + (size_t)(i % (long)nch) * c->chunk, c->bounce,
		       c->chunk);
		compiler_barrier();
		set_wake(&g_sh->drained, ++c->bounce_pos);
	}
	wait_ge(&g_sh->cmd_done, c->cmd_seq);
}

struct copy_owner_arg {
	size_t size;
	char *bounce;
	size_t chunk;
};

static void copy_owner(void *p)
{
	struct copy_owner_arg *a = p;
	char *src = map_anon(a->size, HUGE_2M, -1);
	int64_t segid = -1;
	int seen = 0, pos = 0;

	fill_pattern(src, a->size, COPY_SEED);
	if (g_use_xpmem)
		segid = do_make(src, a->size);
	g_sh->owner[0].pid = getpid();
	g_sh->owner[0].vaddr = (uintptr_t)src;
	g_sh->owner[0].segid = segid;
	bump(&g_sh->owners_ready);
	for (;;) {
		wait_ge(&g_sh->cmd_seq, ++seen);
		if (g_sh->cmd == CMD_EXIT)
			break;
		if (g_sh->cmd == CMD_BOUNCE) {
			size_t nch = a->size / a->chunk;
			long n = (long)g_sh->cmd_arg, i;

			for (i = 0; i < n; i++) {
				wait_ge(&g_sh->drained, pos);
				memcpy(a->bounce,
				       src + (size_t)(i % (long)nch) * a->chunk,
				       a->chunk);
				compiler_barrier();
				set_wake(&g_sh->filled, ++pos);
			}
		}
		set_wake(&g_sh->cmd_done, seen);
	}
	if (g_use_xpmem)
		do_remove(segid);
}

static void verify(const char *what, const void *dst, size_t size)
{
	if (check_pattern(dst, size, COPY_SEED) != 0)
		fail("%s: the copied data does not match the owner's", what);
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
void run_copy(struct bench_state *st)
{
	const struct bench_opts *o = &st->o;
	size_t sizes[32];
	int nsizes, i;
	char sz[32];

	copy_sizes(o, sizes, &nsizes);
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

		size_str(size, sz, sizeof(sz));
		src = map_anon(size, HUGE_2M, -1);
		dst = map_dst(size, DST_COLOUR);
		fill_pattern(src, size, COPY_SEED);
		memset(dst, 0, size);
		base.dst = dst;

		/* The owner, with the bounce buffer shared from the start. */
		fd = memfd_create("xpmem-bench-bounce", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)chunk) != 0)
			fail("memfd of %zu bytes: %s", chunk, strerror(errno));
		bounce = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_SHARED,
			      fd, 0);
		if (bounce == MAP_FAILED)
			fail("mmap of the memfd: %s", strerror(errno));
		close(fd);
		memset(bounce, 0, chunk);
		oa.bounce = bounce;
		reset_counters();
		owner = spawn(copy_owner, &oa);
		wait_ge(&g_sh->owners_ready, 1);

		memset(m, 0, sizeof(m));
		m[nm] = (struct copy_method){ "memcpy", batch_memcpy, base, 0, {0} };
		m[nm++].c.src = src;
		if (g_use_xpmem) {
			base.apid = do_get(g_sh->owner[0].segid);
			att = do_attach(base.apid, size);
			touch_read(att, size);	/* pre-fault */
			m[nm] = (struct copy_method){ "xpmem-warm", batch_memcpy,
						      base, 0, {0} };
			m[nm++].c.src = att;
			m[nm++] = (struct copy_method){ "xpmem-acd", batch_acd,
							base, 0, {0} };
		}
		base.pid = g_sh->owner[0].pid;
		base.remote = g_sh->owner[0].vaddr;
		m[nm++] = (struct copy_method){ "cma", batch_cma, base, 0, {0} };
		base.bounce = bounce;
		bounce_m = &m[nm];
		m[nm++] = (struct copy_method){ "memfd-bounce", batch_bounce,
						base, 0, {0} };

		for (j = 0; j < nm; j++) {
			progress(st, "copy %s %s (calibration)", sz, m[j].name);
			memset(dst, 0, size);
			m[j].k = calibrate(o, m[j].fn, &m[j].c);
			verify(m[j].name, dst, size);
		}
		for (r = 0; r < o->reps; r++) {
			progress(st, "copy %s round %d/%d", sz, r + 1, o->reps);
			for (j = 0; j < nm; j++) {
				uint64_t t0, t1;

				t0 = now_ns();
				m[j].fn(&m[j].c, m[j].k);
				t1 = now_ns();
				m[j].bw[r] = (double)size * (double)m[j].k /
					((double)(t1 - t0 ? t1 - t0 : 1) / 1e9) / MiB;
			}
		}
		base_bw = median_double(m[0].bw, (size_t)o->reps);
		add_row(st, "copy", "memcpy", size, 1, "bandwidth", base_bw,
			"MiB/s", NULL, NAN);
		for (j = 1; j < nm; j++)
			add_row(st, "copy", m[j].name, size, 1, "bandwidth",
				median_double(m[j].bw, (size_t)o->reps),
				"MiB/s", "memcpy", base_bw);

		if (att) {
			do_detach(att);
			do_release(base.apid);
		}
		g_sh->cmd = CMD_EXIT;
		set_wake(&g_sh->cmd_seq, ++bounce_m->c.cmd_seq);
		reap(owner);
		munmap(bounce, chunk);
		unmap_anon(src, size);
		unmap_dst(dst, size, DST_COLOUR);
	}
}

/* ---- first touch ----------------------------------------------------- */

/* Read one byte per page of [p, p+size): time and minor faults. */
static void touch_once(const void *p, size_t size, double *ms, double *faults)
{
	long f0, f1;
	uint64_t t0, t1;

	f0 = minflt_now();
	t0 = now_ns();
	touch_read(p, size);
	t1 = now_ns();
	f1 = minflt_now();
	*ms = (double)(t1 - t0) / 1e6;
	*faults = (double)(f1 - f0);
}

static void touch_add(struct bench_state *st, const char *method, size_t size,
		      double *ms, double *faults, double base_ms)
{
	int n = st->o.reps;
	double m = median_double(ms, (size_t)n);
	double f = median_double(faults, (size_t)n);

	add_row(st, "touch", method, size, 1, "time", m, "ms",
		isnan(base_ms) ? NULL : "local-anon-4k", base_ms);
	add_row(st, "touch", method, size, 1, "faults", f, "faults", NULL, NAN);
	add_row(st, "touch", method, size, 1, "faults_per_page",
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
	struct owner_slot *s = &g_sh->owner[a->slot];
	char *buf;
	int64_t segid = -1;

	if (a->memfd >= 0) {
		buf = mmap(NULL, a->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   a->memfd, 0);
		if (buf == MAP_FAILED)
			fail("mmap of the memfd: %s", strerror(errno));
		touch_write(buf, a->size);
		munmap(buf, a->size);
		return;
	}
	buf = map_anon(a->size, HUGE_2M, a->huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	touch_write(buf, a->size);
	segid = do_make(buf, a->size);
	s->pid = getpid();
	s->vaddr = (uintptr_t)buf;
	s->segid = segid;
	s->anon_huge_kb = anon_huge_kb(buf, a->size);
	bump(&g_sh->owners_ready);
	wait_ge(&g_sh->quit, 1);
	do_remove(segid);
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
void run_touch(struct bench_state *st)
{
	const struct bench_opts *o = &st->o;
	size_t size = o->touch_size;
	double ms[T_N][BENCH_MAX_REPS], fl[T_N][BENCH_MAX_REPS], base;
	struct bench_owner_arg ta[2];
	int64_t apid[2] = { -1, -1 };
	pid_t owner[2] = { 0, 0 };
	int r, fd, k, n = g_use_xpmem ? T_N : T_XP4K;
	char *p;

	fd = memfd_create("xpmem-bench-touch", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) != 0)
		fail("memfd of %zu bytes: %s", size, strerror(errno));
	reset_counters();
	ta[0] = (struct bench_owner_arg){ .size = size, .memfd = fd };
	reap(spawn(bench_owner, &ta[0]));
	if (g_use_xpmem) {
		for (k = 0; k < 2; k++) {
			ta[k] = (struct bench_owner_arg){ .size = size, .slot = k,
							  .huge = k, .memfd = -1 };
			owner[k] = spawn(bench_owner, &ta[k]);
		}
		wait_ge(&g_sh->owners_ready, 2);
		for (k = 0; k < 2; k++)
			apid[k] = do_get(g_sh->owner[k].segid);
	}

	for (r = 0; r < o->reps; r++) {
		progress(st, "touch round %d/%d", r + 1, o->reps);
		for (k = 0; k < n; k++) {
			switch (k) {
			case T_ANON4K:
			case T_ANONTHP:
				p = map_anon(size, HUGE_2M, k == T_ANON4K ?
					     MADV_NOHUGEPAGE : MADV_HUGEPAGE);
				touch_once(p, size, &ms[k][r], &fl[k][r]);
				unmap_anon(p, size);
				break;
			case T_MEMFD:
				p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
				if (p == MAP_FAILED)
					fail("mmap of the memfd: %s", strerror(errno));
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
	base = find_row(st, "touch", touch_names[0], size, 1, "time")->value;
	for (k = 1; k < n; k++)
		touch_add(st, touch_names[k], size, ms[k], fl[k], base);
	if (g_use_xpmem) {
		for (k = 0; k < 2; k++) {
			do_release(apid[k]);
			add_row(st, "touch", touch_names[T_XP4K + k], size, 1,
				"owner_anon_huge",
				(double)g_sh->owner[k].anon_huge_kb, "kB", NULL,
				NAN);
		}
		set_wake(&g_sh->quit, 1);
		for (k = 0; k < 2; k++)
			reap(owner[k]);
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
	char *buf = map_anon(a->size, HUGE_2M, -1);
	int i;

	touch_write(buf, a->size);
	for (i = 0; i < CTL_WARM + 2 * a->n; i++) {
		int j = i - CTL_WARM;
		uint64_t t0, t1, t2, t3;
		int64_t segid;

		t0 = now_ns();
		segid = do_make(buf, a->size);
		t1 = now_ns();
		g_sh->owner[0].segid = segid;
		set_wake(&g_sh->ctl_made, i + 1);
		wait_ge(&g_sh->ctl_used, i + 1);
		t2 = now_ns();
		do_remove(segid);
		t3 = now_ns();
		/* The attacher attached in the even iterations. */
		if (j >= 0 && j % 2 == 0) {
			a->times[OP_MAKE * a->n + j / 2] = t1 - t0;
			a->times[OP_REMOVE * a->n + j / 2] = t3 - t2;
		}
	}
}

void run_control(struct bench_state *st)
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
		fail("mmap of %zu bytes: %s", tlen, strerror(errno));
	ca.times = t;

	progress(st, "control mmap+munmap");
	for (i = 0; i < CTL_WARM + n; i++) {
		uint64_t t0, t1, t2;
		void *m;

		t0 = now_ns();
		m = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		t1 = now_ns();
		if (m == MAP_FAILED)
			fail("mmap: %s", strerror(errno));
		if (munmap(m, size) != 0)
			fail("munmap: %s", strerror(errno));
		t2 = now_ns();
		if (i >= CTL_WARM) {
			t[OP_MMAP * n + i - CTL_WARM] = t1 - t0;
			t[OP_MUNMAP * n + i - CTL_WARM] = t2 - t1;
			t[OP_MM * n + i - CTL_WARM] = t2 - t0;
		}
	}

	if (g_use_xpmem) {
		pid_t owner;

		progress(st, "control xpmem make/get/attach/detach/release/remove");
		reset_counters();
		owner = spawn(ctl_owner, &ca);
		for (i = 0; i < CTL_WARM + 2 * n; i++) {
			int j = i - CTL_WARM, k = j / 2;
			bool anon = j % 2 != 0;
			uint64_t t0, t1, t2, t3, t4;
			int64_t apid;
			void *a;

			wait_ge(&g_sh->ctl_made, i + 1);
			t0 = now_ns();
			apid = do_get(g_sh->owner[0].segid);
			t1 = now_ns();
			if (anon) {
				a = mmap(NULL, size, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				if (a == MAP_FAILED)
					fail("mmap: %s", strerror(errno));
				t2 = now_ns();
				if (munmap(a, size) != 0)
					fail("munmap: %s", strerror(errno));
			} else {
				a = do_attach(apid, size);
				t2 = now_ns();
				do_detach(a);
			}
			t3 = now_ns();
			do_release(apid);
			t4 = now_ns();
			set_wake(&g_sh->ctl_used, i + 1);
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
		reap(owner);
		for (i = 0; i < n; i++)
			t[OP_CYCLE * n + i] = t[OP_MAKE * n + i] + t[OP_GET * n + i] +
				t[OP_ATTACH * n + i] + t[OP_DETACH * n + i] +
				t[OP_RELEASE * n + i] + t[OP_REMOVE * n + i];
	}

	for (op = 0; op < (g_use_xpmem ? OP_N : OP_CMMAP); op++) {
		med[op] = (double)percentile_u64(t + (size_t)op * n, (size_t)n, 0.5);
		p99[op] = (double)percentile_u64(t + (size_t)op * n, (size_t)n, 0.99);
	}
	for (op = OP_MMAP; op <= OP_MM; op++) {
		add_row(st, "control", op_names[op], size, 1, "median", med[op],
			"ns", NULL, NAN);
		add_row(st, "control", op_names[op], size, 1, "p99", p99[op],
			"ns", NULL, NAN);
	}
	if (g_use_xpmem) {
		for (op = OP_CMMAP; op <= OP_CMM; op++) {
			add_row(st, "control", op_names[op], size, 1, "median",
				med[op], "ns", NULL, NAN);
			add_row(st, "control", op_names[op], size, 1, "p99",
				p99[op], "ns", NULL, NAN);
		}
		for (op = OP_MAKE; op <= OP_CYCLE; op++) {
			int b = op == OP_ATTACH ? OP_CMMAP :
				op == OP_DETACH ? OP_CMUNMAP :
				op == OP_AD ? OP_CMM : OP_MM;

			add_row(st, "control", op_names[op], size, 1, "median",
				med[op], "ns", op_names[b], med[b]);
			add_row(st, "control", op_names[op], size, 1, "p99",
				p99[op], "ns", op_names[b], p99[b]);
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
	char *buf = map_anon(a->size, HUGE_2M, -1);
	int64_t segid;

	fill_pattern(buf, a->size, 100 + (uint64_t)a->id);
	segid = do_make(buf, a->size);
	g_sh->owner[a->id].pid = getpid();
	g_sh->owner[a->id].vaddr = (uintptr_t)buf;
	g_sh->owner[a->id].segid = segid;
	bump(&g_sh->owners_ready);
	wait_ge(&g_sh->quit, 1);
	do_remove(segid);
}

static void sc_worker(void *p)
{
	struct sc_arg *a = p;
	unsigned colour = DST_COLOUR + 2 * (unsigned)a->id;
	char *dst = map_dst(a->size, colour);
	const char *src[BENCH_MAX_PROCS];
	int64_t apid[BENCH_MAX_PROCS];
	uint64_t seed;
	int o, r;
	long k;

	memset(dst, 0, a->size);
	if (a->nowners == 0) {
		char *s = map_anon(a->size, HUGE_2M, -1);

		seed = 100 + (uint64_t)a->id;
		fill_pattern(s, a->size, seed);
		src[0] = s;
	} else {
		for (o = 0; o < a->nowners; o++) {
			apid[o] = do_get(g_sh->owner[a->first + o].segid);
			src[o] = do_attach(apid[o], a->size);
			touch_read(src[o], a->size);
		}
		seed = 100 + (uint64_t)(a->first + a->nowners - 1);
	}
	{
		int n = a->nowners ? a->nowners : 1;

		for (o = 0; o < n; o++)	/* warm */
			memcpy(dst, src[o], a->size);
		bump(&g_sh->ready);
		for (r = 0; r < a->reps; r++) {
			uint64_t t0, t1;

			wait_ge(&g_sh->go, r + 1);
			t0 = now_ns();
			for (k = 0; k < a->k; k++)
				for (o = 0; o < n; o++) {
					memcpy(dst, src[o], a->size);
					compiler_barrier();
				}
			t1 = now_ns();
			g_sh->res[a->id][r].t0 = t0;
			g_sh->res[a->id][r].t1 = t1;
			bump(&g_sh->done);
		}
	}
	if (check_pattern(dst, a->size, seed) != 0)
		fail("scale: the copied data does not match the owner's");
	for (o = 0; o < a->nowners; o++) {
		do_detach((void *)src[o]);
		do_release(apid[o]);
	}
	unmap_dst(dst, a->size, colour);
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
		pids[np] = spawn(sc_owner, &args[np]);
		np++;
	}
	wait_ge(&g_sh->owners_ready, nowners);
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
		pids[np] = spawn(sc_worker, a);
		np++;
	}
	wait_ge(&g_sh->ready, nworkers);
	for (r = 0; r < o->reps; r++) {
		set_wake(&g_sh->go, r + 1);
		wait_ge(&g_sh->done, nworkers * (r + 1));
	}
	for (i = nowners; i < np; i++)
		reap(pids[i]);
	set_wake(&g_sh->quit, 1);
	for (i = 0; i < nowners; i++)
		reap(pids[i]);

	bytes = (double)o->scale_size * (double)k *
		(double)(kind == SC_MANY_TO_ONE ? P : nworkers);
	for (r = 0; r < o->reps; r++) {
		uint64_t lo = UINT64_MAX, hi = 0;

		for (i = 0; i < nworkers; i++) {
			if (g_sh->res[i][r].t0 < lo)
				lo = g_sh->res[i][r].t0;
			if (g_sh->res[i][r].t1 > hi)
				hi = g_sh->res[i][r].t1;
		}
		agg[r] = bytes / ((double)(hi - lo ? hi - lo : 1) / 1e9) / MiB;
	}
	return median_double(agg, (size_t)o->reps);
}

void run_scale(struct bench_state *st)
{
	const struct bench_opts *o = &st->o;
	int procs[64], np, i, kind;
	double base1 = NAN;
	long k;
	char *a, *b;
	uint64_t t0, t1;

	/* Copies per run: at least batch_ms for one process. */
	a = map_anon(o->scale_size, HUGE_2M, -1);
	b = map_dst(o->scale_size, DST_COLOUR);
	fill_pattern(a, o->scale_size, 1);
	memcpy(b, a, o->scale_size);
	t0 = now_ns();
	memcpy(b, a, o->scale_size);
	compiler_barrier();
	t1 = now_ns();
	unmap_anon(a, o->scale_size);
	unmap_dst(b, o->scale_size, DST_COLOUR);
	k = (long)ceil(o->batch_ms * 1e6 / (double)(t1 - t0 ? t1 - t0 : 1));
	if (k < 1)
		k = 1;
	if (k > 1000000)
		k = 1000000;

	np = scale_procs(o, procs);
	for (i = 0; i < np; i++) {
		int P = procs[i];
		double base = NAN;

		for (kind = 0; kind < SC_N; kind++) {
			double v;

			if (kind != SC_MEMCPY && !g_use_xpmem)
				continue;
			progress(st, "scale %s P=%d", sc_names[kind], P);
			v = scale_case(st, kind, P, k);
			if (kind == SC_MEMCPY) {
				base = v;
				if (P == 1)
					base1 = v;
				add_row(st, "scale", "memcpy", o->scale_size, P,
					"aggregate_bandwidth", v, "MiB/s", NULL, NAN);
			} else if (kind == SC_MANY_TO_ONE) {
				add_row(st, "scale", sc_names[kind], o->scale_size,
					P, "aggregate_bandwidth", v, "MiB/s",
					"memcpy-P1", base1);
			} else {
				add_row(st, "scale", sc_names[kind], o->scale_size,
					P, "aggregate_bandwidth", v, "MiB/s",
					"memcpy", base);
			}
		}
	}
}
