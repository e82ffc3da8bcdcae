// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench_check: run xpmem-bench --quick in-process (the test bed stages only
 * registered executables into the guest, so the benchmark is linked in)
 * and check what it printed and wrote:
 *
 *  - the text output has the machine description and every section;
 *  - the CSV has the header, every row has 9 fields, numbers parse, values
 *    are finite and not negative (times and bandwidths positive), ratios
 *    are positive and equal value / baseline value, and every section has
 *    every method it should have for every size / process count;
 *  - page faults (ru_minflt of the toucher): reading fresh anonymous
 *    4 KiB-page memory takes one fault per page (proves the counting);
 *    the first touch of a 4 KiB-backed attachment takes at most one fault
 *    per page; the 4 KiB owner really had no THP. Where the module says it
 *    maps 2 MiB pages (/sys/module/xpmem/parameters/huge_mappings = Y/1),
 *    the THP-backed owner must take at most 1/256 of the faults per page
 *    of the 4 KiB owner, or of one fault per page when the driver maps
 *    several pages per fault (fault_pages: the 4 KiB owner then takes
 *    1/64 fault per page and 2 MiB entries give 1/512, a ratio of only
 *    1/8): at most one fault per 256 pages in any case. Otherwise the
 *    THP numbers are only reported.
 *
 * No timing is asserted. Exit 0 pass, 1 fail, 77 skip (no /dev/xpmem).
 *   bench_check [--baselines-only]   (the latter: no xpmem; host test)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define MAXROWS 4096
#define STRAY_FAULTS 4	/* faults outside the touched range we tolerate */

struct crow {
	char f[9][64];
	unsigned long long size;
	int procs;
	double value, ratio;
	int has_ratio;
};

static struct crow rows[MAXROWS];
static int nrows;
static int failures;

static void bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("bench_check: FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	failures++;
}

static int parse_double(const char *s, double *out)
{
	char *end;

	if (!*s)
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	return errno || *end || !isfinite(*out) ? -1 : 0;
}

static const struct crow *find(const char *section, const char *method,
			       unsigned long long size, int procs,
			       const char *metric)
{
	int i;

	for (i = 0; i < nrows; i++) {
		const struct crow *r = &rows[i];

		if (!strcmp(r->f[0], section) && !strcmp(r->f[1], method) &&
		    (!size || r->size == size) && r->procs == procs &&
		    !strcmp(r->f[4], metric))
			return r;
	}
	return NULL;
}

static int is_positive_metric(const char *m)
{
	return !strcmp(m, "bandwidth") || !strcmp(m, "time") ||
	       !strcmp(m, "median") || !strcmp(m, "p99") ||
	       !strcmp(m, "aggregate_bandwidth") || !strcmp(m, "ratio");
}

/* Parse the CSV; shape errors are failures. */
static void read_csv(const char *path)
{
	static const char *const keys[] = { "# kernel: ", "# cpu: ",
		"# nproc: ", "# xpmem: ", "# huge_mappings: " };
	int seen[5] = { 0 }, header = 0, lineno = 0, k;
	char line[1024];
	FILE *f = fopen(path, "r");

	if (!f) {
		bad("cannot read the CSV %s: %s", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		struct crow *r;
		char *p, *q;
		int n = 0;

		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#') {
			for (k = 0; k < 5; k++)
				if (!strncmp(line, keys[k], strlen(keys[k])) &&
				    line[strlen(keys[k])])
					seen[k] = 1;
			continue;
		}
		if (!header) {
			if (strcmp(line, BENCH_CSV_HEADER) != 0)
				bad("CSV line %d: expected the header '%s', got '%s'",
				    lineno, BENCH_CSV_HEADER, line);
			header = 1;
			continue;
		}
		if (nrows == MAXROWS) {
			bad("CSV: more than %d rows", MAXROWS);
			break;
		}
		r = &rows[nrows];
		memset(r, 0, sizeof(*r));
		for (p = line; n < 9; n++) {
			q = strchr(p, ',');
			if (q)
				*q = 0;
			if (strlen(p) >= sizeof(r->f[n]))
				bad("CSV line %d: field %d is too long", lineno,
				    n + 1);
			else
				memcpy(r->f[n], p, strlen(p) + 1);
			if (!q) {
				n++;
				break;
			}
			p = q + 1;
		}
		if (n != 9 || strchr(p, ',') != NULL) {
			bad("CSV line %d: %d fields, expected 9", lineno, n);
			continue;
		}
		if (strcmp(r->f[0], "copy") && strcmp(r->f[0], "touch") &&
		    strcmp(r->f[0], "control") && strcmp(r->f[0], "scale") &&
		    strcmp(r->f[0], "goal"))
			bad("CSV line %d: unknown section '%s'", lineno, r->f[0]);
		{
			char *end;

			errno = 0;
			r->size = strtoull(r->f[2], &end, 10);
			if (errno || *end || !r->f[2][0] || r->size == 0)
				bad("CSV line %d: size '%s'", lineno, r->f[2]);
			r->procs = (int)strtol(r->f[3], &end, 10);
			if (*end || !r->f[3][0] || r->procs < 1)
				bad("CSV line %d: procs '%s'", lineno, r->f[3]);
		}
		if (!r->f[1][0] || !r->f[4][0] || !r->f[5][0] || !r->f[6][0])
			bad("CSV line %d: empty method, metric, value or unit",
			    lineno);
		if (parse_double(r->f[5], &r->value) || r->value < 0 ||
		    (is_positive_metric(r->f[4]) && r->value <= 0))
			bad("CSV line %d: value '%s' of %s/%s", lineno, r->f[5],
			    r->f[1], r->f[4]);
		if (r->f[8][0]) {
			r->has_ratio = 1;
			if (parse_double(r->f[8], &r->ratio) || r->ratio <= 0)
				bad("CSV line %d: ratio '%s' is not positive",
				    lineno, r->f[8]);
		} else if (r->f[7][0] && strcmp(r->f[0], "goal") != 0) {
			bad("CSV line %d: baseline %s without a ratio", lineno,
			    r->f[7]);
		}
		nrows++;
	}
	fclose(f);
	if (!header)
		bad("CSV: no header line");
	for (k = 0; k < 5; k++)
		if (!seen[k])
			bad("CSV: no '%s' line", keys[k]);
	printf("bench_check: %d CSV rows\n", nrows);
}

/* Every ratio is value / (value of the row it names as baseline). */
static void check_ratios(void)
{
	int i;

	for (i = 0; i < nrows; i++) {
		const struct crow *r = &rows[i], *b;
		const char *base = r->f[7];
		int procs = r->procs;

		if (!r->has_ratio)
			continue;
		if (!strcmp(base, "memcpy-P1")) {
			base = "memcpy";
			procs = 1;
		}
		b = find(r->f[0], base, r->size, procs, r->f[4]);
		if (!b) {
			bad("%s/%s/%s: baseline row %s missing", r->f[0], r->f[1],
			    r->f[4], r->f[7]);
			continue;
		}
		if (fabs(r->ratio - r->value / b->value) >
		    2e-3 * (r->ratio > 1 ? r->ratio : 1))
			bad("%s/%s/%s size %llu: ratio %g != %g / %g", r->f[0],
			    r->f[1], r->f[4], r->size, r->ratio, r->value,
			    b->value);
	}
}

static void need(const char *section, const char *method,
		 unsigned long long size, int procs, const char *metric)
{
	if (!find(section, method, size, procs, metric))
		bad("missing row %s/%s size %llu procs %d metric %s", section,
		    method, size, procs, metric);
}

static void check_presence(int xp)
{
	static const char *const copy[] = { "memcpy", "cma", "memfd-bounce",
					    "xpmem-warm", "xpmem-acd" };
	static const char *const touch[] = { "local-anon-4k", "local-anon-thp",
		"memfd-shared", "xpmem-4k-owner", "xpmem-thp-owner" };
	static const char *const ctl[] = { "mmap", "munmap", "mmap+munmap",
		"xpmem_make", "xpmem_get", "xpmem_attach", "xpmem_detach",
		"xpmem_release", "xpmem_remove", "attach+detach", "full-cycle",
		"mmap-in-cycle", "munmap-in-cycle", "mmap+munmap-in-cycle" };
	static const char *const scale[] = { "memcpy", "pairs", "one-to-many",
					     "many-to-one" };
	int i, m, any[4] = { 0 };

	for (i = 0; i < nrows; i++) {
		const struct crow *r = &rows[i];

		if (!strcmp(r->f[0], "copy")) {
			any[0] = 1;
			for (m = 0; m < (xp ? 5 : 3); m++)
				need("copy", copy[m], r->size, 1, "bandwidth");
		} else if (!strcmp(r->f[0], "touch")) {
			any[1] = 1;
		} else if (!strcmp(r->f[0], "control")) {
			any[2] = 1;
		} else if (!strcmp(r->f[0], "scale")) {
			any[3] = 1;
			for (m = 0; m < (xp ? 4 : 1); m++)
				need("scale", scale[m], r->size, r->procs,
				     "aggregate_bandwidth");
		}
	}
	if (!any[0])
		bad("no copy rows");
	if (!any[1])
		bad("no touch rows");
	if (!any[2])
		bad("no control rows");
	if (!any[3])
		bad("no scale rows");
	for (m = 0; m < (xp ? 5 : 3); m++) {
		need("touch", touch[m], 0, 1, "time");
		need("touch", touch[m], 0, 1, "faults");
		need("touch", touch[m], 0, 1, "faults_per_page");
	}
	for (m = 0; m < (xp ? 14 : 3); m++) {
		need("control", ctl[m], 0, 1, "median");
		need("control", ctl[m], 0, 1, "p99");
	}
	if (xp) {
		need("touch", "xpmem-4k-owner", 0, 1, "owner_anon_huge");
		need("touch", "xpmem-thp-owner", 0, 1, "owner_anon_huge");
		need("goal", "warm-copy", 0, 1, "ratio");
		need("goal", "touch-4k", 0, 1, "ratio");
		need("goal", "touch-thp", 0, 1, "ratio");
		need("goal", "attach-detach", 0, 1, "ratio");
	}
}

static double val(const char *method, const char *metric)
{
	const struct crow *r = find("touch", method, 0, 1, metric);

	return r ? r->value : NAN;
}

static void check_faults(int xp)
{
	const struct crow *t = find("touch", "local-anon-4k", 0, 1, "time");
	double pages, anon = val("local-anon-4k", "faults_per_page");
	double f4 = val("xpmem-4k-owner", "faults"),
	       p4 = val("xpmem-4k-owner", "faults_per_page"),
	       pt = val("xpmem-thp-owner", "faults_per_page"),
	       h4 = val("xpmem-4k-owner", "owner_anon_huge"),
	       ht = val("xpmem-thp-owner", "owner_anon_huge");

	if (!t)
		return;
	pages = (double)(t->size / 4096);
	printf("bench_check: faults/page: local-anon-4k %.4f, memfd-shared "
	       "%.4f\n", anon, val("memfd-shared", "faults_per_page"));
	if (!(anon >= 0.95 && anon <= 1.05))
		bad("reading fresh 4 KiB anonymous memory took %.4f faults per "
		    "page, expected 1: the fault counting does not work", anon);
	if (!xp)
		return;
	printf("bench_check: faults/page: xpmem-4k-owner %.4f (%.0f faults, "
	       "%.0f pages), xpmem-thp-owner %.6f; owner THP: 4k owner %.0f kB, "
	       "THP owner %.0f of %.0f kB\n", p4, f4, pages, pt, h4, ht,
	       pages * 4);
	if (!(f4 <= pages + STRAY_FAULTS))
		bad("first touch of the 4 KiB-backed attachment: %.0f faults for "
		    "%.0f pages (more than one per page)", f4, pages);
	if (h4 != 0)
		bad("the MADV_NOHUGEPAGE owner had %.0f kB of THP", h4);
	if (bench_huge_mappings_supported()) {
		if (ht < pages * 4) {
			printf("bench_check: the module maps 2 MiB pages, but "
			       "only %.0f of %.0f kB of the THP owner were THP: "
			       "ratio not checked\n", ht, pages * 4);
		} else if (!(pt * 256 <= (p4 > 1 ? p4 : 1))) {
			bad("huge mappings: THP owner %.6f faults/page, more "
			    "than 1/256 of max(1, the 4 KiB owner's %.4f)", pt, p4);
		} else {
			printf("bench_check: huge mappings: THP owner %.6f "
			       "faults/page <= 1/256 of max(1, %.4f)\n", pt, p4);
		}
	} else {
		printf("bench_check: the module does not report 2 MiB mappings "
		       "(no /sys/module/xpmem/parameters/huge_mappings = Y): THP "
		       "owner %.6f faults/page vs 4 KiB owner %.4f (ratio %.3f) "
		       "reported, not checked\n", pt, p4, p4 > 0 ? pt / p4 : NAN);
	}
}

/* stdout while xpmem-bench runs: a file, shown afterwards (also on exit). */
static int cap_saved = -1;
static char cap_path[300];

static void show_capture(void)
{
	FILE *f;
	char buf[4096];
	size_t n;

	if (cap_saved < 0)
		return;
	fflush(stdout);
	dup2(cap_saved, STDOUT_FILENO);
	close(cap_saved);
	cap_saved = -1;
	f = fopen(cap_path, "r");
	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	if (f)
		fclose(f);
	fflush(stdout);
}

/* xpmem-bench exits on a fatal error: still show what it printed. */
static void at_exit(void)
{
	if (cap_saved < 0)
		return;
	show_capture();
	unlink(cap_path);
	printf("bench_check: FAIL: xpmem-bench stopped with an error "
	       "(message on stderr)\n");
	fflush(stdout);
}

static int text_has(const char *text, const char *what)
{
	if (strstr(text, what))
		return 1;
	bad("the text output has no '%s'", what);
	return 0;
}

int main(int argc, char **argv)
{
	int baselines = argc > 1 && !strcmp(argv[1], "--baselines-only");
	const char *tmp = getenv("TMPDIR");
	char csv[300], out[300];
	char *args[8], *text;
	int na = 0, rc, cfd, ofd;
	long len;
	FILE *f;

	if (argc > 2 || (argc == 2 && !baselines)) {
		fprintf(stderr, "usage: bench_check [--baselines-only]\n");
		return 1;
	}
	if (!tmp || !*tmp || strlen(tmp) > 200)
		tmp = "/tmp";
	snprintf(csv, sizeof(csv), "%s/xpmem-bench-check-XXXXXX", tmp);
	snprintf(out, sizeof(out), "%s/xpmem-bench-out-XXXXXX", tmp);
	cfd = mkstemp(csv);
	ofd = mkstemp(out);
	if (cfd < 0 || ofd < 0) {
		perror("bench_check: mkstemp");
		return 1;
	}
	close(cfd);
	args[na++] = "xpmem-bench";
	args[na++] = "--quick";
	args[na++] = "--csv";
	args[na++] = csv;
	if (baselines)
		args[na++] = "--baselines-only";
	args[na] = NULL;
	printf("bench_check: running xpmem-bench --quick --csv %s%s "
	       "in-process\n", csv, baselines ? " --baselines-only" : "");
	fflush(stdout);

	/* Capture the text output to check it, then show it. */
	snprintf(cap_path, sizeof(cap_path), "%s", out);
	cap_saved = dup(STDOUT_FILENO);
	if (cap_saved < 0 || dup2(ofd, STDOUT_FILENO) < 0) {
		perror("bench_check: dup2");
		return 1;
	}
	atexit(at_exit);
	rc = xpmem_bench_main(na, args);
	show_capture();

	f = fopen(out, "r");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0) {
		perror("bench_check: reading the output");
		return 1;
	}
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	if (!text || fread(text, 1, (size_t)len, f) != (size_t)len) {
		perror("bench_check: reading the output");
		return 1;
	}
	fclose(f);
	close(ofd);
	unlink(out);

	if (rc == BENCH_EXIT_SKIP) {
		printf("bench_check: SKIP: xpmem-bench exited 77 (no /dev/xpmem)\n");
		unlink(csv);
		return 77;
	}
	if (rc != 0) {
		printf("bench_check: FAIL: xpmem-bench exited %d\n", rc);
		unlink(csv);
		return 1;
	}

	text_has(text, "  kernel:  ");
	text_has(text, "  cpu:     ");
	text_has(text, "  nproc:   ");
	text_has(text, "  xpmem:   ");
	text_has(text, "== Copy bandwidth");
	text_has(text, "== First touch");
	text_has(text, "== Control path");
	text_has(text, "== Scaling");
	if (!baselines)
		text_has(text, "== Goals");
	free(text);

	read_csv(csv);
	unlink(csv);
	check_presence(!baselines);
	check_ratios();
	check_faults(!baselines);
	if (failures) {
		printf("bench_check: %d failure(s)\n", failures);
		return 1;
	}
	printf("bench_check: PASS\n");
	return 0;
}
