// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpmem-bench output: result rows, the progress line, the header, the
 * number formats of the tables, the goals summary, CSV, and the gnuplot
 * script with the PNGs. Each section prints its own table and writes its
 * own plot data (copy.c, touch.c, control.c, scale.c, teardown.c).
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

void bench_fmt_num(double v, char *out, size_t len)
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

void bench_fmt_ratio(double v, char *out, size_t len)
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

void bench_print_table(const struct bench_state *st,
		       const struct bench_table *t)
{
	char b[32];
	int i, m;

	printf("%*s", t->xwidth, t->xname);
	for (m = 0; m < t->nmethods; m++) {
		if (!bench_find_row(st, t->section, t->methods[m], 0, 1,
				    t->metric))
			continue;
		printf(" %*s", t->width, t->methods[m]);
		if (m)
			printf(" %7s", "ratio");
	}
	printf("\n");
	for (i = 0; i < t->n; i++) {
		if (t->sizes)
			bench_size_str(t->sizes[i], b, sizeof(b));
		else
			snprintf(b, sizeof(b), "%d", t->procs[i]);
		printf("%*s", t->xwidth, b);
		for (m = 0; m < t->nmethods; m++) {
			const struct bench_row *r;

			if (!bench_find_row(st, t->section, t->methods[m], 0, 1,
					    t->metric))
				continue;
			r = bench_find_row(st, t->section, t->methods[m],
					   t->sizes ? t->sizes[i] : 0,
					   t->sizes ? 1 : t->procs[i], t->metric);
			bench_fmt_num(r ? r->value : NAN, b, sizeof(b));
			printf(" %*s", t->width, b);
			if (m) {
				bench_fmt_ratio(r ? r->ratio : NAN, b, sizeof(b));
				printf(" %7s", b);
			}
		}
		printf("\n");
	}
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
	bench_fmt_ratio(v, val, sizeof(val));
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

FILE *bench_open_in(const char *dir, const char *name)
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

int bench_dat_bars(const char *dir, const char *name, const char *heading,
		   const struct bench_state *st, const char *section,
		   const char *const *methods, int n, uint64_t size,
		   const char *m1, const char *m2)
{
	FILE *f = bench_open_in(dir, name);
	int m;

	if (!f)
		return -1;
	fprintf(f, "%s\n", heading);
	for (m = 0; m < n; m++) {
		const struct bench_row *a = bench_find_row(st, section,
							   methods[m], size, 1,
							   m1);
		const struct bench_row *b = bench_find_row(st, section,
							   methods[m], size, 1,
							   m2);

		if (!a)
			continue;
		fprintf(f, "%s", methods[m]);
		bench_dat_val(f, a);
		bench_dat_val(f, b);
		fprintf(f, "\n");
	}
	fclose(f);
	return 0;
}

void bench_gp_lines(FILE *gp, const struct bench_state *st,
		    const char *section, const char *const *methods, int n,
		    const char *metric, const char *dat, int col0,
		    const char *using)
{
	int i, m;

	for (i = 0, m = 0; m < n; m++)
		if (bench_find_row(st, section, methods[m], 0, 1, metric))
			fprintf(gp, "%s '%s' using 1:%d%s with linespoints "
				"title '%s'", i++ ? "," : "", dat, m + col0,
				using, methods[m]);
}

void bench_dat_val(FILE *f, const struct bench_row *r)
{
	if (r && !isnan(r->value))
		fprintf(f, " %.6g", r->value);
	else
		fprintf(f, " ?");
}

/* Data files and a gnuplot script in dir; PNGs when gnuplot exists. */
int bench_write_plots(const struct bench_state *st, const char *dir)
{
	/* the order of the plots in plots.gp */
	static const struct bench_section *const order[] = {
		&bench_copy, &bench_scale, &bench_touch, &bench_control,
	};
	int i, status;
	FILE *gp;
	pid_t pid;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "xpmem-bench: mkdir %s: %s\n", dir, strerror(errno));
		return -1;
	}
	gp = bench_open_in(dir, "plots.gp");
	if (!gp)
		return -1;
	fprintf(gp, "# generated by xpmem-bench\n"
		"if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) "
		"{ set terminal pngcairo size 1000,620 } "
		"else { set terminal png size 1000,620 }\n"
		"set datafile missing '?'\nset key outside right\nset grid\n");
	for (i = 0; i < (int)(sizeof(order) / sizeof(order[0])); i++)
		if ((st->o.sections & order[i]->bit) && order[i]->plot)
			order[i]->plot(st, dir, gp);
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
