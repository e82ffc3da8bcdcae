// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The scale section of xpmem-bench: aggregate bandwidth of concurrent
 * copiers (local memcpy; xpmem pairs, one-to-many, many-to-one).
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

#define MiB (1024.0 * 1024.0)

int bench_scale_procs(const struct bench_opts *o, int *procs)
{
	int n = 0, p;

	for (p = 1; p < o->max_procs; p *= 2)
		procs[n++] = p;
	procs[n++] = o->max_procs;
	return n;
}

/* ---- run ----------------------------------------------------------- */

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
			apid[o] = bench_get(bench_sh->owner[a->first + o].segid);
			src[o] = bench_attach(apid[o], a->size);
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
					bench_compiler_barrier();
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
		bench_detach((void *)src[o]);
		bench_release(apid[o]);
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
	bench_reset_counters();
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

static void run_scale(struct bench_state *st)
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
	bench_compiler_barrier();
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
/* ---- print --------------------------------------------------------- */

/* the columns of the table: every kind of run_scale, in its order */
#define N_SCALE SC_N

static void print_scale(const struct bench_state *st)
{
	int procs[64], np;
	char sz[32];

	np = bench_scale_procs(&st->o, procs);
	bench_size_str(st->o.scale_size, sz, sizeof(sz));
	printf("== Scaling, aggregate bandwidth MiB/s (%s per copy, median of "
	       "%d runs); ratio = / memcpy with P processes\n"
	       "   (many-to-one: / memcpy with 1 process)\n", sz, st->o.reps);
	bench_print_table(st, &(struct bench_table){
		.section = "scale", .metric = "aggregate_bandwidth",
		.methods = sc_names, .nmethods = N_SCALE,
		.xname = "P", .xwidth = 5, .width = 12,
		.n = np, .procs = procs });
	printf("   memcpy: P processes copying locally; pairs: P owners, P "
	       "attachers (one each);\n   one-to-many: 1 owner, P attachers; "
	       "many-to-one: P owners, 1 attacher copying from each in turn\n\n");
	fflush(stdout);
}

/* --plot: scale.dat and the lines of plots.gp that draw it. */
static void plot_scale(const struct bench_state *st, const char *dir, FILE *gp)
{
	int procs[64], np, i, m;
	FILE *f = bench_open_in(dir, "scale.dat");

	if (!f)
		return;
	np = bench_scale_procs(&st->o, procs);
	fprintf(f, "# procs");
	for (m = 0; m < N_SCALE; m++)
		fprintf(f, " %s", sc_names[m]);
	fprintf(f, "\n");
	for (i = 0; i < np; i++) {
		fprintf(f, "%d", procs[i]);
		for (m = 0; m < N_SCALE; m++)
			bench_dat_val(f, bench_find_row(st, "scale",
							sc_names[m], 0,
							procs[i],
							"aggregate_bandwidth"));
		fprintf(f, "\n");
	}
	fclose(f);
	fprintf(gp, "set output 'scale.png'\nset title 'Aggregate "
		"bandwidth'\nset xlabel 'P (processes)'\n"
		"set ylabel 'MiB/s'\nset yrange [0:*]\nset xtics 1\nplot");
	bench_gp_lines(gp, st, "scale", sc_names, N_SCALE,
		       "aggregate_bandwidth", "scale.dat", 2, "");
	fprintf(gp, "\nset xtics autofreq\n");
	fprintf(gp, "\n");
}

/* One step a kind (memcpy alone without xpmem) and P. */
static int scale_steps(const struct bench_opts *o, int have_xpmem)
{
	int procs[64];

	return bench_scale_procs(o, procs) * (have_xpmem ? 4 : 1);
}

const struct bench_section bench_scale = {
	"scale", SEC_SCALE, scale_steps, run_scale, print_scale, plot_scale,
};
