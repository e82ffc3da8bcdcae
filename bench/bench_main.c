// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpmem-bench: options and the order of the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xpmem.h>

#include "bench.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: xpmem-bench [options]\n"
"Measure XPMEM against local memcpy, CMA (process_vm_readv) and a memfd\n"
"bounce buffer on this machine, and print the ratios.\n"
"\n"
"  --sections LIST       comma list of copy,touch,control,scale,teardown\n"
"                        (default: all; --quick: all but teardown)\n"
"  --quick               small sizes, few iterations (for tests)\n"
"  --iterations N        repetitions per data point: copy batches, touch\n"
"                        mappings, scale runs; median reported (default 5,\n"
"                        quick 3; at most %d)\n"
"  --control-iterations N  iterations of the control path (default 1000,\n"
"                        quick 100)\n"
"  --min-size SIZE       smallest copy size (default 4K)\n"
"  --max-size SIZE       largest copy size (default 256M, quick 1M)\n"
"  --touch-size SIZE     first-touch size (default 64M, quick 16M)\n"
"  --control-size SIZE   control-path size (default 2M)\n"
"  --scale-size SIZE     bytes per copy in the scale section (default 16M,\n"
"                        quick 1M)\n"
"  --bounce-size SIZE    memfd bounce buffer, a power of 2 (default 1M)\n"
"  --max-procs N         largest P of the scale section (default nproc,\n"
"                        quick min(nproc, 2))\n"
"  --batch-ms MS         minimum duration of a timed batch (default 50,\n"
"                        quick 5)\n"
"  --csv FILE            also write every number as CSV (- for stdout)\n"
"  --plot DIR            write data, a gnuplot script and PNGs to DIR\n"
"  --baselines-only      no XPMEM: memcpy, CMA, memfd and mmap baselines only\n"
"  --quiet               no progress line on stderr\n"
"  --help                this text\n"
"SIZE takes K, M, G suffixes (powers of 1024). Exit status: 0 ok, 1 error,\n"
"77 when /dev/xpmem is missing (without --baselines-only).\n",
		BENCH_MAX_REPS);
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end || v == 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* The sections, in the order they run. */
static const struct bench_section *const sections[] = {
	&bench_copy, &bench_touch, &bench_control, &bench_scale,
	&bench_teardown,
};
#define N_SECTIONS (int)(sizeof(sections) / sizeof(sections[0]))

static int parse_sections(const char *s, unsigned *out)
{
	char buf[128], *tok, *save;
	int i;

	snprintf(buf, sizeof(buf), "%s", s);
	*out = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			*out |= SEC_ALL | SEC_TEARDOWN;
			continue;
		}
		for (i = 0; i < N_SECTIONS && strcmp(tok, sections[i]->name); i++)
			;
		if (i == N_SECTIONS)
			return -1;
		*out |= sections[i]->bit;
	}
	return *out ? 0 : -1;
}

enum {
	O_SECTIONS = 256, O_QUICK, O_ITER, O_CITER, O_MIN, O_MAX, O_TOUCH,
	O_CTL, O_SCALE, O_BOUNCE, O_PROCS, O_BATCH, O_CSV, O_PLOT, O_BASE,
	O_QUIET, O_HELP,
};

static const struct option long_opts[] = {
	{ "sections", required_argument, NULL, O_SECTIONS },
	{ "quick", no_argument, NULL, O_QUICK },
	{ "iterations", required_argument, NULL, O_ITER },
	{ "control-iterations", required_argument, NULL, O_CITER },
	{ "min-size", required_argument, NULL, O_MIN },
	{ "max-size", required_argument, NULL, O_MAX },
	{ "touch-size", required_argument, NULL, O_TOUCH },
	{ "control-size", required_argument, NULL, O_CTL },
	{ "scale-size", required_argument, NULL, O_SCALE },
	{ "bounce-size", required_argument, NULL, O_BOUNCE },
	{ "max-procs", required_argument, NULL, O_PROCS },
	{ "batch-ms", required_argument, NULL, O_BATCH },
	{ "csv", required_argument, NULL, O_CSV },
	{ "plot", required_argument, NULL, O_PLOT },
	{ "baselines-only", no_argument, NULL, O_BASE },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

static int bad(const char *opt, const char *val)
{
	fprintf(stderr, "xpmem-bench: invalid value '%s' for --%s "
		"(see --help)\n", val, opt);
	return 1;
}

/* 4 KiB multiple, at least one page. */
static int page_size_ok(size_t s)
{
	return s >= PAGE_4K && s % PAGE_4K == 0;
}

int xpmem_bench_main(int argc, char **argv)
{
	struct bench_state st;
	struct bench_opts *o = &st.o;
	int c, have_xpmem, rc = 0, iter = 0, citer = 0, procs = 0, secs = 0;
	size_t max = 0, touch = 0, scale = 0;
	double batch = 0;
	long ncpu;
	size_t sizes[32];
	int nsizes, i;

	memset(&st, 0, sizeof(st));
	o->sections = SEC_ALL;
	o->min_size = 4096;
	o->ctl_size = HUGE_2M;
	o->bounce_size = 1UL << 20;
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		const char *name = NULL;

		for (i = 0; long_opts[i].name; i++)
			if (long_opts[i].val == c)
				name = long_opts[i].name;
		switch (c) {
		case O_SECTIONS:
			if (parse_sections(optarg, &o->sections))
				return bad(name, optarg);
			secs = 1;
			break;
		case O_QUICK: o->quick = 1; break;
		case O_ITER:
			if (parse_int(optarg, 1, BENCH_MAX_REPS, &iter))
				return bad(name, optarg);
			break;
		case O_CITER:
			if (parse_int(optarg, 1, 10000000, &citer))
				return bad(name, optarg);
			break;
		case O_MIN:
			if (parse_size(optarg, &o->min_size))
				return bad(name, optarg);
			break;
		case O_MAX:
			if (parse_size(optarg, &max) || max < PAGE_4K)
				return bad(name, optarg);
			break;
		case O_TOUCH:
			if (parse_size(optarg, &touch) || !page_size_ok(touch))
				return bad(name, optarg);
			break;
		case O_CTL:
			if (parse_size(optarg, &o->ctl_size) ||
			    !page_size_ok(o->ctl_size))
				return bad(name, optarg);
			break;
		case O_SCALE:
			if (parse_size(optarg, &scale) || !page_size_ok(scale))
				return bad(name, optarg);
			break;
		case O_BOUNCE:
			if (parse_size(optarg, &o->bounce_size) ||
			    !page_size_ok(o->bounce_size) ||
			    (o->bounce_size & (o->bounce_size - 1)))
				return bad(name, optarg);
			break;
		case O_PROCS:
			if (parse_int(optarg, 1, BENCH_MAX_PROCS, &procs))
				return bad(name, optarg);
			break;
		case O_BATCH: {
			int ms;

			if (parse_int(optarg, 1, 100000, &ms))
				return bad(name, optarg);
			batch = ms;
			break;
		}
		case O_CSV: o->csv = optarg; break;
		case O_PLOT: o->plot = optarg; break;
		case O_BASE: o->baselines_only = 1; break;
		case O_QUIET: o->quiet = 1; break;
		case 'h':
		case O_HELP:
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xpmem-bench: unexpected argument '%s'\n",
			argv[optind]);
		return 1;
	}

	/* Teardown (seconds to minutes, GiB of memory) only in full runs. */
	if (!secs && !o->quick)
		o->sections |= SEC_TEARDOWN;

	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	o->reps = iter ? iter : o->quick ? 3 : 5;
	o->ctl_iters = citer ? citer : o->quick ? 100 : 1000;
	o->max_size = max ? max : o->quick ? (1UL << 20) : (256UL << 20);
	o->touch_size = touch ? touch : o->quick ? (16UL << 20) : (64UL << 20);
	o->scale_size = scale ? scale : o->quick ? (1UL << 20) : (16UL << 20);
	o->batch_ms = batch > 0 ? batch : o->quick ? 5 : 50;
	o->max_procs = procs ? procs :
		(int)(o->quick ? (ncpu < 2 ? ncpu : 2) :
		      (ncpu < BENCH_MAX_PROCS ? ncpu : BENCH_MAX_PROCS));
	bench_copy_sizes(o, sizes, &nsizes);
	if ((o->sections & SEC_COPY) && nsizes == 0) {
		fprintf(stderr, "xpmem-bench: no copy size between --min-size "
			"and --max-size (sizes are 4 KiB * 4^n)\n");
		return 1;
	}

	/* The device. */
	have_xpmem = 0;
	if (!o->baselines_only) {
		if (xpmem_init() != 0) {
			int err = errno;

			if (err == ENOENT || err == ENODEV || err == ENXIO) {
				printf("xpmem-bench: /dev/xpmem is not available "
				       "(%s): nothing to measure, skipping.\n"
				       "  Load the xpmem module, or run with "
				       "--baselines-only for the memcpy, CMA and "
				       "memfd baselines alone.\n", strerror(err));
				return BENCH_EXIT_SKIP;
			}
			fprintf(stderr, "xpmem-bench: cannot open /dev/xpmem: "
				"%s\n", strerror(err));
			return 1;
		}
		if (xpmem_version() < 0) {
			fprintf(stderr, "xpmem-bench: XPMEM version ioctl "
				"failed: %s\n", strerror(errno));
			return 1;
		}
		have_xpmem = 1;
	}
	bench_use_xpmem = have_xpmem;
	signal(SIGPIPE, SIG_IGN);

	bench_collect_info(&st.info, have_xpmem);
	st.nsteps = 0;
	for (i = 0; i < N_SECTIONS; i++)
		if (o->sections & sections[i]->bit)
			st.nsteps += sections[i]->steps(o, have_xpmem);

	bench_print_header(&st);
	bench_shared_init();
	for (i = 0; i < N_SECTIONS; i++) {
		if (!(o->sections & sections[i]->bit))
			continue;
		sections[i]->run(&st);
		bench_progress_end(&st);
		sections[i]->print(&st);
	}
	bench_print_goals(&st);
	if (o->csv && bench_write_csv(&st, o->csv) != 0)
		rc = 1;
	if (o->plot && bench_write_plots(&st, o->plot) != 0)
		rc = 1;
	free(st.rows);
	return rc;
}
