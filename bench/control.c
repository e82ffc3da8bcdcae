// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The control section of xpmem-bench: make/get/attach/detach/release/
 * remove against mmap/munmap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

/* ---- run ----------------------------------------------------------- */

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

static void run_control(struct bench_state *st)
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
		bench_reset_counters();
		owner = bench_spawn(ctl_owner, &ca);
		for (i = 0; i < CTL_WARM + 2 * n; i++) {
			int j = i - CTL_WARM, k = j / 2;
			bool anon = j % 2 != 0;
			uint64_t t0, t1, t2, t3, t4;
			int64_t apid;
			void *a;

			bench_wait_ge(&bench_sh->ctl_made, i + 1);
			t0 = bench_now_ns();
			apid = bench_get(bench_sh->owner[0].segid);
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
				a = bench_attach(apid, size);
				t2 = bench_now_ns();
				bench_detach(a);
			}
			t3 = bench_now_ns();
			bench_release(apid);
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

/* ---- print --------------------------------------------------------- */

/* the rows of the table, in their order (op_names is that of the run) */
static const char *const ctl_ops[] = {
	"mmap", "munmap", "mmap+munmap", "mmap-in-cycle", "munmap-in-cycle",
	"mmap+munmap-in-cycle", "xpmem_make", "xpmem_get", "xpmem_attach",
	"xpmem_detach", "attach+detach", "xpmem_release", "xpmem_remove",
	"full-cycle",
};
#define N_CTL (int)(sizeof(ctl_ops) / sizeof(ctl_ops[0]))

static void print_control(const struct bench_state *st)
{
	size_t size = st->o.ctl_size;
	char sz[32], a[32], b[32], c[32], d[32];
	int m;

	bench_size_str(size, sz, sizeof(sz));
	printf("== Control path, %s, %d iterations, ns (nearest-rank median and "
	       "p99); ratio = op / baseline\n", sz, st->o.ctl_iters);
	printf("%-20s %10s %10s %8s %8s  %s\n", "operation", "median", "p99",
	       "ratio50", "ratio99", "baseline");
	for (m = 0; m < N_CTL; m++) {
		const struct bench_row *md = bench_find_row(st, "control",
							    ctl_ops[m],
							    size, 1, "median");
		const struct bench_row *p9 = bench_find_row(st, "control",
							    ctl_ops[m],
							    size, 1, "p99");

		if (!md || !p9)
			continue;
		snprintf(a, sizeof(a), "%.0f", md->value);
		snprintf(b, sizeof(b), "%.0f", p9->value);
		bench_fmt_ratio(md->ratio, c, sizeof(c));
		bench_fmt_ratio(p9->ratio, d, sizeof(d));
		printf("%-20s %10s %10s %8s %8s  %s\n", ctl_ops[m], a, b, c, d,
		       md->baseline[0] ? md->baseline : "-");
	}
	printf("   make/remove timed in the owner, get/attach/detach/release in "
	       "the attacher; no page is touched;\n   full-cycle = sum of the "
	       "six xpmem calls of one iteration; *-in-cycle: anonymous mmap/"
	       "munmap timed\n   where attach/detach are, in every other "
	       "iteration of the same make-get-...-remove cycle\n\n");
	fflush(stdout);
}

/* --plot: control.dat and the lines of plots.gp that draw it. */
static void plot_control(const struct bench_state *st, const char *dir, FILE *gp)
{
	if (bench_dat_bars(dir, "control.dat", "# operation median_ns p99_ns",
			   st, "control", ctl_ops, N_CTL, st->o.ctl_size,
			   "median", "p99") != 0)
		return;
	fprintf(gp, "set output 'control.png'\nset title 'Control path'\n"
		"set style data histograms\nset style histogram cluster\n"
		"set style fill solid 0.6\nset xtics rotate by -30\n"
		"set bmargin 6\nset yrange [0:*]\n"
		"set xlabel ''\nset ylabel 'ns'\n"
		"plot 'control.dat' using 2:xticlabels(1) title 'median', "
		"'' using 3 title 'p99'\n");
}

/* The mmap/munmap loop, and the xpmem cycle. */
static int control_steps(const struct bench_opts *o, int have_xpmem)
{
	(void)o;
	return have_xpmem ? 2 : 1;
}

const struct bench_section bench_control = {
	"control", SEC_CONTROL, control_steps, run_control, print_control, plot_control,
};
