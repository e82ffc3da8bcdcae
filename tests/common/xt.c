// SPDX-License-Identifier: GPL-2.0-only
/*
 * xt.c - helpers shared by the guest tests of the xpmem driver.
 */
#include "xt.h"

#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

/* ---- reporting ---------------------------------------------------------- */

static pid_t xt_main_pid;

static void xt_vprint(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = 0;

	if (getpid() != xt_main_pid)
		n = snprintf(buf, sizeof(buf), "[pid %d] ", (int)getpid());
	n += snprintf(buf + n, sizeof(buf) - n, "%s", prefix);
	if (n < (int)sizeof(buf))
		n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* one write: lines of several processes do not interleave */
	fflush(f);
	if (write(fileno(f), buf, n) < 0)
		(void)0;
}

static void (*xt_fail_hook)(const char *file, int line, const char *msg);

void xt_set_fail_hook(void (*hook)(const char *file, int line,
				   const char *msg))
{
	xt_fail_hook = hook;
}

void xt_fail_at(const char *file, int line, const char *fmt, ...)
{
	char prefix[256];
	va_list ap;

	if (xt_fail_hook) {
		char msg[400];

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		xt_fail_hook(file, line, msg);
	}
	snprintf(prefix, sizeof(prefix), "FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	xt_vprint(stderr, prefix, fmt, ap);
	va_end(ap);
	exit(XT_EXIT_FAIL);
}

void xt_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xt_vprint(stdout, "SKIP: ", fmt, ap);
	va_end(ap);
	exit(XT_EXIT_SKIP);
}

void xt_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xt_vprint(stdout, "# ", fmt, ap);
	va_end(ap);
}

/* ---- signals ------------------------------------------------------------ */

static __thread sigjmp_buf *xt_jb;
static __thread volatile sig_atomic_t xt_probing;
static __thread void *xt_fault_addr;
static void (*xt_fault_hook)(int sig, const siginfo_t *si);

void xt_set_fault_hook(void (*hook)(int sig, const siginfo_t *si))
{
	xt_fault_hook = hook;
}

/*
 * Write the line of /proc/self/maps that holds addr to stderr, if any:
 * which mapping a stray fault hit. Async-signal-safe (open, read, write).
 */
static void xt_print_mapping(const void *addr)
{
	uintptr_t a = (uintptr_t)addr, lo = 0, hi = 0;
	char buf[4096], line[512];
	size_t ll = 0;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC), field = 0;
	ssize_t n;

	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];

			if (ll < sizeof(line) - 1)
				line[ll++] = c;
			if (c != '\n') {
				int d = c >= '0' && c <= '9' ? c - '0' :
					c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

				if (field < 2 && d >= 0)
					*(field ? &hi : &lo) =
						(field ? hi : lo) * 16 + (uintptr_t)d;
				else if (field < 2)
					field++;
				continue;
			}
			if (lo <= a && a < hi) {
				if (write(2, "  in mapping: ", 14) < 0 ||
				    write(2, line, ll) < 0)
					(void)0;
				close(fd);
				return;
			}
			ll = 0;
			lo = hi = 0;
			field = 0;
		}
	}
	close(fd);
}

static void xt_sig_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (xt_probing) {
		xt_probing = 0;
		xt_fault_addr = si->si_addr;
		siglongjmp(*xt_jb, sig);
	}
	if (xt_fault_hook)
		xt_fault_hook(sig, si);
	/* Not expected: report and die of the signal. */
	char msg[160];
	int n = snprintf(msg, sizeof(msg),
			 "FAIL: [pid %d] unexpected signal %d (code %d) at address %p\n",
			 (int)getpid(), sig, si->si_code, si->si_addr);
	if (write(2, msg, n) < 0)
		(void)0;
	xt_print_mapping(si->si_addr);
	signal(sig, SIG_DFL);
	/* returning re-executes the access, which now kills the process */
}

static void xt_alarm_handler(int sig)
{
	static const char msg[] = "FAIL: test timed out (alarm)\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		(void)0;
	_exit(XT_EXIT_FAIL);
}

const char *xt_signame(int sig)
{
	switch (sig) {
	case 0: return "no signal";
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGKILL: return "SIGKILL";
	case SIGABRT: return "SIGABRT";
	case SIGALRM: return "SIGALRM";
	case SIGILL: return "SIGILL";
	case SIGFPE: return "SIGFPE";
	default: return "other signal";
	}
}

int xt_probe(void (*fn)(void *), void *arg)
{
	sigjmp_buf jb;
	sigjmp_buf *volatile saved = xt_jb;
	int sig;

	sig = sigsetjmp(jb, 1);
	if (sig == 0) {
		xt_jb = &jb;
		xt_probing = 1;
		fn(arg);
		xt_probing = 0;
	}
	xt_jb = saved;
	return sig;
}

struct xt_rw {
	volatile void *addr;
	uint64_t val;
};

static void xt_do_read(void *a)
{
	struct xt_rw *rw = a;
	rw->val = *(volatile uint64_t *)rw->addr;
}
static void xt_do_write(void *a)
{
	struct xt_rw *rw = a;
	*(volatile uint64_t *)rw->addr = rw->val;
}
static void xt_do_read8(void *a)
{
	struct xt_rw *rw = a;
	rw->val = *(volatile uint8_t *)rw->addr;
}
static void xt_do_write8(void *a)
{
	struct xt_rw *rw = a;
	*(volatile uint8_t *)rw->addr = (uint8_t)rw->val;
}

int xt_probe_read(const void *addr, uint64_t *out)
{
	struct xt_rw rw = { (volatile void *)addr, 0 };
	int sig = xt_probe(xt_do_read, &rw);

	if (out)
		*out = rw.val;
	return sig;
}

int xt_probe_write(void *addr, uint64_t value)
{
	struct xt_rw rw = { addr, value };
	return xt_probe(xt_do_write, &rw);
}

int xt_probe_read8(const void *addr, uint8_t *out)
{
	struct xt_rw rw = { (volatile void *)addr, 0 };
	int sig = xt_probe(xt_do_read8, &rw);

	if (out)
		*out = (uint8_t)rw.val;
	return sig;
}

int xt_probe_write8(void *addr, uint8_t value)
{
	struct xt_rw rw = { addr, value };
	return xt_probe(xt_do_write8, &rw);
}

void *xt_probe_fault_addr(void)
{
	return xt_fault_addr;
}

static void xt_install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = xt_sig_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGALRM, xt_alarm_handler);
	signal(SIGPIPE, SIG_IGN);
}

__attribute__((constructor)) static void xt_setup(void)
{
	xt_main_pid = getpid();
	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	xt_install_handlers();
	alarm(290);	/* just under the test bed's default limit of 300 s */
}

void xt_set_timeout(unsigned int seconds)
{
	alarm(seconds);
}

double xt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- environment -------------------------------------------------------- */

size_t xt_page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

void xt_require_root(void)
{
	if (geteuid() != 0)
		xt_skip("needs root (the guest runs tests as root)");
}

void xt_require_dev(void)
{
	if (access("/dev/xpmem", R_OK | W_OK) != 0)
		xt_skip("/dev/xpmem: %s", strerror(errno));
}

int xt_write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

int xt_read_long(const char *path, long *out)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%ld", out) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

long xt_proc_field(const char *path, const char *name)
{
	FILE *f = fopen(path, "re");
	char line[256];
	size_t nl = strlen(name);
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, nl) == 0 &&
		    (line[nl] == ':' || line[nl] == ' ')) {
			v = strtol(line + nl + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

long xt_stat(const char *name)
{
	return xt_proc_field(XT_STATS_FILE, name);
}

struct xt_stats xt_stats(void)
{
	struct xt_stats s;

	s.ctx = xt_stat("contexts");
	s.seg = xt_stat("segments");
	s.permit = xt_stat("permits");
	s.att = xt_stat("attachments");
	s.ok = s.ctx >= 0 && s.seg >= 0 && s.permit >= 0 && s.att >= 0;
	return s;
}

#define XT_HUGE_PARAM "/sys/module/xpmem/parameters/huge_mappings"

void xt_require_huge_mappings(void)
{
	char v[8] = "";
	FILE *f = fopen(XT_HUGE_PARAM, "r");

	if (!f)
		xt_skip("no %s: the module has no 2 MiB mappings", XT_HUGE_PARAM);
	if (!fgets(v, sizeof(v), f))
		v[0] = 0;
	fclose(f);
	if (v[0] != 'Y')
		xt_skip("huge_mappings is %c: this kernel lacks huge PFN "
			"mappings (4 KiB entries only)", v[0] ? v[0] : '?');
	if (xt_pmd_mappings() < 0)
		xt_skip("no pmd_mappings in %s", XT_STATS_FILE);
}

long xt_pmd_mappings(void)
{
	return xt_stat("pmd_mappings");
}

char *xt_map_thp(size_t len)
{
	char *p = xt_map_aligned(len, 2 * XT_MiB, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS);

	if (madvise(p, len, MADV_HUGEPAGE) != 0)
		xt_info("MADV_HUGEPAGE: %s", strerror(errno));
	return p;
}

long xt_anon_huge_kb(void)
{
	return xt_proc_field("/proc/self/smaps_rollup", "AnonHugePages");
}

void xt_require_thp(long thp_kb, size_t len)
{
	if (thp_kb < (long)(len / 1024))
		xt_skip("the owner got %ld of %lu kB as THP", thp_kb,
			(unsigned long)(len / 1024));
}

long xt_assert_pmd_read(const char *file, int line, const char *what,
			const void *p, size_t len, uint64_t seed,
			uint64_t off0, long min)
{
	long before = xt_pmd_mappings(), after;

	xt_assert_pattern(file, line, p, len, seed, off0);
	after = xt_pmd_mappings();
	xt_info("%s%spmd_mappings %ld -> %ld", what ? what : "",
		what ? ": " : "", before, after);
	if (after - before < min)
		xt_fail_at(file, line, "reading %zu bytes inserted %ld 2 MiB "
			   "entries, expected at least %ld", len,
			   after - before, min);
	return after - before;
}

#define XT_PARAMS "/sys/module/xpmem/parameters/"
#define XT_MAX_SAVED_PARAMS 8

static struct {
	char name[64];
	char value[64];
} xt_saved_params[XT_MAX_SAVED_PARAMS];
static int xt_nr_saved_params;
static pid_t xt_params_pid;

int xt_module_param_get(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), XT_PARAMS "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

static void xt_restore_params(void)
{
	char path[128];
	int i;

	if (getpid() != xt_params_pid)
		return;
	for (i = xt_nr_saved_params - 1; i >= 0; i--) {
		snprintf(path, sizeof(path), XT_PARAMS "%s",
			 xt_saved_params[i].name);
		xt_write_file(path, xt_saved_params[i].value);
	}
}

void xt_module_param(const char *name, const char *value)
{
	char path[128], old[64];
	int r;

	if (xt_module_param_get(name, old, sizeof(old)) != 0)
		xt_skip("the module has no parameter %s", name);
	if (xt_nr_saved_params == XT_MAX_SAVED_PARAMS)
		XT_FAIL("xt_module_param: more than %d parameters",
			XT_MAX_SAVED_PARAMS);
	if (!xt_nr_saved_params) {
		xt_params_pid = getpid();
		atexit(xt_restore_params);
	}
	snprintf(xt_saved_params[xt_nr_saved_params].name,
		 sizeof(xt_saved_params[0].name), "%s", name);
	snprintf(xt_saved_params[xt_nr_saved_params].value,
		 sizeof(xt_saved_params[0].value), "%s", old);
	xt_nr_saved_params++;
	snprintf(path, sizeof(path), XT_PARAMS "%s", name);
	r = xt_write_file(path, value);
	if (r)
		XT_FAIL("setting %s to %s: %s", name, value, strerror(-r));
}

int xt_memcg_create(const char *path)
{
	char buf[512] = "", file[256];
	FILE *f;

	if (access("/sys/fs/cgroup/cgroup.controllers", R_OK) != 0) {
		mkdir("/sys/fs/cgroup", 0755);
		if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL) != 0)
			return 0;
	}
	f = fopen("/sys/fs/cgroup/cgroup.controllers", "re");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	if (!strstr(buf, "memory"))
		return 0;
	xt_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	rmdir(path);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return 0;
	snprintf(file, sizeof(file), "%s/memory.max", path);
	return access(file, W_OK) == 0;
}

void xt_drop_privs(uid_t uid, gid_t gid, int ngroups, const gid_t *groups)
{
	XT_OK(setgroups(ngroups, groups));
	XT_OK(setresgid(gid, gid, gid));
	XT_OK(setresuid(uid, uid, uid));
	XT_ASSERT_EQ(geteuid(), uid);
	XT_ASSERT_EQ(getegid(), gid);
	if (uid != 0)
		XT_ASSERT(setuid(0) == -1);
	/* a credential change clears the parent-death signal: set it again;
	 * it also makes the process non-dumpable, which would leave its
	 * /proc files (uid_map, mem) owned by root */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 1);
}

/* ---- processes ---------------------------------------------------------- */

pid_t xt_fork(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0)
		XT_FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(XT_EXIT_FAIL);
	}
	return pid;
}

pid_t xt_spawn(int (*fn)(void *), void *arg)
{
	pid_t pid = xt_fork();

	if (pid == 0)
		exit(fn(arg));
	return pid;
}

int xt_wait_signal(pid_t pid, int *exit_code)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			XT_FAIL("waitpid(%d): %s", (int)pid, strerror(errno));
	}
	if (WIFSIGNALED(st))
		return WTERMSIG(st);
	if (exit_code)
		*exit_code = WEXITSTATUS(st);
	return 0;
}

int xt_wait_exit(pid_t pid)
{
	int code = -1;
	int sig = xt_wait_signal(pid, &code);

	if (sig)
		XT_FAIL("child %d was killed by signal %d (%s)", (int)pid, sig,
			xt_signame(sig));
	return code;
}

void xt_wait_ok(pid_t pid)
{
	int code = xt_wait_exit(pid);

	if (code == XT_EXIT_SKIP)
		xt_skip("child %d skipped", (int)pid);
	if (code != 0)
		XT_FAIL("child %d failed (exit %d)", (int)pid, code);
}

void xt_run(int (*fn)(void *), void *arg)
{
	xt_wait_ok(xt_spawn(fn, arg));
}

void xt_expect_child_signal(int (*fn)(void *), void *arg, int sig)
{
	pid_t pid = xt_fork();
	int code = -1, got;

	if (pid == 0) {
		/* let the signal kill the child instead of our handlers */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		exit(fn(arg) == 0 ? 100 : XT_EXIT_FAIL);
	}
	got = xt_wait_signal(pid, &code);
	if (got != sig)
		XT_FAIL("child %d: expected death by %s, got %s (exit %d%s)",
			(int)pid, xt_signame(sig), xt_signame(got), code,
			code == 100 ? ": it completed" : "");
}

/* ---- memory ------------------------------------------------------------- */

void *xt_map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		XT_FAIL("mmap(%zu): %s", len, strerror(errno));
	return p;
}

void *xt_map_aligned(size_t len, size_t align, int prot, int flags)
{
	size_t span = len + align;
	char *p = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_NORESERVE, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		XT_FAIL("mmap(%zu): %s", span, strerror(errno));
	a = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (a > p)
		munmap(p, a - p);
	if (p + span > a + len)
		munmap(a + len, p + span - (a + len));
	if (mmap(a, len, prot, flags | MAP_FIXED, -1, 0) != a)
		XT_FAIL("mmap fixed: %s", strerror(errno));
	return a;
}

void *xt_free_range(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		XT_FAIL("mmap(%zu): %s", len, strerror(errno));
	munmap(p, len);
	return p;
}

void xt_fill(void *buf, size_t len, uint64_t seed, uint64_t off0)
{
	uint64_t *w = buf;
	size_t i, n = len / 8;

	for (i = 0; i < n; i++)
		w[i] = xt_pat(seed, off0 + i * 8);
}

long xt_check(const void *buf, size_t len, uint64_t seed, uint64_t off0)
{
	const volatile uint64_t *w = buf;
	size_t i, n = len / 8;

	for (i = 0; i < n; i++)
		if (w[i] != xt_pat(seed, off0 + i * 8))
			return (long)(i * 8);
	return -1;
}

void xt_assert_pattern(const char *file, int line, const void *buf,
		       size_t len, uint64_t seed, uint64_t off0)
{
	long bad = xt_check(buf, len, seed, off0);

	if (bad >= 0) {
		uint64_t got = ((const volatile uint64_t *)buf)[bad / 8];
		xt_fail_at(file, line,
			   "pattern mismatch at %p (byte %ld of %zu, segment "
			   "offset 0x%llx): expected 0x%016llx got 0x%016llx "
			   "(seed %llu offset 0x%llx)",
			   (const char *)buf + bad, bad, len,
			   (unsigned long long)(off0 + bad),
			   (unsigned long long)xt_pat(seed, off0 + bad),
			   (unsigned long long)got,
			   (unsigned long long)(got >> 48),
			   (unsigned long long)(got & 0xffffffffffffULL));
	}
}

void xt_assert_zero(const char *file, int line, const void *buf, size_t len)
{
	const volatile uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i])
			xt_fail_at(file, line,
				   "expected zero at %p (byte %zu of %zu), "
				   "got 0x%016llx", (const void *)&w[i], i * 8,
				   len, (unsigned long long)w[i]);
}

/* ---- seeded runs -------------------------------------------------------- */

uint64_t xt_rnd(struct xt_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t xt_rndn(struct xt_rng *r, uint64_t n)
{
	return n ? xt_rnd(r) % n : 0;
}

uint64_t xt_time_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
		(uint64_t)getpid()) & 0xffffffffULL;
}

static void xt_opt_set(const struct xt_opt *o, const char *v)
{
	switch (o->type) {
	case XT_OPT_FLAG: *(int *)o->val = 1; break;
	case XT_OPT_INT: *(int *)o->val = atoi(v); break;
	case XT_OPT_LONG: *(long *)o->val = atol(v); break;
	case XT_OPT_DOUBLE: *(double *)o->val = atof(v); break;
	case XT_OPT_U64: *(uint64_t *)o->val = strtoull(v, NULL, 0); break;
	case XT_OPT_STR: *(const char **)o->val = v; break;
	}
	if (o->given)
		*o->given = 1;
}

int xt_parse_opts(const struct xt_opt *opts, int argc, char **argv)
{
	const struct xt_opt *o;
	const char *e;
	int i;

	for (o = opts; o->name; o++)
		if (o->env && (e = getenv(o->env)))
			xt_opt_set(o, e);
	for (i = 1; i < argc; i++) {
		for (o = opts; o->name && strcmp(argv[i], o->name); o++)
			;
		if (!o->name)
			return -1;
		if (o->type == XT_OPT_FLAG) {
			xt_opt_set(o, NULL);
			continue;
		}
		if (i + 1 >= argc)
			return -1;
		xt_opt_set(o, argv[++i]);
	}
	return 0;
}

/* ---- channels ----------------------------------------------------------- */

void xt_chan_init(struct xt_chan *c)
{
	XT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->fd));
}

int xt_chan_end(struct xt_chan *c, int side)
{
	close(c->fd[!side]);
	c->fd[!side] = -1;
	return c->fd[side];
}

void xt_send(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			XT_FAIL("channel write: %s (peer gone?)",
				n < 0 ? strerror(errno) : "short");
		p += n;
		len -= n;
	}
}

void xt_recv(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			XT_FAIL("channel read: %s", strerror(errno));
		if (n == 0)
			XT_FAIL("channel read: peer closed (it failed or died)");
		p += n;
		len -= n;
	}
}

void xt_send_u64(int fd, uint64_t v)
{
	xt_send(fd, &v, sizeof(v));
}

uint64_t xt_recv_u64(int fd)
{
	uint64_t v;

	xt_recv(fd, &v, sizeof(v));
	return v;
}

void xt_expect_u64(int fd, uint64_t want)
{
	uint64_t v = xt_recv_u64(fd);

	if (v != want)
		XT_FAIL("channel: expected step %llu, got %llu",
			(unsigned long long)want, (unsigned long long)v);
}

/* ---- xpmem -------------------------------------------------------------- */

xpmem_segid_t xt_make(void *addr, size_t len, int mode)
{
	xpmem_segid_t s = xpmem_make(addr, len, XPMEM_PERMIT_MODE,
				     (void *)(uintptr_t)mode);

	if (s <= 0)
		XT_FAIL("xpmem_make(%p, %zu, 0%o) = %lld: %s", addr, len, mode,
			(long long)s, strerror(errno));
	return s;
}

xpmem_apid_t xt_get(xpmem_segid_t segid, int flags)
{
	xpmem_apid_t a = xpmem_get(segid, flags, XPMEM_PERMIT_MODE, NULL);

	if (a <= 0)
		XT_FAIL("xpmem_get(0x%llx, %d) = %lld: %s",
			(unsigned long long)segid, flags, (long long)a,
			strerror(errno));
	return a;
}

void *xt_attach(xpmem_apid_t apid, off_t offset, size_t size, void *want)
{
	struct xpmem_addr xa;
	void *p;

	xa.apid = apid;
	xa.offset = offset;
	p = xpmem_attach(xa, size, want);
	if (p == XT_XPMEM_FAILED || p == NULL)
		XT_FAIL("xpmem_attach(apid 0x%llx, off 0x%llx, size %zu, %p) "
			"= %p: %s", (unsigned long long)apid,
			(unsigned long long)offset, size, want, p,
			strerror(errno));
	return p;
}

void xt_detach(void *addr)
{
	if (xpmem_detach(addr) != 0)
		XT_FAIL("xpmem_detach(%p): %s", addr, strerror(errno));
}

void xt_release(xpmem_apid_t apid)
{
	if (xpmem_release(apid) != 0)
		XT_FAIL("xpmem_release(0x%llx): %s", (unsigned long long)apid,
			strerror(errno));
}

void xt_remove(xpmem_segid_t segid)
{
	if (xpmem_remove(segid) != 0)
		XT_FAIL("xpmem_remove(0x%llx): %s", (unsigned long long)segid,
			strerror(errno));
}

int xt_open_dev(void)
{
	int fd = open("/dev/xpmem", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		XT_FAIL("open /dev/xpmem: %s (is the module loaded?)",
			strerror(errno));
	return fd;
}

/* ---- users, an owner process, holes, the read-only file ----------------- */

void xt_become_user(uid_t uid)
{
	gid_t g = uid;

	xt_drop_privs(uid, g, 1, &g);
}

void xt_step(int fd, uint64_t step)
{
	xt_send_u64(fd, step);
	xt_expect_u64(fd, step + 1);
}

pid_t xt_owner_fork(struct xt_owner *o)
{
	struct xt_chan ch;

	o->buf = NULL;
	o->segid = 0;
	xt_chan_init(&ch);
	o->pid = xt_fork();
	if (o->pid) {
		o->fd = xt_chan_end(&ch, 0);
		if (o->len)
			o->segid = xt_recv_u64(o->fd);
		if (o->len && o->thp) {
			o->addr = xt_recv_u64(o->fd);
			o->thp_kb = (long)xt_recv_u64(o->fd);
		}
		return o->pid;
	}
	o->fd = xt_chan_end(&ch, 1);
	if (o->uid)
		xt_become_user(o->uid);
	if (!o->len)
		return 0;
	o->buf = o->thp ? xt_map_thp(o->len) : xt_map_anon(o->len);
	if (o->nohugepage)
		XT_OK(madvise(o->buf, o->len, MADV_NOHUGEPAGE));
	if (o->seed)
		xt_fill(o->buf, o->len, o->seed, 0);
	if (o->prepare)
		o->prepare(o);
	o->segid = xt_make(o->buf, o->len, o->mode);
	xt_send_u64(o->fd, o->segid);
	if (o->thp) {
		o->addr = (uintptr_t)o->buf;
		o->thp_kb = xt_anon_huge_kb();
		xt_send_u64(o->fd, o->addr);
		xt_send_u64(o->fd, (uint64_t)o->thp_kb);
	}
	return 0;
}

/* the step an owner of xt_owner_start waits for before it exits */
#define XT_OWNER_EXIT_STEP 1

void xt_owner_start(struct xt_owner *o)
{
	if (xt_owner_fork(o) == 0) {
		xt_expect_u64(o->fd, XT_OWNER_EXIT_STEP);
		if (o->final_seed)
			XT_ASSERT_PATTERN(o->buf, o->len, o->final_seed, 0);
		exit(XT_EXIT_PASS);
	}
}

void xt_owner_last_step(struct xt_owner *o, uint64_t step)
{
	xt_send_u64(o->fd, step);
	xt_wait_ok(o->pid);
}

void xt_owner_stop(struct xt_owner *o)
{
	xt_owner_last_step(o, XT_OWNER_EXIT_STEP);
	close(o->fd);
	o->fd = -1;
}

void xt_owner_run(struct xt_owner *o, void (*fn)(struct xt_owner *o))
{
	if (xt_owner_fork(o) == 0) {
		fn(o);
		exit(XT_EXIT_PASS);
	}
}

char *xt_owner_attach_read(const char *file, int line, struct xt_owner *o,
			   int flags)
{
	char *p = xt_get_attach(o->segid, flags, o->len, NULL);

	xt_assert_pattern(file, line, p, o->len, o->seed, 0);
	return p;
}

void xt_owner_require_thp(struct xt_owner *o)
{
	if (o->thp_kb >= (long)(o->len / 1024))
		return;
	kill(o->pid, SIGKILL);
	xt_wait_signal(o->pid, NULL);
	xt_require_thp(o->thp_kb, o->len);
}

char *xt_owner_attach_pmd(const char *file, int line, struct xt_owner *o,
			  xpmem_apid_t *apid)
{
	char *p;

	xt_owner_require_thp(o);
	p = xt_get_attach(o->segid, XPMEM_RDWR, o->len, apid);
	xt_assert_pmd_read(file, line, NULL, p, o->len, o->seed, 0,
			   (long)(o->len / (2 * XT_MiB)));
	return p;
}

void xt_cow_witness_fork(struct xt_cow_witness *w, const void *buf,
			 size_t len, uint64_t seed)
{
	struct xt_chan ch;

	xt_chan_init(&ch);
	w->pid = xt_fork();
	if (w->pid == 0) {
		w->fd = xt_chan_end(&ch, 1);
		xt_expect_u64(w->fd, 1);
		/* the copy of the time of the fork */
		XT_ASSERT_PATTERN(buf, len, seed, 0);
		exit(XT_EXIT_PASS);
	}
	w->fd = xt_chan_end(&ch, 0);
}

void xt_cow_witness_check(struct xt_cow_witness *w)
{
	xt_send_u64(w->fd, 1);
	xt_wait_ok(w->pid);
	close(w->fd);
	w->fd = -1;
}

void *xt_get_attach(xpmem_segid_t segid, int flags, size_t len,
		    xpmem_apid_t *apid)
{
	xpmem_apid_t a = xt_get(segid, flags);

	if (apid)
		*apid = a;
	return xt_attach(a, 0, len, NULL);
}

void *xt_recv_attach(int fd, int flags, size_t len, xpmem_apid_t *apid)
{
	return xt_get_attach(xt_recv_u64(fd), flags, len, apid);
}

void xt_assert_hole(const char *file, int line, const void *p, size_t len,
		    const char *what)
{
	size_t ps = xt_page_size(), i;

	for (i = 0; i < len; i += ps) {
		uint64_t v = 0;
		int sig = xt_probe_read((const char *)p + i, &v);

		if (sig != SIGBUS)
			xt_fail_at(file, line, "%s: page %zu: expected SIGBUS, "
				   "got %s, value 0x%llx", what, i / ps,
				   xt_signame(sig), (unsigned long long)v);
	}
}

unsigned char xt_ro_file_byte(size_t i)
{
	return (unsigned char)((i * 7 + 3) & 0xff);
}

void xt_ro_file_check(const char *who, const unsigned char *p, size_t len,
		      size_t skip_a, size_t skip_b)
{
	size_t ps = xt_page_size(), i;

	for (i = 0; i < len; i++) {
		if (i / ps == skip_a || i / ps == skip_b)
			continue;
		if (p[i] != xt_ro_file_byte(i))
			XT_FAIL("%s: byte %zu is 0x%02x, file has 0x%02x", who,
				i, p[i], xt_ro_file_byte(i));
	}
}

void xt_ro_file_check_read(const char *who)
{
	unsigned char *tmp = malloc(XT_RO_FILE_LEN);
	int f = open(XT_RO_FILE, O_RDONLY);

	XT_ASSERT(tmp != NULL);
	XT_ASSERT(f >= 0);
	XT_ASSERT_EQ(pread(f, tmp, XT_RO_FILE_LEN, 0), XT_RO_FILE_LEN);
	close(f);
	xt_ro_file_check(who, tmp, XT_RO_FILE_LEN, XT_NO_PAGE, XT_NO_PAGE);
	free(tmp);
}

void xt_ro_file_check_fresh(int mmap_flags)
{
	pid_t pid = xt_fork();

	if (pid == 0) {
		unsigned char *m;
		int f;

		xt_become_user(XT_CAROL);
		xt_ro_file_check_read("fresh process");
		f = open(XT_RO_FILE, O_RDONLY);
		XT_ASSERT(f >= 0);
		m = mmap(NULL, XT_RO_FILE_LEN, PROT_READ, mmap_flags, f, 0);
		XT_ASSERT(m != MAP_FAILED);
		xt_ro_file_check("fresh mapping", m, XT_RO_FILE_LEN, XT_NO_PAGE,
				 XT_NO_PAGE);
		exit(XT_EXIT_PASS);
	}
	xt_wait_ok(pid);
}
