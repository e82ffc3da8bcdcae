// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The teardown section of xpmem-bench (full runs, or --sections teardown):
 *
 *   detach   time of one xpmem_detach() of a fully populated attachment
 *            (the owner wrote every 4 KiB page, the attacher read every
 *            page through the attachment), 256 MiB, 512 MiB and 1 GiB,
 *            against munmap() of an equally populated local private
 *            anonymous mapping (whose pages are freed) and of a MAP_SHARED
 *            memfd mapping another process populated (pages stay, like
 *            the owner's)
 *   exit     time from kill(SIGKILL) to the return of waitpid() for a
 *            process holding N one-page attachments (each read once, so
 *            each holds one entry), N = 25,000, 50,000 and 100,000,
 *            against a process holding N separate one-page anonymous
 *            mappings (each read once: the zero page)
 *   remove   the owner's side: time of the owner's xpmem_remove() of a
 *            segment another process holds N one-page attachments of
 *            (each read once); REMOVE kills and zaps every attachment
 *            of the segment under the segment's lock. Same N, same
 *            baseline as exit
 *
 * All owners and all memory are 4 KiB pages (MADV_NOHUGEPAGE). Nothing is
 * asserted about time; per-GiB and per-mapping costs and their ratios
 * are reported.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xpmem.h>

#include "bench.h"

#define GiB (1024.0 * 1024.0 * 1024.0)
#define TD_NSIZES 3
#define TD_NCOUNTS 3
#define TD_MARGIN (96UL << 20)	/* free memory kept beyond the size */

static const char *const td_detach_names[] = {
	"xpmem-detach", "munmap-anon", "munmap-memfd",
};
static const char *const td_exit_names[] = {
	"exit-mmaps", "exit-xpmem", "remove-xpmem",
};
#define TD_NEXIT 3

static void td_sizes(const struct bench_opts *o, size_t *sizes)
{
	size_t base = o->quick ? (16UL << 20) : (256UL << 20);

	for (int i = 0; i < TD_NSIZES; i++)
		sizes[i] = base << i;
}

static void td_counts(const struct bench_opts *o, long *counts)
{
	long base = o->quick ? 1000 : 25000;

	for (int i = 0; i < TD_NCOUNTS; i++)
		counts[i] = base << i;
}

static long meminfo_kb(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fprintf(f, "%ld\n", v) > 0;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

static double td_elapsed_ms(uint64_t t0)
{
	return (double)(bench_now_ns() - t0) / 1e6;
}

/* ---- detach ---------------------------------------------------------- */

static void td_reset(void)
{
	atomic_store(&bench_sh->owners_ready, 0);
	atomic_store(&bench_sh->ready, 0);
	atomic_store(&bench_sh->quit, 0);
	memset(bench_sh->owner, 0, sizeof(bench_sh->owner));
}

static double td_munmap_anon(size_t size)
{
	char *p = bench_map_anon(size, HUGE_2M, MADV_NOHUGEPAGE);
	uint64_t t0;

	bench_touch_write(p, size);
	t0 = bench_now_ns();
	if (munmap(p, size) != 0)
		bench_fail("munmap: %s", strerror(errno));
	return td_elapsed_ms(t0);
}

static double td_munmap_memfd(int fd, size_t size)
{
	char *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	uint64_t t0;

	if (p == MAP_FAILED)
		bench_fail("mmap of the memfd: %s", strerror(errno));
	bench_touch_read(p, size);
	t0 = bench_now_ns();
	if (munmap(p, size) != 0)
		bench_fail("munmap: %s", strerror(errno));
	return td_elapsed_ms(t0);
}

/* *faults: minor faults taken while reading every page of the attachment. */
static double td_detach_xpmem(int64_t apid, size_t size, double *faults)
{
	struct xpmem_addr addr = { .apid = apid, .offset = 0 };
	char *p = xpmem_attach(addr, size, NULL);
	uint64_t t0;
	long f0;

	if (p == (void *)-1)
		bench_fail("xpmem_attach(%zu): %s", size, strerror(errno));
	f0 = bench_minflt_now();
	bench_touch_read(p, size);
	*faults = (double)(bench_minflt_now() - f0);
	t0 = bench_now_ns();
	if (xpmem_detach(p) != 0)
		bench_fail("xpmem_detach: %s", strerror(errno));
	return td_elapsed_ms(t0);
}

static void td_add_detach(struct bench_state *st, int k, size_t size,
			  double *ms, int n, double base_ms)
{
	double med = bench_median_double(ms, (size_t)n);
	const char *bname = k == 1 ? NULL : td_detach_names[1];

	bench_add_row(st, "teardown", td_detach_names[k], size, 1, "time", med,
		      "ms", bname, base_ms);
	bench_add_row(st, "teardown", td_detach_names[k], size, 1,
		      "time_per_gib", med * GiB / (double)size, "ms", bname,
		      isnan(base_ms) ? NAN : base_ms * GiB / (double)size);
}

static void td_detach(struct bench_state *st)
{
	const struct bench_opts *o = &st->o;
	size_t sizes[TD_NSIZES];
	int reps = o->reps;

	td_sizes(o, sizes);
	for (int i = 0; i < TD_NSIZES; i++) {
		size_t size = sizes[i];
		double ms[3][BENCH_MAX_REPS], fl[BENCH_MAX_REPS];
		struct bench_owner_arg ta;
		long avail = meminfo_kb("MemAvailable");
		int64_t apid = -1;
		pid_t owner = 0;
		int fd, r;

		if (avail >= 0 &&
		    (unsigned long)avail * 1024UL < size + TD_MARGIN) {
			char s[32];

			bench_size_str(size, s, sizeof(s));
			bench_add_row(st, "teardown", "skipped", size, 1,
				      "mem_available", (double)avail, "kB", NULL, NAN);
			fprintf(stderr, "xpmem-bench: teardown: skipping the %s "
				"detach: MemAvailable %ld kB, need %zu kB\n",
				s, avail, (size + TD_MARGIN) >> 10);
			continue;
		}

		/* Baselines first, one at a time: peak memory is one size. */
		for (r = 0; r < reps; r++) {
			bench_progress(st, "teardown munmap %zu MiB %d/%d",
				       size >> 20, r + 1, reps);
			ms[1][r] = td_munmap_anon(size);
		}
		fd = memfd_create("xpmem-bench-teardown", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)size) != 0)
			bench_fail("memfd of %zu bytes: %s", size,
				   strerror(errno));
		td_reset();
		ta = (struct bench_owner_arg){ .size = size, .memfd = fd };
		bench_reap(bench_spawn(bench_owner, &ta));
		for (r = 0; r < reps; r++)
			ms[2][r] = td_munmap_memfd(fd, size);
		close(fd);

		if (bench_use_xpmem) {
			td_reset();
			ta = (struct bench_owner_arg){ .size = size, .memfd = -1 };
			owner = bench_spawn(bench_owner, &ta);
			bench_wait_ge(&bench_sh->owners_ready, 1);
			apid = xpmem_get(bench_sh->owner[0].segid, XPMEM_RDWR,
					 XPMEM_PERMIT_MODE, NULL);
			if (apid == -1)
				bench_fail("xpmem_get: %s", strerror(errno));
			for (r = 0; r < reps; r++) {
				bench_progress(st,
					       "teardown detach %zu MiB %d/%d",
					       size >> 20, r + 1, reps);
				ms[0][r] = td_detach_xpmem(apid, size, &fl[r]);
			}
			if (xpmem_release(apid) != 0)
				bench_fail("xpmem_release: %s",
					   strerror(errno));
			bench_set_wake(&bench_sh->quit, 1);
			bench_reap(owner);
		}

		td_add_detach(st, 1, size, ms[1], reps, NAN);
		{
			double base = bench_find_row(st, "teardown",
						     td_detach_names[1],
						     size, 1, "time")->value;

			td_add_detach(st, 2, size, ms[2], reps, base);
			if (bench_use_xpmem) {
				td_add_detach(st, 0, size, ms[0], reps, base);
				bench_add_row(st, "teardown",
					      td_detach_names[0], size,
					      1, "populate_faults",
					      bench_median_double(fl,
								  (size_t)reps), "faults",
					      NULL, NAN);
			}
		}
	}
}

/* ---- exit ------------------------------------------------------------ */

struct td_exit_arg {
	long n;
	int xpmem;
	int64_t segid;
};

/* Hold n one-page mappings, each read once, then wait to be killed. */
static void td_exit_child(void *p)
{
	struct td_exit_arg *a = p;
	volatile char sink;
	long i;

	if (a->xpmem) {
		struct xpmem_addr addr = { .offset = 0 };

		addr.apid = xpmem_get(a->segid, XPMEM_RDWR, XPMEM_PERMIT_MODE,
				      NULL);
		if (addr.apid == -1)
			bench_fail("xpmem_get: %s", strerror(errno));
		for (i = 0; i < a->n; i++) {
			char *m = xpmem_attach(addr, PAGE_4K, NULL);

			if (m == (void *)-1)
				bench_fail("attachment %ld of %ld: %s", i + 1,
					   a->n, strerror(errno));
			sink = *m;
		}
	} else {
		/* One unmapped page between mappings: no two merge. */
		size_t span = (size_t)a->n * 2 * PAGE_4K;
		char *base = mmap(NULL, span, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, 0);

		if (base == MAP_FAILED || munmap(base, span) != 0)
			bench_fail("reserving %zu bytes: %s", span,
				   strerror(errno));
		for (i = 0; i < a->n; i++) {
			char *want = base + (size_t)i * 2 * PAGE_4K;
			char *m = mmap(want, PAGE_4K, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS |
				       MAP_FIXED_NOREPLACE, -1, 0);

			if (m != want)
				bench_fail("mapping %ld of %ld: %s", i + 1,
					   a->n,
					   m == MAP_FAILED ? strerror(errno) :
					   "moved");
			sink = *m;
		}
	}
	(void)sink;
	bench_bump(&bench_sh->ready);
	for (;;)
		pause();
}

/*
 * kind 0: exit with N anonymous mappings, 1: exit with N attachments of
 * segid, 2: the REMOVE of a segment of ours (made here, on @own) that the
 * helper holds N attachments of, then the helper's exit (not timed).
 */
static double td_exit_once(long n, int kind, int64_t segid, char *own)
{
	struct td_exit_arg a = { .n = n, .xpmem = kind != 0, .segid = segid };
	pid_t pid;
	uint64_t t0;
	double ms = NAN;
	int status;

	if (kind == 2) {
		a.segid = bench_make(own, 16 * PAGE_4K);
	}
	atomic_store(&bench_sh->ready, 0);
	pid = bench_spawn(td_exit_child, &a);
	bench_wait_ge(&bench_sh->ready, 1);
	t0 = bench_now_ns();
	if (kind == 2) {
		bench_remove(a.segid);
		ms = td_elapsed_ms(t0);
	}
	if (kill(pid, SIGKILL) != 0)
		bench_fail("kill: %s", strerror(errno));
	status = bench_reap_status(pid);
	if (kind != 2)
		ms = td_elapsed_ms(t0);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		bench_fail("teardown: helper %d ended with status 0x%x%s%s",
			   (int)pid,
			   status, atomic_load(&bench_sh->failed) ? ": " : "",
			   atomic_load(&bench_sh->failed) ? bench_sh->errmsg : "");
	return ms;
}

static void td_exit(struct bench_state *st)
{
	const struct bench_opts *o = &st->o;
	const char *mmc = "/proc/sys/vm/max_map_count";
	long counts[TD_NCOUNTS], old_max, need;
	int reps = o->reps < 3 ? o->reps : 3;
	struct bench_owner_arg ta = { .size = 16 * PAGE_4K, .memfd = -1 };
	pid_t owner = 0;
	int64_t segid = -1;
	char *own = NULL;

	td_counts(o, counts);
	need = counts[TD_NCOUNTS - 1] + 4096;
	old_max = read_long(mmc);
	if (old_max >= 0 && old_max < need && write_long(mmc, need) != 0)
		fprintf(stderr, "xpmem-bench: teardown: cannot raise %s to "
			"%ld (%s); larger N will be skipped\n", mmc, need,
			strerror(errno));
	{
		long cur = read_long(mmc);

		for (int i = 0; i < TD_NCOUNTS; i++)
			if (cur >= 0 && counts[i] + 1024 > cur) {
				fprintf(stderr, "xpmem-bench: teardown: skipping "
					"exit with N = %ld (%s = %ld)\n",
					counts[i], mmc, cur);
				counts[i] = 0;
			}
	}

	if (bench_use_xpmem) {
		td_reset();
		owner = bench_spawn(bench_owner, &ta);
		bench_wait_ge(&bench_sh->owners_ready, 1);
		segid = bench_sh->owner[0].segid;
		own = bench_map_anon(16 * PAGE_4K, PAGE_4K, MADV_NOHUGEPAGE);
		bench_touch_write(own, 16 * PAGE_4K);
	}

	for (int i = 0; i < TD_NCOUNTS; i++) {
		double ms[TD_NEXIT][BENCH_MAX_REPS];
		int nk = bench_use_xpmem ? TD_NEXIT : 1;
		long n = counts[i];

		if (!n)
			continue;
		for (int r = 0; r < reps; r++)
			for (int k = 0; k < nk; k++) {
				bench_progress(st,
					       "teardown exit N=%ld %s %d/%d", n,
					       td_exit_names[k], r + 1, reps);
				ms[k][r] = td_exit_once(n, k, segid, own);
			}
		for (int k = 0; k < nk; k++) {
			double med = bench_median_double(ms[k], (size_t)reps);
			const char *b = k ? td_exit_names[0] : NULL;
			const struct bench_row *base = k ?
				bench_find_row(st, "teardown", td_exit_names[0],
					       (uint64_t)n, 1, "time") : NULL;

			bench_add_row(st, "teardown", td_exit_names[k],
				      (uint64_t)n, 1,
				      "time", med, "ms", b, base ? base->value : NAN);
			bench_add_row(st, "teardown", td_exit_names[k],
				      (uint64_t)n, 1,
				      "time_per_map", med * 1000.0 / (double)n, "us", b,
				      base ? base->value * 1000.0 / (double)n : NAN);
		}
	}

	if (bench_use_xpmem) {
		bench_set_wake(&bench_sh->quit, 1);
		bench_reap(owner);
		bench_unmap_anon(own, 16 * PAGE_4K);
	}
	if (old_max >= 0 && old_max < need)
		write_long(mmc, old_max);
}

/* How many bench_progress() steps run_teardown() takes. */
static int teardown_steps(const struct bench_opts *o, int have_xpmem)
{
	int exit_reps = o->reps < 3 ? o->reps : 3;

	return TD_NSIZES * o->reps * (have_xpmem ? 2 : 1) +
	       TD_NCOUNTS * exit_reps * (have_xpmem ? TD_NEXIT : 1);
}

static void run_teardown(struct bench_state *st)
{
	td_detach(st);
	td_exit(st);
}

/* ---- report ---------------------------------------------------------- */

static double td_val(const struct bench_state *st, const char *method,
		     uint64_t size, const char *metric)
{
	const struct bench_row *r = bench_find_row(st, "teardown", method, size,
						   1, metric);

	return r ? r->value : NAN;
}

static void print_teardown(const struct bench_state *st)
{
	size_t sizes[TD_NSIZES];
	long counts[TD_NCOUNTS];
	double first[TD_NEXIT] = { NAN, NAN, NAN };
	double last[TD_NEXIT] = { NAN, NAN, NAN };
	long nfirst = 0, nlast = 0;

	td_sizes(&st->o, sizes);
	td_counts(&st->o, counts);
	printf("== Teardown: detach of a fully populated attachment "
	       "(4 KiB pages), median of %d, ms\n"
	       "   ratio = / munmap of populated local anonymous memory "
	       "(pages freed)\n"
	       "   faults = the attacher's minor faults while reading every "
	       "page of the attachment\n",
	       st->o.reps);
	printf("%10s %12s %10s %13s %10s %8s %13s %10s %8s %8s\n",
	       "size", "munmap-anon", "ms/GiB", "munmap-memfd", "ms/GiB",
	       "ratio", "xpmem-detach", "ms/GiB", "ratio", "faults");
	for (int i = 0; i < TD_NSIZES; i++) {
		char s[32];
		double a = td_val(st, "munmap-anon", sizes[i], "time");
		double m = td_val(st, "munmap-memfd", sizes[i], "time");
		double x = td_val(st, "xpmem-detach", sizes[i], "time");
		double g = GiB / (double)sizes[i];

		bench_size_str(sizes[i], s, sizeof(s));
		if (isnan(a)) {
			printf("%10s  skipped (not enough free memory)\n", s);
			continue;
		}
		printf("%10s %12.2f %10.2f %13.2f %10.2f %7.2fx %13.2f %10.2f "
		       "%7.2fx %8.0f\n", s, a, a * g, m, m * g, m / a, x, x * g,
		       x / a, td_val(st, "xpmem-detach", sizes[i],
				     "populate_faults"));
	}

	printf("\n== Teardown: exit of a process holding N one-page mappings "
	       "(kill to waitpid), and the owner's\n   xpmem_remove() of a "
	       "segment another process holds N one-page attachments of; "
	       "median of %d\n",
	       st->o.reps < 3 ? st->o.reps : 3);
	printf("%8s %12s %10s %12s %10s %8s %12s %10s %8s\n", "N", "mmaps ms",
	       "us/map", "exit ms", "us/att", "ratio", "remove ms", "us/att",
	       "ratio");
	for (int i = 0; i < TD_NCOUNTS; i++) {
		double v[TD_NEXIT];

		for (int k = 0; k < TD_NEXIT; k++)
			v[k] = td_val(st, td_exit_names[k], (uint64_t)counts[i],
				      "time_per_map");
		if (isnan(v[0])) {
			printf("%8ld  skipped\n", counts[i]);
			continue;
		}
		printf("%8ld %12.1f %10.2f", counts[i],
		       v[0] * (double)counts[i] / 1000.0, v[0]);
		for (int k = 1; k < TD_NEXIT; k++)
			printf(" %12.1f %10.2f %7.2fx",
			       v[k] * (double)counts[i] / 1000.0, v[k],
			       v[k] / v[0]);
		printf("\n");
		if (!nfirst) {
			nfirst = counts[i];
			memcpy(first, v, sizeof(first));
		}
		nlast = counts[i];
		memcpy(last, v, sizeof(last));
	}
	if (nfirst && nlast != nfirst)
		printf("\nper-mapping cost at N = %ld / at N = %ld: mmaps %.2fx, "
		       "exit with attachments %.2fx, remove %.2fx (1.00x = "
		       "linear)\n", nlast, nfirst, last[0] / first[0],
		       last[1] / first[1], last[2] / first[2]);
	printf("\n");
	fflush(stdout);
}

const struct bench_section bench_teardown = {
	"teardown", SEC_TEARDOWN, teardown_steps, run_teardown,
	print_teardown, NULL,
};
