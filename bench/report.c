// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpmem-bench output: result rows, the progress line, the text tables,
 * the goals summary, CSV and gnuplot plots.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

void bench_add_row(struct bench_state *st, const char *section,
		   const char *method, uint64_t size, int procs,
		   const char *metric, double value, const char *unit,
		   const char *baseline, double base_value)
{
	struct bench_row *r;

	if (st->nrows == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 64;
		struct bench_row *n = realloc(st->rows, cap * sizeof(*n));

		if (!n)
			bench_fail("out of memory");
		st->rows = n;
		st->cap = cap;
	}
	r = &st->rows[st->nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->section, sizeof(r->section), "%s", section);
	snprintf(r->method, sizeof(r->method), "%s", method);
	r->size = size;
	r->procs = procs;
	snprintf(r->metric, sizeof(r->metric), "%s", metric);
	r->value = value;
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	snprintf(r->baseline, sizeof(r->baseline), "%s", baseline ? baseline : "");
	r->ratio = baseline && base_value > 0 && !isnan(base_value) ?
		value / base_value : NAN;
}

const struct bench_row *bench_find_row(const struct bench_state *st,
				       const char *section, const char *method,
				       uint64_t size, int procs, const char *metric)
{
	size_t i;

	for (i = 0; i < st->nrows; i++) {
		const struct bench_row *r = &st->rows[i];

		if (!strcmp(r->section, section) && !strcmp(r->method, method) &&
		    (size == 0 || r->size == size) && r->procs == procs &&
		    !strcmp(r->metric, metric))
			return r;
	}
	return NULL;
}

/* ---- progress -------------------------------------------------------- */

void bench_progress(struct bench_state *st, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	st->step++;
	if (st->o.quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (isatty(STDERR_FILENO)) {
		fprintf(stderr, "\r\033[K[%d/%d] %s", st->step, st->nsteps, msg);
		st->progress_open = 1;
	} else {
		fprintf(stderr, "xpmem-bench: [%d/%d] %s\n", st->step,
			st->nsteps, msg);
	}
	fflush(stderr);
}

void bench_progress_end(struct bench_state *st)
{
	if (st->progress_open) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
		st->progress_open = 0;
	}
}

/* ---- text tables ----------------------------------------------------- */

static void fmt_num(double v, char *out, size_t len)
{
	if (isnan(v))
		snprintf(out, len, "-");
	else if (v >= 100000)
		snprintf(out, len, "%.0f", v);
	else if (v >= 100)
		snprintf(out, len, "%.1f", v);
	else if (v >= 1)
		snprintf(out, len, "%.2f", v);
	else
		snprintf(out, len, "%.4f", v);
}

static void fmt_ratio(double v, char *out, size_t len)
{
	if (isnan(v))
		snprintf(out, len, "-");
	else if (v >= 10)
		snprintf(out, len, "%.1fx", v);
	else if (v >= 0.01)
		snprintf(out, len, "%.2fx", v);
	else
		snprintf(out, len, "%.4fx", v);
}

void bench_print_header(const struct bench_state *st)
{
	const struct bench_info *in = &st->info;
	int v = in->xpmem_version;

	printf("xpmem-bench %s, %s\n", XPMEM_BENCH_VERSION, in->date);
	printf("  kernel:  %s\n", in->uname);
	printf("  cpu:     %s\n", in->cpu);
	printf("  nproc:   %ld\n", in->nproc);
	printf("  memory:  %s\n", in->mem[0] ? in->mem : "unknown");
	printf("  THP:     %s\n", in->thp);
	if (v >= 0)
		printf("  xpmem:   module version %d.%d.%d (0x%x)\n",
		       v >> 16, (v >> 12) & 0xf, v & 0xfff, (unsigned)v);
	else
		printf("  xpmem:   not used (--baselines-only)\n");
	printf("  huge mappings: %s\n", in->huge_mappings);
	if (in->params[0])
		printf("  module parameters: %s\n", in->params);
	printf("  timing:  clock_gettime(CLOCK_MONOTONIC) (clocksource %s, "
	       "%.0f ns per call); %d repetitions per point, batches of >= "
	       "%.0f ms\n\n", in->clocksource[0] ? in->clocksource : "?",
	       in->clock_ns, st->o.reps, st->o.batch_ms);
	fflush(stdout);
}

static const char *const copy_methods[] = {
	"memcpy", "xpmem-warm", "xpmem-acd", "cma", "memfd-bounce",
};
#define N_COPY (int)(sizeof(copy_methods) / sizeof(copy_methods[0]))

void bench_print_copy(const struct bench_state *st)
{
	size_t sizes[32];
	int n, i, m;
	char b[32], sz[32];

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
	printf("%9s", "size");
	for (m = 0; m < N_COPY; m++) {
		if (!bench_find_row(st, "copy", copy_methods[m], 0, 1,
				    "bandwidth"))
			continue;
		printf(" %13s", copy_methods[m]);
		if (m)
			printf(" %7s", "ratio");
	}
	printf("\n");
	for (i = 0; i < n; i++) {
		bench_size_str(sizes[i], sz, sizeof(sz));
		printf("%9s", sz);
		for (m = 0; m < N_COPY; m++) {
			const struct bench_row *r;

			if (!bench_find_row(st, "copy", copy_methods[m], 0, 1,
					    "bandwidth"))
				continue;
			r = bench_find_row(st, "copy", copy_methods[m],
					   sizes[i], 1, "bandwidth");
			fmt_num(r ? r->value : NAN, b, sizeof(b));
			printf(" %13s", b);
			if (m) {
				fmt_ratio(r ? r->ratio : NAN, b, sizeof(b));
				printf(" %7s", b);
			}
		}
		printf("\n");
	}
	printf("\n");
	fflush(stdout);
}

static const char *const touch_methods[] = {
	"local-anon-4k", "local-anon-thp", "memfd-shared", "xpmem-4k-owner",
	"xpmem-thp-owner",
};
#define N_TOUCH (int)(sizeof(touch_methods) / sizeof(touch_methods[0]))

void bench_print_touch(const struct bench_state *st)
{
	size_t size = st->o.touch_size;
	const struct bench_row *k4 = bench_find_row(st, "touch",
						    "xpmem-4k-owner",
						    size, 1, "time");
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
		const struct bench_row *t = bench_find_row(st, "touch",
							   touch_methods[m],
							   size, 1, "time");
		const struct bench_row *fa = bench_find_row(st, "touch",
							    touch_methods[m],
							    size, 1, "faults");
		const struct bench_row *fp = bench_find_row(st, "touch",
							    touch_methods[m],
							    size, 1, "faults_per_page");
		const struct bench_row *hk = bench_find_row(st, "touch",
							    touch_methods[m],
							    size, 1, "owner_anon_huge");

		if (!t)
			continue;
		fmt_num(t->value, a, sizeof(a));
		fmt_ratio(t->ratio, b, sizeof(b));
		snprintf(c, sizeof(c), "%.0f", fa ? fa->value : NAN);
		snprintf(d, sizeof(d), "%.4f", fp ? fp->value : NAN);
		fmt_ratio(k4 && strstr(touch_methods[m], "xpmem") ?
			  t->value / k4->value : NAN, e, sizeof(e));
		if (hk)
			snprintf(f, sizeof(f), "%.0f/%zu", hk->value, size >> 10);
		else
			snprintf(f, sizeof(f), "-");
		printf("%-16s %10s %8s %10s %12s %11s %16s\n", touch_methods[m],
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

static const char *const ctl_ops[] = {
	"mmap", "munmap", "mmap+munmap", "mmap-in-cycle", "munmap-in-cycle",
	"mmap+munmap-in-cycle", "xpmem_make", "xpmem_get", "xpmem_attach",
	"xpmem_detach", "attach+detach", "xpmem_release", "xpmem_remove",
	"full-cycle",
};
#define N_CTL (int)(sizeof(ctl_ops) / sizeof(ctl_ops[0]))

void bench_print_control(const struct bench_state *st)
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
		fmt_ratio(md->ratio, c, sizeof(c));
		fmt_ratio(p9->ratio, d, sizeof(d));
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

static const char *const scale_methods[] = {
	"memcpy", "pairs", "one-to-many", "many-to-one",
};
#define N_SCALE (int)(sizeof(scale_methods) / sizeof(scale_methods[0]))

void bench_print_scale(const struct bench_state *st)
{
	int procs[64], np, i, m;
	char sz[32], b[32];

	np = bench_scale_procs(&st->o, procs);
	bench_size_str(st->o.scale_size, sz, sizeof(sz));
	printf("== Scaling, aggregate bandwidth MiB/s (%s per copy, median of "
	       "%d runs); ratio = / memcpy with P processes\n"
	       "   (many-to-one: / memcpy with 1 process)\n", sz, st->o.reps);
	printf("%5s", "P");
	for (m = 0; m < N_SCALE; m++) {
		if (!bench_find_row(st, "scale", scale_methods[m], 0, 1,
				    "aggregate_bandwidth"))
			continue;
		printf(" %12s", scale_methods[m]);
		if (m)
			printf(" %7s", "ratio");
	}
	printf("\n");
	for (i = 0; i < np; i++) {
		printf("%5d", procs[i]);
		for (m = 0; m < N_SCALE; m++) {
			const struct bench_row *r;

			if (!bench_find_row(st, "scale", scale_methods[m], 0, 1,
					    "aggregate_bandwidth"))
				continue;
			r = bench_find_row(st, "scale", scale_methods[m], 0,
					   procs[i], "aggregate_bandwidth");
			fmt_num(r ? r->value : NAN, b, sizeof(b));
			printf(" %12s", b);
			if (m) {
				fmt_ratio(r ? r->ratio : NAN, b, sizeof(b));
				printf(" %7s", b);
			}
		}
		printf("\n");
	}
	printf("   memcpy: P processes copying locally; pairs: P owners, P "
	       "attachers (one each);\n   one-to-many: 1 owner, P attachers; "
	       "many-to-one: P owners, 1 attacher copying from each in turn\n\n");
	fflush(stdout);
}

/* ---- goals ----------------------------------------------------------- */

static void goal(struct bench_state *st, const char *id, const char *what,
		 uint64_t size, double v, int higher_is_better, double target,
		 const char *note)
{
	char tgt[24], val[32];
	const char *verdict;

	snprintf(tgt, sizeof(tgt), "%s%g", higher_is_better ? ">=" : "<=",
		 target);
	if (isnan(v))
		verdict = "not measured";
	else if (higher_is_better ? v >= target : v <= target)
		verdict = "met";
	else
		verdict = "NOT met";
	fmt_ratio(v, val, sizeof(val));
	printf("  %-46s %9s  target %-7s %-12s %s\n", what, val, tgt, verdict,
	       note ? note : "");
	if (!isnan(v))
		bench_add_row(st, "goal", id, size, 1, "ratio", v, "x", tgt,
			      NAN);
}

void bench_print_goals(struct bench_state *st)
{
	size_t sizes[32], ts = st->o.touch_size, cs = st->o.ctl_size;
	int n, i;
	double worst = NAN;
	uint64_t worst_size = 0;
	const struct bench_row *a, *b;
	char note[64], sz[32];

	if (!bench_use_xpmem)
		return;
	printf("== Goals (reported, never asserted)\n");
	if (st->o.sections & SEC_COPY) {
		bench_copy_sizes(&st->o, sizes, &n);
		for (i = 0; i < n; i++) {
			a = bench_find_row(st, "copy", "xpmem-warm", sizes[i],
					   1, "bandwidth");
			if (a && (isnan(worst) || a->ratio < worst)) {
				worst = a->ratio;
				worst_size = sizes[i];
			}
		}
		bench_size_str(worst_size, sz, sizeof(sz));
		snprintf(note, sizeof(note), "(worst size: %s)", sz);
		goal(st, "warm-copy", "warm copy / local memcpy", worst_size,
		     worst, 1, 0.95, note);
	}
	if (st->o.sections & SEC_TOUCH) {
		a = bench_find_row(st, "touch", "xpmem-4k-owner", ts, 1,
				   "time");
		goal(st, "touch-4k",
		     "first touch 4k owner / local anon read touch", ts,
		     a ? a->ratio : NAN, 0, 0.2, NULL);
		b = bench_find_row(st, "touch", "xpmem-thp-owner", ts, 1,
				   "time");
		goal(st, "touch-thp", "first touch THP owner / 4k owner", ts,
		     a && b ? b->value / a->value : NAN, 0, 0.1,
		     "(>= 10x faster)");
	}
	if (st->o.sections & SEC_CONTROL) {
		a = bench_find_row(st, "control", "attach+detach", cs, 1,
				   "median");
		goal(st, "attach-detach",
		     "attach+detach / mmap+munmap in cycle (median)",
		     cs, a ? a->ratio : NAN, 0, 1.2, NULL);
	}
	printf("\n");
	fflush(stdout);
}

/* ---- CSV ------------------------------------------------------------- */

static void csv_num(FILE *f, double v)
{
	if (!isnan(v))
		fprintf(f, "%.6g", v);
}

int bench_write_csv(const struct bench_state *st, const char *path)
{
	const struct bench_info *in = &st->info;
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	size_t i;

	if (!f) {
		fprintf(stderr, "xpmem-bench: cannot write %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	fprintf(f, "# xpmem-bench: %s\n", XPMEM_BENCH_VERSION);
	fprintf(f, "# date: %s\n", in->date);
	fprintf(f, "# kernel: %s\n", in->uname);
	fprintf(f, "# cpu: %s\n", in->cpu);
	fprintf(f, "# nproc: %ld\n", in->nproc);
	fprintf(f, "# thp: %s\n", in->thp);
	if (in->xpmem_version >= 0)
		fprintf(f, "# xpmem: 0x%x\n", (unsigned)in->xpmem_version);
	else
		fprintf(f, "# xpmem: none\n");
	fprintf(f, "# huge_mappings: %s\n", in->huge_mappings);
	fprintf(f, "# module_parameters: %s\n", in->params[0] ? in->params : "-");
	fprintf(f, "# clock: %s, %.0f ns per clock_gettime\n",
		in->clocksource[0] ? in->clocksource : "?", in->clock_ns);
	fprintf(f, "# ratio = value / value of the baseline method\n");
	fprintf(f, "%s\n", BENCH_CSV_HEADER);
	for (i = 0; i < st->nrows; i++) {
		const struct bench_row *r = &st->rows[i];

		fprintf(f, "%s,%s,%llu,%d,%s,", r->section, r->method,
			(unsigned long long)r->size, r->procs, r->metric);
		csv_num(f, r->value);
		fprintf(f, ",%s,%s,", r->unit, r->baseline);
		csv_num(f, r->ratio);
		fprintf(f, "\n");
	}
	if (f != stdout) {
		if (fclose(f) != 0) {
			fprintf(stderr, "xpmem-bench: writing %s: %s\n", path,
				strerror(errno));
			return -1;
		}
	} else {
		fflush(f);
	}
	return 0;
}

/* ---- plots ----------------------------------------------------------- */

static int have_program(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name);
		if (n && access(buf, X_OK) == 0)
			return 1;
		path += n;
		if (*path == ':')
			path++;
	}
	return 0;
}

static FILE *open_in(const char *dir, const char *name)
{
	char p[4096];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f)
		fprintf(stderr, "xpmem-bench: cannot write %s: %s\n", p,
			strerror(errno));
	return f;
}

static void dat_val(FILE *f, const struct bench_row *r)
{
	if (r && !isnan(r->value))
		fprintf(f, " %.6g", r->value);
	else
		fprintf(f, " ?");
}

/* Data files and a gnuplot script in dir; PNGs when gnuplot exists. */
int bench_write_plots(const struct bench_state *st, const char *dir)
{
	size_t sizes[32];
	int procs[64], n, np, i, m, status;
	FILE *f, *gp;
	pid_t pid;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "xpmem-bench: mkdir %s: %s\n", dir, strerror(errno));
		return -1;
	}
	gp = open_in(dir, "plots.gp");
	if (!gp)
		return -1;
	fprintf(gp, "# generated by xpmem-bench\n"
		"if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) "
		"{ set terminal pngcairo size 1000,620 } "
		"else { set terminal png size 1000,620 }\n"
		"set datafile missing '?'\nset key outside right\nset grid\n");

	if ((st->o.sections & SEC_COPY) && (f = open_in(dir, "copy.dat"))) {
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
				dat_val(f, bench_find_row(st, "copy",
							  copy_methods[m],
							  sizes[i], 1, "bandwidth"));
			fprintf(f, "\n");
		}
		fclose(f);
		fprintf(gp, "set output 'copy.png'\nset title 'Copy bandwidth'\n"
			"set logscale xy\nset xlabel 'bytes per copy'\n"
			"set ylabel 'MiB/s'\nplot");
		for (i = 0, m = 0; m < N_COPY; m++)
			if (bench_find_row(st, "copy", copy_methods[m], 0, 1,
					   "bandwidth"))
				fprintf(gp, "%s 'copy.dat' using 1:%d:xtic(2) with "
					"linespoints title '%s'", i++ ? "," : "",
					m + 3, copy_methods[m]);
		fprintf(gp, "\nunset logscale\n");
	}
	if ((st->o.sections & SEC_SCALE) && (f = open_in(dir, "scale.dat"))) {
		np = bench_scale_procs(&st->o, procs);
		fprintf(f, "# procs");
		for (m = 0; m < N_SCALE; m++)
			fprintf(f, " %s", scale_methods[m]);
		fprintf(f, "\n");
		for (i = 0; i < np; i++) {
			fprintf(f, "%d", procs[i]);
			for (m = 0; m < N_SCALE; m++)
				dat_val(f, bench_find_row(st, "scale",
							  scale_methods[m],
							  0, procs[i],
							  "aggregate_bandwidth"));
			fprintf(f, "\n");
		}
		fclose(f);
		fprintf(gp, "set output 'scale.png'\nset title 'Aggregate "
			"bandwidth'\nset xlabel 'P (processes)'\n"
			"set ylabel 'MiB/s'\nset yrange [0:*]\nset xtics 1\nplot");
		for (i = 0, m = 0; m < N_SCALE; m++)
			if (bench_find_row(st, "scale", scale_methods[m], 0, 1,
					   "aggregate_bandwidth"))
				fprintf(gp, "%s 'scale.dat' using 1:%d with "
					"linespoints title '%s'", i++ ? "," : "",
					m + 2, scale_methods[m]);
		fprintf(gp, "\nset xtics autofreq\n");
		fprintf(gp, "\n");
	}
	if ((st->o.sections & SEC_TOUCH) && (f = open_in(dir, "touch.dat"))) {
		fprintf(f, "# method time_ms faults_per_page\n");
		for (m = 0; m < N_TOUCH; m++) {
			const struct bench_row *t = bench_find_row(st, "touch",
				touch_methods[m], st->o.touch_size, 1, "time");
			const struct bench_row *fp = bench_find_row(st, "touch",
				touch_methods[m], st->o.touch_size, 1,
				"faults_per_page");

			if (!t)
				continue;
			fprintf(f, "%s", touch_methods[m]);
			dat_val(f, t);
			dat_val(f, fp);
			fprintf(f, "\n");
		}
		fclose(f);
		fprintf(gp, "set output 'touch.png'\nset title 'First touch, one "
			"byte per 4 KiB page'\nset style data histograms\n"
			"set style fill solid 0.6\nset boxwidth 0.8\n"
			"set xlabel ''\nset ylabel 'ms'\nset yrange [0:*]\nunset key\n"
			"plot 'touch.dat' using 2:xticlabels(1)\nset key\n"
			"set style data lines\n");
	}
	if ((st->o.sections & SEC_CONTROL) && (f = open_in(dir, "control.dat"))) {
		fprintf(f, "# operation median_ns p99_ns\n");
		for (m = 0; m < N_CTL; m++) {
			const struct bench_row *md = bench_find_row(st,
								    "control",
				ctl_ops[m], st->o.ctl_size, 1, "median");
			const struct bench_row *p9 = bench_find_row(st,
								    "control",
				ctl_ops[m], st->o.ctl_size, 1, "p99");

			if (!md)
				continue;
			fprintf(f, "%s", ctl_ops[m]);
			dat_val(f, md);
			dat_val(f, p9);
			fprintf(f, "\n");
		}
		fclose(f);
		fprintf(gp, "set output 'control.png'\nset title 'Control path'\n"
			"set style data histograms\nset style histogram cluster\n"
			"set style fill solid 0.6\nset xtics rotate by -30\n"
			"set bmargin 6\nset yrange [0:*]\n"
			"set xlabel ''\nset ylabel 'ns'\n"
			"plot 'control.dat' using 2:xticlabels(1) title 'median', "
			"'' using 3 title 'p99'\n");
	}
	fclose(gp);

	if (!have_program("gnuplot")) {
		printf("note: gnuplot not found: PNG plots skipped; data and "
		       "script written to %s (plots.gp)\n", dir);
		return 0;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (chdir(dir) != 0)
			_exit(127);
		execlp("gnuplot", "gnuplot", "plots.gp", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "xpmem-bench: gnuplot failed (status 0x%x); "
			"data and script are in %s\n", status, dir);
		return -1;
	}
	printf("plots: %s/{copy,touch,control,scale}.png (as selected)\n", dir);
	return 0;
}
