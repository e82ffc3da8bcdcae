/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xpmem-bench internals: options, result rows, the shared control block
 * used between the measuring process and the processes it forks, and the
 * sections (copy, touch, control, scale, teardown), one file each.
 *
 * The whole benchmark is a library (xpmem_bench_main) so that bench_check,
 * the guest test, can run it in-process: the test bed stages only the
 * registered executables into the guest.
 */
#ifndef XPMEM_BENCH_H
#define XPMEM_BENCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Entry point of xpmem-bench (argv as for main). 0 ok, 1 error, 77 skip. */
int xpmem_bench_main(int argc, char **argv);

/* The exit status used when /dev/xpmem is not there. */
#define BENCH_EXIT_SKIP 77

/* The CSV header line written by --csv (and checked by bench_check). */
#define BENCH_CSV_HEADER "section,method,size,procs,metric,value,unit,baseline,ratio"

#define SEC_COPY	0x1
#define SEC_TOUCH	0x2
#define SEC_CONTROL	0x4
#define SEC_SCALE	0x8
#define SEC_ALL		0xf	/* the default sections (not teardown) */
#define SEC_TEARDOWN	0x10	/* see teardown.c; full runs only by default */

#define BENCH_MAX_PROCS	128	/* owners or attachers of one scale run */
#define BENCH_MAX_REPS	64	/* repetitions of one data point */
#define PAGE_4K		4096UL
#define HUGE_2M		(2UL << 20)

struct bench_opts {
	int quick;
	int quiet;
	int baselines_only;	/* no xpmem: memcpy, CMA, memfd, mmap only */
	unsigned sections;
	size_t min_size, max_size;	/* copy sizes */
	int reps;		/* --iterations: repetitions per data point */
	int ctl_iters;		/* --control-iterations */
	size_t touch_size, ctl_size, scale_size, bounce_size;
	int max_procs;
	double batch_ms;	/* minimum duration of one timed batch */
	const char *csv;
	const char *plot;
};

/* One measured (or derived) number. ratio = value / baseline value. */
struct bench_row {
	char section[12];
	char method[32];
	uint64_t size;
	int procs;
	char metric[24];
	double value;
	char unit[12];
	char baseline[32];
	double ratio;		/* NAN when there is no baseline */
};

struct bench_info {
	char uname[400];
	char cpu[160];
	long nproc;
	char mem[64];
	char thp[96];
	int xpmem_version;	/* -1 when not available */
	char huge_mappings[96];	/* what the module says about 2 MiB mappings */
	char params[256];	/* module parameters, "name=value ..." */
	char clocksource[32];
	double clock_ns;	/* median cost of one clock_gettime() */
	char date[40];
};

/* Everything the run has measured so far. */
struct bench_state {
	struct bench_opts o;
	struct bench_info info;
	struct bench_row *rows;
	size_t nrows, cap;
	int step, nsteps;	/* progress */
	int progress_open;	/* a \r progress line is on the terminal */
};

/*
 * The control block shared (MAP_SHARED | MAP_ANONYMOUS) by the measuring
 * process and every process it forks. Counters only grow, so a waiter
 * never misses a step; waits spin briefly, then sleep in FUTEX_WAIT.
 */
struct owner_slot {
	pid_t pid;
	uint64_t vaddr;
	int64_t segid;
	long anon_huge_kb;
};

struct shctl {
	atomic_int failed;
	char errmsg[512];

	/* owners that have published their slot */
	atomic_int owners_ready;
	struct owner_slot owner[BENCH_MAX_PROCS];

	/* commands to the owners of the copy section */
	atomic_int cmd_seq;	/* incremented per command */
	int cmd;		/* CMD_* */
	uint64_t cmd_arg;	/* e.g. number of bounce chunks */
	atomic_int cmd_done;	/* = cmd_seq once the owner finished it */

	/* memfd bounce handshake: chunk counters */
	atomic_int filled;
	atomic_int drained;

	/* control section handshake */
	atomic_int ctl_made;
	atomic_int ctl_used;

	/* scale section barrier */
	atomic_int ready;
	atomic_int go;
	atomic_int done;
	atomic_int quit;
	struct {
		uint64_t t0, t1;
	} res[2 * BENCH_MAX_PROCS][BENCH_MAX_REPS];
};

enum { CMD_NONE, CMD_BOUNCE, CMD_EXIT };

/* util.c */
extern struct shctl *bench_sh;
/* keeps the compiler from dropping or merging the copies around it */
static inline void bench_compiler_barrier(void)
{
	__asm__ __volatile__("" ::: "memory");
}
uint64_t bench_now_ns(void);
void bench_shared_init(void);
void bench_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
int bench_wait_ge(atomic_int *a, int want);
void bench_bump(atomic_int *a);
void bench_set_wake(atomic_int *a, int v);
pid_t bench_spawn(void (*fn)(void *), void *arg);
void bench_reap(pid_t pid);
int bench_reap_status(pid_t pid);
void bench_kill_children(void);
void *bench_map_anon(size_t size, size_t align, int advice);
void bench_unmap_anon(void *p, size_t size);
void *bench_map_dst(size_t size, unsigned colour);
void bench_unmap_dst(void *p, size_t size, unsigned colour);
#define DST_COLOUR 37	/* pages after a 2 MiB boundary (see bench_map_dst) */
void bench_fill_pattern(void *buf, size_t size, uint64_t seed);
int bench_check_pattern(const void *buf, size_t size, uint64_t seed);
void bench_touch_write(void *buf, size_t size);
uint64_t bench_touch_read(const void *buf, size_t size);
long bench_anon_huge_kb(const void *buf, size_t size);

/* checked xpmem calls (they fail the run), and the owner process */
int64_t bench_make(void *buf, size_t size);
int64_t bench_get(int64_t segid);
void *bench_attach(int64_t apid, size_t size);
void bench_detach(void *p);
void bench_release(int64_t apid);
void bench_remove(int64_t segid);
void bench_reset_counters(void);
struct bench_owner_arg {
	size_t size;
	int slot;	/* bench_sh->owner[slot] */
	int huge;	/* MADV_HUGEPAGE, else MADV_NOHUGEPAGE */
	int memfd;	/* >= 0: populate this shared memfd instead (no xpmem) */
};
void bench_owner(void *p);
long bench_minflt_now(void);
int bench_cmp_u64(const void *a, const void *b);
int bench_cmp_double(const void *a, const void *b);
uint64_t bench_percentile_u64(uint64_t *v, size_t n, double p);
double bench_median_double(double *v, size_t n);
void bench_size_str(uint64_t size, char *out, size_t len);
void bench_collect_info(struct bench_info *info, int have_xpmem);
int bench_huge_mappings_supported(void);
extern int bench_use_xpmem;

/* report.c */
void bench_add_row(struct bench_state *st, const char *section,
		   const char *method, uint64_t size, int procs,
		   const char *metric, double value, const char *unit,
		   const char *baseline, double base_value);
const struct bench_row *bench_find_row(const struct bench_state *st,
				       const char *section, const char *method,
				       uint64_t size, int procs, const char *metric);
void bench_progress(struct bench_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void bench_progress_end(struct bench_state *st);
void bench_print_header(const struct bench_state *st);
/* a number of the tables ("-" for NAN), a ratio ("1.23x") */
void bench_fmt_num(double v, char *out, size_t len);
void bench_fmt_ratio(double v, char *out, size_t len);
/*
 * The copy and scale tables: a row per point, by size (of one process)
 * or by number of processes (of any size); a column per method that has
 * rows, with its ratio but for the first.
 */
struct bench_table {
	const char *section, *metric;
	const char *const *methods;
	int nmethods;
	const char *xname;	/* heading of the first column */
	int xwidth, width;	/* widths of the first column and of a value */
	int n;			/* points: sizes[n], or else procs[n] */
	const size_t *sizes;
	const int *procs;
};
void bench_print_table(const struct bench_state *st,
		       const struct bench_table *t);
void bench_print_goals(struct bench_state *st);
int bench_write_csv(const struct bench_state *st, const char *path);
int bench_write_plots(const struct bench_state *st, const char *dir);
/* for the sections' plot functions: a file of dir, a value of a .dat file */
FILE *bench_open_in(const char *dir, const char *name);
void bench_dat_val(FILE *f, const struct bench_row *r);
/*
 * The plot command's lines of a .dat file: one per method with rows of
 * metric, column col0 + m (after "using 1:", then using's own text).
 */
void bench_gp_lines(FILE *gp, const struct bench_state *st,
		    const char *section, const char *const *methods, int n,
		    const char *metric, const char *dat, int col0,
		    const char *using);
/*
 * A bar plot's .dat file, name in dir: heading, then a line per method
 * with rows of m1 (of size): its name, m1 and m2. 0, or -1 (not written).
 */
int bench_dat_bars(const char *dir, const char *name, const char *heading,
		   const struct bench_state *st, const char *section,
		   const char *const *methods, int n, uint64_t size,
		   const char *m1, const char *m2);

/*
 * A section: copy.c, touch.c, control.c, scale.c, teardown.c. Run in this
 * order, each printing its table when it is done.
 */
struct bench_section {
	const char *name;	/* in --sections */
	unsigned bit;		/* SEC_* */
	/* how many bench_progress() steps run takes */
	int (*steps)(const struct bench_opts *o, int have_xpmem);
	void (*run)(struct bench_state *st);
	void (*print)(const struct bench_state *st);
	/* --plot: its .dat file in dir and its lines of plots.gp, or NULL */
	void (*plot)(const struct bench_state *st, const char *dir, FILE *gp);
};
extern const struct bench_section bench_copy, bench_touch, bench_control,
	bench_scale, bench_teardown;
/* the copy sizes (4 KiB * 4^n within the options), the P of scale */
void bench_copy_sizes(const struct bench_opts *o, size_t *sizes, int *n);
int bench_scale_procs(const struct bench_opts *o, int *procs);

#endif /* XPMEM_BENCH_H */
