// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The touch section of xpmem-bench: first touch of an attachment, one
 * byte read per 4 KiB page, time and minor faults, against local
 * anonymous memory and a shared memfd mapping of populated pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

/* ---- run ----------------------------------------------------------- */

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
static void run_touch(struct bench_state *st)
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
	bench_reset_counters();
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
			apid[k] = bench_get(bench_sh->owner[k].segid);
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
				p = bench_attach(apid[k - T_XP4K], size);
				touch_once(p, size, &ms[k][r], &fl[k][r]);
				bench_detach(p);
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
			bench_release(apid[k]);
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

/* ---- print --------------------------------------------------------- */

/* the rows of the table: every kind of run_touch, in its order */
#define N_TOUCH T_N

/* The row of metric of method m. */
static const struct bench_row *row(const struct bench_state *st, int m,
				   const char *metric)
{
	return bench_find_row(st, "touch", touch_names[m], st->o.touch_size, 1,
			      metric);
}

static void print_touch(const struct bench_state *st)
{
	size_t size = st->o.touch_size;
	const struct bench_row *k4 = row(st, T_XP4K, "time");
	char sz[32], a[32], b[32], c[32], d[32], e[32], f[32];
	int m;

	bench_size_str(size, sz, sizeof(sz));
	printf("== First touch of %s, one byte read per 4 KiB page (median of "
	       "%d fresh mappings);\n   ratio = time / local-anon-4k time; "
	       "faults = ru_minflt delta of the toucher\n", sz, st->o.reps);
	printf("%-16s %10s %8s %10s %12s %11s %16s\n", "method", "time ms",
	       "ratio", "faults", "faults/page", "vs 4k owner",
	       "owner THP kB");
	for (m = 0; m < N_TOUCH; m++) {
		const struct bench_row *t = row(st, m, "time");
		const struct bench_row *fa = row(st, m, "faults");
		const struct bench_row *fp = row(st, m, "faults_per_page");
		const struct bench_row *hk = row(st, m, "owner_anon_huge");

		if (!t)
			continue;
		bench_fmt_num(t->value, a, sizeof(a));
		bench_fmt_ratio(t->ratio, b, sizeof(b));
		snprintf(c, sizeof(c), "%.0f", fa ? fa->value : NAN);
		snprintf(d, sizeof(d), "%.4f", fp ? fp->value : NAN);
		bench_fmt_ratio(k4 && strstr(touch_names[m], "xpmem") ?
				t->value / k4->value : NAN, e, sizeof(e));
		if (hk)
			snprintf(f, sizeof(f), "%.0f/%zu", hk->value, size >> 10);
		else
			snprintf(f, sizeof(f), "-");
		printf("%-16s %10s %8s %10s %12s %11s %16s\n", touch_names[m],
		       a, b, c, d, e, f);
	}
	printf("   local-anon-4k: fresh MAP_PRIVATE|MAP_ANONYMOUS, "
	       "MADV_NOHUGEPAGE; local-anon-thp: same with MADV_HUGEPAGE;\n"
	       "   memfd-shared: pages populated by another process, fresh "
	       "MAP_SHARED mapping; xpmem-*-owner: fresh attachment of a\n"
	       "   populated owner (MADV_NOHUGEPAGE, or MADV_HUGEPAGE 2 MiB "
	       "aligned: THP kB from the owner's /proc/self/smaps)\n\n");
	fflush(stdout);
}

/* --plot: touch.dat and the lines of plots.gp that draw it. */
static void plot_touch(const struct bench_state *st, const char *dir, FILE *gp)
{
	if (bench_dat_bars(dir, "touch.dat", "# method time_ms faults_per_page",
			   st, "touch", touch_names, N_TOUCH, st->o.touch_size,
			   "time", "faults_per_page") != 0)
		return;
	fprintf(gp, "set output 'touch.png'\nset title 'First touch, one "
		"byte per 4 KiB page'\nset style data histograms\n"
		"set style fill solid 0.6\nset boxwidth 0.8\n"
		"set xlabel ''\nset ylabel 'ms'\nset yrange [0:*]\nunset key\n"
		"plot 'touch.dat' using 2:xticlabels(1)\nset key\n"
		"set style data lines\n");
}

/* One step a round. */
static int touch_steps(const struct bench_opts *o, int have_xpmem)
{
	(void)have_xpmem;
	return o->reps;
}

const struct bench_section bench_touch = {
	"touch", SEC_TOUCH, touch_steps, run_touch, print_touch, plot_touch,
};
