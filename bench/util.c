// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpmem-bench helpers: clock, the shared control block and its futex
 * waits, forked helper processes, buffers, page-fault counts, smaps, and
 * the description of the machine.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xpmem.h>

#include "bench.h"

struct shctl *bench_sh;
int bench_use_xpmem;

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

static pid_t g_main_pid;
static int g_in_child;
static pid_t g_kids[4 * BENCH_MAX_PROCS + 16];
static int g_nkids;

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void bench_shared_init(void)
{
	g_main_pid = getpid();
	bench_sh = mmap(NULL, sizeof(*bench_sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (bench_sh == MAP_FAILED) {
		bench_sh = NULL;
		bench_fail("mmap of the shared control block: %s",
			   strerror(errno));
	}
}

void bench_kill_children(void)
{
	int i;

	if (g_in_child)
		return;
	for (i = 0; i < g_nkids; i++)
		if (g_kids[i] > 0)
			kill(g_kids[i], SIGKILL);
	for (i = 0; i < g_nkids; i++)
		if (g_kids[i] > 0)
			waitpid(g_kids[i], NULL, 0);
	g_nkids = 0;
}

/*
 * Fatal error. In a forked helper: record the message for the measuring
 * process and exit; there: stop every helper, print, exit 1.
 */
void bench_fail(const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (g_in_child) {
		if (bench_sh) {
			int expected = 0;

			if (atomic_compare_exchange_strong(&bench_sh->failed,
							   &expected, 1))
				snprintf(bench_sh->errmsg,
					 sizeof(bench_sh->errmsg),
					 "helper process %d: %s", getpid(), msg);
		}
		_exit(1);
	}
	bench_kill_children();
	fflush(stdout);
	fprintf(stderr, "\nxpmem-bench: error: %s\n", msg);
	exit(1);
}

/* Give up when a helper failed, died, or (in a helper) the parent died. */
static void check_peers(void)
{
	int i, status;

	if (atomic_load(&bench_sh->failed)) {
		if (g_in_child)
			_exit(1);
		bench_fail("%s", bench_sh->errmsg);
	}
	if (g_in_child) {
		if (getppid() != g_main_pid)
			_exit(1);
		return;
	}
	for (i = 0; i < g_nkids; i++) {
		pid_t r;

		if (g_kids[i] <= 0)
			continue;
		r = waitpid(g_kids[i], &status, WNOHANG);
		if (r == g_kids[i]) {
			g_kids[i] = 0;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				if (atomic_load(&bench_sh->failed))
					bench_fail("%s", bench_sh->errmsg);
				bench_fail("helper process %d died (status 0x%x)",
					   (int)r, status);
			}
		}
	}
}

static void futex_wait(atomic_int *a, int val, long timeout_ns)
{
	struct timespec ts = { timeout_ns / 1000000000L,
			       timeout_ns % 1000000000L };

	syscall(SYS_futex, (int *)a, FUTEX_WAIT, val, &ts, NULL, 0);
}

static void futex_wake(atomic_int *a)
{
	syscall(SYS_futex, (int *)a, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/*
 * Wait until *a >= want: spin a little, then sleep in FUTEX_WAIT (50 ms
 * at a time, checking that the peers are still alive in between).
 */
int bench_wait_ge(atomic_int *a, int want)
{
	unsigned spins = 0;

	for (;;) {
		int v = atomic_load(a);

		if (v >= want)
			return 0;
		if (spins++ < 256) {
			cpu_relax();
			continue;
		}
		futex_wait(a, v, 50 * 1000 * 1000L);
		if ((spins & 15) == 0 || atomic_load(&bench_sh->failed))
			check_peers();
	}
}

void bench_bump(atomic_int *a)
{
	atomic_fetch_add(a, 1);
	futex_wake(a);
}

void bench_set_wake(atomic_int *a, int v)
{
	atomic_store(a, v);
	futex_wake(a);
}

pid_t bench_spawn(void (*fn)(void *), void *arg)
{
	pid_t pid;

	if (g_nkids >= (int)(sizeof(g_kids) / sizeof(g_kids[0])))
		bench_fail("too many helper processes");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		bench_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		g_in_child = 1;
		g_nkids = 0;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != g_main_pid)
			_exit(1);
		/* Let siblings read us with process_vm_readv under Yama. */
		prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
		fn(arg);
		_exit(0);
	}
	g_kids[g_nkids++] = pid;
	return pid;
}

/* Wait for a helper to finish; fail unless it exited with status 0. */
void bench_reap(pid_t pid)
{
	int i, status;

	for (i = 0; i < g_nkids; i++)
		if (g_kids[i] == pid)
			break;
	if (i == g_nkids)
		return;		/* already reaped by check_peers() */
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			bench_fail("waitpid: %s", strerror(errno));
	g_kids[i] = g_kids[--g_nkids];
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (atomic_load(&bench_sh->failed))
			bench_fail("%s", bench_sh->errmsg);
		bench_fail("helper process %d died (status 0x%x)", (int)pid,
			   status);
	}
}

/*
 * Wait for a helper that is expected to die (e.g. killed by the caller)
 * and forget it; return its wait status instead of failing on it.
 */
int bench_reap_status(pid_t pid)
{
	int i, status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			bench_fail("waitpid: %s", strerror(errno));
	for (i = 0; i < g_nkids; i++)
		if (g_kids[i] == pid) {
			g_kids[i] = g_kids[--g_nkids];
			break;
		}
	return status;
}

/*
 * Anonymous private memory aligned to `align`, with madvise(advice)
 * unless advice < 0 (then the system's default THP policy applies).
 */
void *bench_map_anon(size_t size, size_t align, int advice)
{
	size_t len = size + align;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		bench_fail("mmap of %zu bytes: %s", len, strerror(errno));
	a = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + size < p + len)
		munmap(a + size, (size_t)(p + len - (a + size)));
	if (advice >= 0 && madvise(a, size, advice) != 0)
		bench_fail("madvise(%d) of %zu bytes: %s", advice, size,
			   strerror(errno));
	return a;
}

void bench_unmap_anon(void *p, size_t size)
{
	if (p && munmap(p, size) != 0)
		bench_fail("munmap: %s", strerror(errno));
}

/*
 * A destination buffer that starts `colour` pages after a 2 MiB boundary.
 * Sources are 2 MiB aligned (THP-eligible); a destination at the same
 * offset modulo 2 MiB makes every page of the copy collide in direct-mapped
 * translation caches (QEMU TCG's softmmu TLB: 10-100x slower copies), which
 * an attachment placed anywhere by the kernel would not. Both stay 4 KiB
 * aligned, as real page-aligned buffers are.
 */
void *bench_map_dst(size_t size, unsigned colour)
{
	size_t off = (size_t)colour * PAGE_4K;

	return (char *)bench_map_anon(size + off, HUGE_2M, -1) + off;
}

void bench_unmap_dst(void *p, size_t size, unsigned colour)
{
	size_t off = (size_t)colour * PAGE_4K;

	bench_unmap_anon((char *)p - off, size + off);
}

static inline uint64_t pattern_word(size_t j, uint64_t seed)
{
	return ((uint64_t)j + seed * 0x100000001ULL + 1) * 0x9E3779B97F4A7C15ULL;
}

void bench_fill_pattern(void *buf, size_t size, uint64_t seed)
{
	uint64_t *w = buf;
	size_t j, n = size / 8;

	for (j = 0; j < n; j++)
		w[j] = pattern_word(j, seed);
}

/* Sample one word per page (at a page-dependent place) and the last one. */
int bench_check_pattern(const void *buf, size_t size, uint64_t seed)
{
	const uint64_t *w = buf;
	size_t n = size / 8, page;

	for (page = 0; page * PAGE_4K < size; page++) {
		size_t j = page * (PAGE_4K / 8) + (page * 37) % (PAGE_4K / 8);

		if (j < n && w[j] != pattern_word(j, seed))
			return -1;
	}
	if (n && w[n - 1] != pattern_word(n - 1, seed))
		return -1;
	return 0;
}

void bench_touch_write(void *buf, size_t size)
{
	volatile char *p = buf;
	size_t i;

	for (i = 0; i < size; i += PAGE_4K)
		p[i] = (char)(i >> 12 | 1);
}

uint64_t bench_touch_read(const void *buf, size_t size)
{
	const volatile unsigned char *p = buf;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < size; i += PAGE_4K)
		sum += p[i];
	return sum;
}

/* Sum of AnonHugePages (kB) of the VMAs of this process overlapping the range. */
long bench_anon_huge_kb(const void *buf, size_t size)
{
	uintptr_t lo = (uintptr_t)buf, hi = lo + size;
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0;
	long total = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		long kb;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = s < hi && e > lo;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			total += kb;
	}
	fclose(f);
	return total;
}

long bench_minflt_now(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		bench_fail("getrusage: %s", strerror(errno));
	return ru.ru_minflt;
}

int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile (p in (0,1]); sorts v. */
uint64_t bench_percentile_u64(uint64_t *v, size_t n, double p)
{
	size_t idx;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), bench_cmp_u64);
	idx = (size_t)ceil(p * (double)n);
	if (idx < 1)
		idx = 1;
	if (idx > n)
		idx = n;
	return v[idx - 1];
}

/* Median (mean of the middle two for even n); sorts v. */
double bench_median_double(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_size_str(uint64_t size, char *out, size_t len)
{
	if (size >= (1ULL << 30) && size % (1ULL << 30) == 0)
		snprintf(out, len, "%llu GiB", (unsigned long long)(size >> 30));
	else if (size >= (1ULL << 20) && size % (1ULL << 20) == 0)
		snprintf(out, len, "%llu MiB", (unsigned long long)(size >> 20));
	else if (size >= 1024 && size % 1024 == 0)
		snprintf(out, len, "%llu KiB", (unsigned long long)(size >> 10));
	else
		snprintf(out, len, "%llu B", (unsigned long long)size);
}

/* First line of a file, without the newline; "" when unreadable. */
static void read_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");

	out[0] = 0;
	if (!f)
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}

/* The value after "key<spaces>:" of the first matching line of a /proc file. */
static void proc_field(const char *path, const char *key, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t kl = strlen(key);

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v;

		if (strncmp(line, key, kl) != 0 ||
		    (line[kl] != ':' && line[kl] != ' ' && line[kl] != '\t'))
			continue;
		v = strchr(line, ':');
		if (!v)
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = 0;
		snprintf(out, len, "%s", v);
		break;
	}
	fclose(f);
}

#define HUGE_PARAM "/sys/module/xpmem/parameters/huge_mappings"

/*
 * Where the module says whether it maps 2 MiB pages; the environment
 * variable XPMEM_BENCH_HUGE_PARAM names another file (to test bench_check).
 */
static const char *huge_param(void)
{
	const char *p = getenv("XPMEM_BENCH_HUGE_PARAM");

	return p && *p ? p : HUGE_PARAM;
}

/* 1 when the module says it maps 2 MiB pages of THP-backed owners. */
int bench_huge_mappings_supported(void)
{
	char v[32];

	read_line(huge_param(), v, sizeof(v));
	return v[0] == 'Y' || v[0] == 'y' || v[0] == '1';
}

/* "name=value ..." of /sys/module/xpmem/parameters, or "". */
static void module_params(char *out, size_t len)
{
	DIR *d = opendir("/sys/module/xpmem/parameters");
	struct dirent *e;
	size_t used = 0;

	out[0] = 0;
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[300], v[64];
		int n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/module/xpmem/parameters/%s",
			 e->d_name);
		read_line(path, v, sizeof(v));
		n = snprintf(out + used, len - used, "%s%s=%s", used ? " " : "",
			     e->d_name, v);
		if (n < 0 || (size_t)n >= len - used) {
			out[used] = 0;
			break;
		}
		used += (size_t)n;
	}
	closedir(d);
}

void bench_collect_info(struct bench_info *info, int have_xpmem)
{
	struct utsname u;
	time_t t = time(NULL);
	struct tm tm;
	char v[64];

	memset(info, 0, sizeof(*info));
	if (uname(&u) == 0)
		snprintf(info->uname, sizeof(info->uname), "%s %s %s %s %s",
			 u.sysname, u.nodename, u.release, u.version, u.machine);
	proc_field("/proc/cpuinfo", "model name", info->cpu, sizeof(info->cpu));
	if (!info->cpu[0])
		snprintf(info->cpu, sizeof(info->cpu), "unknown");
	info->nproc = sysconf(_SC_NPROCESSORS_ONLN);
	proc_field("/proc/meminfo", "MemTotal", info->mem, sizeof(info->mem));
	read_line("/sys/kernel/mm/transparent_hugepage/enabled", info->thp,
		  sizeof(info->thp));
	if (!info->thp[0])
		snprintf(info->thp, sizeof(info->thp), "not available");
	info->xpmem_version = have_xpmem ? xpmem_version() : -1;
	if (access(huge_param(), F_OK) == 0) {
		read_line(huge_param(), v, sizeof(v));
		snprintf(info->huge_mappings, sizeof(info->huge_mappings),
			 "%s (%s)", bench_huge_mappings_supported() ? "yes" : "no", v);
	} else {
		snprintf(info->huge_mappings, sizeof(info->huge_mappings),
			 "not reported by the module (no %s)",
			 have_xpmem ? huge_param() : "module");
	}
	module_params(info->params, sizeof(info->params));
	read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  info->clocksource, sizeof(info->clocksource));
	{
		uint64_t d[201];
		int i;

		for (i = 0; i < 201; i++) {
			uint64_t a = bench_now_ns();

			d[i] = bench_now_ns() - a;
		}
		info->clock_ns = (double)bench_percentile_u64(d, 201, 0.5);
	}
	gmtime_r(&t, &tm);
	strftime(info->date, sizeof(info->date), "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* ---- checked xpmem calls and the owner process ----------------------- */

int64_t bench_make(void *buf, size_t size)
{
	int64_t segid = xpmem_make(buf, size, XPMEM_PERMIT_MODE, (void *)0600);

	if (segid == -1)
		bench_fail("xpmem_make(%p, %zu): %s", buf, size,
			   strerror(errno));
	return segid;
}

int64_t bench_get(int64_t segid)
{
	int64_t apid = xpmem_get(segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL);

	if (apid == -1)
		bench_fail("xpmem_get(0x%llx): %s", (long long)segid,
			   strerror(errno));
	return apid;
}

void *bench_attach(int64_t apid, size_t size)
{
	struct xpmem_addr addr = { .apid = apid, .offset = 0 };
	void *p = xpmem_attach(addr, size, NULL);

	if (p == (void *)-1)
		bench_fail("xpmem_attach(0x%llx, %zu): %s", (long long)apid,
			   size, strerror(errno));
	return p;
}

void bench_detach(void *p)
{
	if (xpmem_detach(p) != 0)
		bench_fail("xpmem_detach(%p): %s", p, strerror(errno));
}

void bench_release(int64_t apid)
{
	if (xpmem_release(apid) != 0)
		bench_fail("xpmem_release: %s", strerror(errno));
}

void bench_remove(int64_t segid)
{
	if (xpmem_remove(segid) != 0)
		bench_fail("xpmem_remove: %s", strerror(errno));
}

/* Every counter of the control block back to 0, before a new set of helpers. */
void bench_reset_counters(void)
{
	atomic_store(&bench_sh->owners_ready, 0);
	atomic_store(&bench_sh->cmd_seq, 0);
	atomic_store(&bench_sh->cmd_done, 0);
	atomic_store(&bench_sh->filled, 0);
	atomic_store(&bench_sh->drained, 0);
	atomic_store(&bench_sh->ctl_made, 0);
	atomic_store(&bench_sh->ctl_used, 0);
	atomic_store(&bench_sh->ready, 0);
	atomic_store(&bench_sh->go, 0);
	atomic_store(&bench_sh->done, 0);
	atomic_store(&bench_sh->quit, 0);
	bench_sh->cmd = CMD_NONE;
	memset(bench_sh->owner, 0, sizeof(bench_sh->owner));
}

/*
 * An owner process (bench_spawn() it with a struct bench_owner_arg):
 * writes every page of a fresh 2 MiB-aligned buffer, exports it,
 * publishes it in bench_sh->owner[slot], bumps owners_ready and removes
 * the segment once quit is set. With memfd >= 0 it only populates that
 * memfd and returns.
 */
void bench_owner(void *p)
{
	struct bench_owner_arg *a = p;
	struct owner_slot *s = &bench_sh->owner[a->slot];
	char *buf;
	int64_t segid = -1;

	if (a->memfd >= 0) {
		buf = mmap(NULL, a->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   a->memfd, 0);
		if (buf == MAP_FAILED)
			bench_fail("mmap of the memfd: %s", strerror(errno));
		bench_touch_write(buf, a->size);
		munmap(buf, a->size);
		return;
	}
	buf = bench_map_anon(a->size, HUGE_2M,
			     a->huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	bench_touch_write(buf, a->size);
	segid = bench_make(buf, a->size);
	s->pid = getpid();
	s->vaddr = (uintptr_t)buf;
	s->segid = segid;
	s->anon_huge_kb = bench_anon_huge_kb(buf, a->size);
	bench_bump(&bench_sh->owners_ready);
	bench_wait_ge(&bench_sh->quit, 1);
	bench_remove(segid);
}
