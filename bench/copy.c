// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The copy section of xpmem-bench: bandwidth per size of memcpy, xpmem
 * warm (attached once, pre-faulted), xpmem attach-copy-detach, CMA
 * (process_vm_readv) and a memfd bounce buffer. The measuring process is
 * the reader; the owner is a forked helper serving commands through the
 * shared control block (bench_sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"

#define MiB (1024.0 * 1024.0)
#define COPY_SEED 7

void bench_copy_sizes(const struct bench_opts *o, size_t *sizes, int *n)
{
	size_t s;

	*n = 0;
	for (s = 4096; s <= o->max_size && *n < 32; s *= 4)
		if (s >= o->min_size)
			sizes[(*n)++] = s;
}

/* ---- run ----------------------------------------------------------- */

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
		bench_compiler_barrier();
	}
}

static void batch_acd(void *p, long k)
{
	struct copy_ctx *c = p;

	while (k--) {
		void *a = bench_attach(c->apid, c->size);

		memcpy(c->dst, a, c->size);
		bench_compiler_barrier();
		bench_detach(a);
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
		bench_compiler_barrier();
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
				bench_compiler_barrier();
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
static void run_copy(struct bench_state *st)
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
		bench_reset_counters();
		owner = bench_spawn(copy_owner, &oa);
		bench_wait_ge(&bench_sh->owners_ready, 1);

		memset(m, 0, sizeof(m));
		m[nm] = (struct copy_method){ "memcpy", batch_memcpy, base, 0, {0} };
		m[nm++].c.src = src;
		if (bench_use_xpmem) {
			base.apid = bench_get(bench_sh->owner[0].segid);
			att = bench_attach(base.apid, size);
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
			bench_detach(att);
			bench_release(base.apid);
		}
		bench_sh->cmd = CMD_EXIT;
		bench_set_wake(&bench_sh->cmd_seq, ++bounce_m->c.cmd_seq);
		bench_reap(owner);
		munmap(bounce, chunk);
		bench_unmap_anon(src, size);
		bench_unmap_dst(dst, size, DST_COLOUR);
	}
}

/* ---- print --------------------------------------------------------- */

static const char *const copy_methods[] = {
	"memcpy", "xpmem-warm", "xpmem-acd", "cma", "memfd-bounce",
};
#define N_COPY (int)(sizeof(copy_methods) / sizeof(copy_methods[0]))

static void print_copy(const struct bench_state *st)
{
	size_t sizes[32];
	int n;

	bench_copy_sizes(&st->o, sizes, &n);
	printf("== Copy bandwidth, MiB/s (median of %d batches); "
	       "ratio = method / local memcpy of the same size\n", st->o.reps);
	printf("   memcpy: local copy (the limit); xpmem-warm: attached once, "
	       "pre-faulted; xpmem-acd: attach+copy+detach per copy;\n"
	       "   cma: process_vm_readv; memfd-bounce: owner copies into a "
	       "shared memfd buffer of min(size, %zu KiB),\n"
	       "   attacher copies out; sequential handshake through a futex "
	       "(brief spin, then FUTEX_WAIT)\n",
	       st->o.bounce_size >> 10);
	bench_print_table(st, &(struct bench_table){
		.section = "copy", .metric = "bandwidth",
		.methods = copy_methods, .nmethods = N_COPY,
		.xname = "size", .xwidth = 9, .width = 13,
		.n = n, .sizes = sizes });
	printf("\n");
	fflush(stdout);
}

/* --plot: copy.dat and the lines of plots.gp that draw it. */
static void plot_copy(const struct bench_state *st, const char *dir, FILE *gp)
{
	size_t sizes[32];
	int n, i, m;
	FILE *f = bench_open_in(dir, "copy.dat");

	if (!f)
		return;
	bench_copy_sizes(&st->o, sizes, &n);
	fprintf(f, "# size_bytes label");
	for (m = 0; m < N_COPY; m++)
		fprintf(f, " %s", copy_methods[m]);
	fprintf(f, "\n");
	for (i = 0; i < n; i++) {
		char lbl[32];

		bench_size_str(sizes[i], lbl, sizeof(lbl));
		memmove(strchr(lbl, ' '), strchr(lbl, ' ') + 1,
			strlen(strchr(lbl, ' ')));
		fprintf(f, "%zu %s", sizes[i], lbl);
		for (m = 0; m < N_COPY; m++)
			bench_dat_val(f, bench_find_row(st, "copy",
							copy_methods[m],
							sizes[i], 1,
							"bandwidth"));
		fprintf(f, "\n");
	}
	fclose(f);
	fprintf(gp, "set output 'copy.png'\nset title 'Copy bandwidth'\n"
		"set logscale xy\nset xlabel 'bytes per copy'\n"
		"set ylabel 'MiB/s'\nplot");
	bench_gp_lines(gp, st, "copy", copy_methods, N_COPY, "bandwidth",
		       "copy.dat", 3, ":xtic(2)");
	fprintf(gp, "\nunset logscale\n");
}

/* Calibration (one step a method) and the rounds, per size. */
static int copy_steps(const struct bench_opts *o, int have_xpmem)
{
	size_t sizes[32];
	int n;

	bench_copy_sizes(o, sizes, &n);
	return n * ((have_xpmem ? 5 : 3) + o->reps);
}

const struct bench_section bench_copy = {
	"copy", SEC_COPY, copy_steps, run_copy, print_copy, plot_copy,
};
