// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpmem-info - check a node's XPMEM setup and say how to fix what is wrong.
 *
 * Checks, in order: the kernel module (loaded, version, installed build
 * matching the running kernel, DKMS state), the library and the module's
 * VERSION ioctl, the device node and its udev rule, the kernel
 * configuration, and finally a self-test in which a forked child gets and
 * attaches a buffer exported by the parent, checks its contents and writes
 * a reply the parent checks.
 *
 * Exit status: 0 when no problem was found, 1 when at least one check
 * failed, 2 on a usage error. --json prints one JSON object instead of text.
 *
 * --segments and --attachments PID list, instead, the live segments and a
 * process's attachments from the module's debugfs files (root only), as
 * text like ipcs(1) or, with --json, as one JSON object: exit 0, or 1 when
 * the listing cannot be read (or there is no process PID).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xpmem.h>

#ifndef XPMEM_INFO_VERSION
#define XPMEM_INFO_VERSION "unknown"
#endif

#define DEV_PATH "/dev/xpmem"
#define SYS_MODULE "/sys/module/xpmem"
#define SELFTEST_PAGES 64
#define SELFTEST_TIMEOUT 20

enum status { ST_OK, ST_INFO, ST_WARN, ST_FAIL, ST_SKIP };

static const char *const status_word[] = {
	[ST_OK] = "ok", [ST_INFO] = "info", [ST_WARN] = "warn",
	[ST_FAIL] = "fail", [ST_SKIP] = "skip",
};
static const char *const status_tag[] = {
	[ST_OK] = "[ OK ]", [ST_INFO] = "[INFO]", [ST_WARN] = "[WARN]",
	[ST_FAIL] = "[FAIL]", [ST_SKIP] = "[SKIP]",
};

struct check {
	const char *section;
	const char *name;
	enum status status;
	char *detail;
	char *fix;
};

static struct check checks[64];
static unsigned int nchecks;
static bool json;

static char kver[256];
/* The device node checked: XPMEM_DEVICE, as libxpmem itself reads it. */
static const char *dev_path = DEV_PATH;
static bool module_loaded;
static bool device_usable;
static int module_version = -1;

static char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0) {
		perror("xpmem-info");
		exit(2);
	}
	return s;
}

/*
 * Record one result; the caller may add a fix with set_fix() and prints it
 * with print_check() (text mode prints as the checks run).
 */
static struct check *report(const char *section, const char *name,
			    enum status st, const char *fmt, ...)
{
	struct check *c;
	va_list ap;

	if (nchecks == sizeof(checks) / sizeof(checks[0]))
		abort();
	c = &checks[nchecks++];
	c->section = section;
	c->name = name;
	c->status = st;
	va_start(ap, fmt);
	c->detail = xvasprintf(fmt, ap);
	va_end(ap);
	c->fix = NULL;
	if (!json) {
		/* Text output goes out as the checks run. */
		static const char *last_section;

		if (!last_section || strcmp(last_section, section) != 0) {
			printf("%s%s\n", last_section ? "\n" : "", section);
			last_section = section;
		}
	}
	return c;
}

static void set_fix(struct check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	c->fix = xvasprintf(fmt, ap);
	va_end(ap);
}

static void print_check(const struct check *c)
{
	if (json)
		return;
	printf("  %s %s: %s\n", status_tag[c->status], c->name, c->detail);
	if (c->fix)
		printf("         -> %s\n", c->fix);
	fflush(stdout);
}

/* report() + optional fix + print, for the common case. */
#define CHECK(section, name, st, fix, ...)                                 \
	do {                                                               \
		struct check *c_ = report(section, name, st, __VA_ARGS__); \
		if (fix)                                                   \
			set_fix(c_, "%s", (const char *)(fix));            \
		print_check(c_);                                           \
	} while (0)

/* Small helpers. */

static bool read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char dirs[4096], file[PATH_MAX];
	char *save = NULL, *d;

	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin", path);
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(file, sizeof(file), "%s/%s", d, prog);
		if (access(file, X_OK) == 0)
			return true;
	}
	return false;
}

/*
 * Run argv (no shell), capture up to size-1 bytes of its stdout, return
 * its exit status, or -1 if it could not run. stderr is discarded.
 */
static int run_capture(char *const argv[], char *buf, size_t size)
{
	int pfd[2], status;
	size_t len = 0;
	pid_t pid;

	buf[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(pfd[1], 1);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char tmp[4096];
		ssize_t n = read(pfd[0], tmp, sizeof(tmp));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + 1 < size) {
			size_t k = (size_t)n;

			if (k > size - 1 - len)
				k = size - 1 - len;
			memcpy(buf + len, tmp, k);
			len += k;
		}
	}
	buf[len] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == 127 ? -1 : WEXITSTATUS(status);
	return -1;
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* Module. */

static char found_ko[PATH_MAX];

static int find_ko_cb(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	const char *base = path + ftw->base;

	(void)st;
	if (type != FTW_F)
		return 0;
	if (strcmp(base, "xpmem.ko") == 0 || strncmp(base, "xpmem.ko.", 9) == 0) {
		snprintf(found_ko, sizeof(found_ko), "%s", path);
		return 1;
	}
	return 0;
}

/* The xpmem.ko that modprobe would load for the running kernel. */
static bool find_installed_module(void)
{
	char out[PATH_MAX], dir[PATH_MAX];
	char *argv[] = { "modinfo", "-k", kver, "-n", "xpmem", NULL };

	found_ko[0] = '\0';
	if (run_capture(argv, out, sizeof(out)) == 0) {
		chomp(out);
		if (out[0] == '/' && access(out, R_OK) == 0) {
			snprintf(found_ko, sizeof(found_ko), "%s", out);
			return true;
		}
	}
	/* Not in modules.dep (depmod not run?): look for the file. */
	snprintf(dir, sizeof(dir), "/lib/modules/%s", kver);
	nftw(dir, find_ko_cb, 16, FTW_PHYS);
	return found_ko[0] != '\0';
}

/* modinfo -F field of a .ko file; falls back to scanning an uncompressed file. */
static bool ko_field(const char *ko, const char *field, char *buf, size_t size)
{
	char *argv[] = { "modinfo", "-F", (char *)field, (char *)ko, NULL };
	char key[64];
	FILE *f;
	size_t klen;
	int c, matched = 0;

	if (run_capture(argv, buf, size) == 0) {
		chomp(buf);
		if (buf[0])
			return true;
	}
	/* .modinfo holds NUL-separated "key=value" strings. */
	snprintf(key, sizeof(key), "%s=", field);
	klen = strlen(key);
	f = fopen(ko, "re");
	if (!f)
		return false;
	while ((c = getc(f)) != EOF) {
		if (c == key[matched]) {
			if (++matched == (int)klen) {
				size_t n = 0;

				while ((c = getc(f)) != EOF && c != '\0' && n + 1 < size)
					buf[n++] = (char)c;
				buf[n] = '\0';
				fclose(f);
				return n > 0;
			}
		} else {
			matched = c == key[0];
		}
	}
	fclose(f);
	return false;
}

static void check_dkms(void)
{
	static const char *const S = "Module";
	char out[8192], want[300];
	char *argv[] = { "dkms", "status", "xpmem", NULL };
	bool any = false, here = false;
	char *line, *save = NULL;

	if (!in_path("dkms")) {
		CHECK(S, "dkms", ST_SKIP, NULL, "dkms is not installed (fine with a prebuilt kmod package)");
		return;
	}
	if (run_capture(argv, out, sizeof(out)) < 0) {
		CHECK(S, "dkms", ST_WARN, NULL, "could not run 'dkms status xpmem'");
		return;
	}
	snprintf(want, sizeof(want), ", %s,", kver);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "xpmem", 5) != 0)
			continue;
		any = true;
		if (strstr(line, want) && strstr(line, ": installed"))
			here = true;
		if (!json)
			printf("         dkms: %s\n", line);
	}
	if (!any)
		CHECK(S, "dkms", ST_INFO, NULL, "no xpmem module registered with DKMS");
	else if (here)
		CHECK(S, "dkms", ST_OK, NULL, "xpmem is built and installed by DKMS for %s", kver);
	else {
		struct check *c = report(S, "dkms", ST_FAIL,
					 "xpmem is registered with DKMS but not installed for %s", kver);
		set_fix(c, "install the headers (Debian: apt install linux-headers-%s; "
			   "RHEL/Fedora: dnf install kernel-devel-%s), then run "
			   "'dkms autoinstall -k %s' and read the build log it names",
			kver, kver, kver);
		print_check(c);
	}
}

/* The admin policy in force (module parameters, see xpmem(7)). */
static void report_policy(const char *S)
{
	static const char *const names[] = {
		"access_policy", "segid_scope", "nondumpable_needs_ptrace",
		"max_segments_per_user", "max_permits_per_user",
		"max_attachments_per_user",
	};
	char line[512] = "", v[64], path[128];
	size_t i, n = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), SYS_MODULE "/parameters/%s", names[i]);
		if (!read_line(path, v, sizeof(v)))
			continue;
		n += snprintf(line + n, sizeof(line) - n, "%s%s=%s", n ? " " : "",
			      names[i], v);
		if (n >= sizeof(line))
			break;
	}
	if (line[0])
		CHECK(S, "policy", ST_INFO, NULL, "%s", line);
	else
		CHECK(S, "policy", ST_INFO, NULL,
		      "the loaded module has no access policy parameters (mode bits only)");
}

static void check_module(void)
{
	static const char *const S = "Module";
	char loaded_ver[128] = "", loaded_src[128] = "";
	char vermagic[512], ver[128], src[128];
	struct check *c;

	module_loaded = access(SYS_MODULE, F_OK) == 0;
	if (module_loaded) {
		read_line(SYS_MODULE "/version", loaded_ver, sizeof(loaded_ver));
		read_line(SYS_MODULE "/srcversion", loaded_src, sizeof(loaded_src));
		CHECK(S, "loaded", ST_OK, NULL, "xpmem is loaded, version %s",
		      loaded_ver[0] ? loaded_ver : "(not reported)");
		report_policy(S);
	} else {
		c = report(S, "loaded", ST_FAIL, "the xpmem module is not loaded (no %s)", SYS_MODULE);
		set_fix(c, "run 'modprobe xpmem' as root and read 'dmesg | tail' if it fails; "
			   "the package loads it at boot through /usr/lib/modules-load.d/xpmem.conf");
		print_check(c);
	}

	if (!find_installed_module()) {
		c = report(S, "installed", module_loaded ? ST_WARN : ST_FAIL,
			   "no xpmem.ko installed for the running kernel %s", kver);
		set_fix(c, "install xpmem-dkms (Debian/Ubuntu) or xpmem-dkms / kmod-xpmem "
			   "(RHEL, Fedora) together with the headers of kernel %s", kver);
		print_check(c);
	} else {
		CHECK(S, "installed", ST_OK, NULL, "%s", found_ko);
		if (ko_field(found_ko, "vermagic", vermagic, sizeof(vermagic))) {
			size_t n = strcspn(vermagic, " ");

			if (strlen(kver) == n && strncmp(vermagic, kver, n) == 0) {
				CHECK(S, "vermagic", ST_OK, NULL, "built for %s (vermagic \"%s\")",
				      kver, vermagic);
			} else {
				c = report(S, "vermagic", ST_FAIL,
					   "the installed module was built for \"%.*s\", the running kernel is %s",
					   (int)n, vermagic, kver);
				set_fix(c, "rebuild it for this kernel: 'dkms install xpmem/<version> -k %s' "
					   "or install the kmod-xpmem built for %s", kver, kver);
				print_check(c);
			}
		} else {
			CHECK(S, "vermagic", ST_WARN, "install kmod (modinfo) to read it",
			      "cannot read the vermagic of %s", found_ko);
		}
		if (module_loaded && ko_field(found_ko, "srcversion", src, sizeof(src)) &&
		    loaded_src[0] && strcmp(src, loaded_src) != 0) {
			ver[0] = '\0';
			ko_field(found_ko, "version", ver, sizeof(ver));
			c = report(S, "current", ST_WARN,
				   "the loaded module (%s) is not the installed one (%s)",
				   loaded_ver[0] ? loaded_ver : loaded_src, ver[0] ? ver : src);
			set_fix(c, "reload it when no job uses it: 'modprobe -r xpmem && modprobe xpmem'");
			print_check(c);
		}
	}
	check_dkms();
}

/* Library and VERSION ioctl. */

static void check_library(void)
{
	static const char *const S = "Library";
	Dl_info info;
	struct check *c;
	int v;

	if (dladdr((void *)xpmem_version, &info) && info.dli_fname)
		CHECK(S, "libxpmem", ST_OK, NULL, "%s (xpmem-info built with %s)",
		      info.dli_fname, XPMEM_INFO_VERSION);
	else
		CHECK(S, "libxpmem", ST_OK, NULL, "xpmem-info built with %s", XPMEM_INFO_VERSION);

	errno = 0;
	v = xpmem_version();
	if (v < 0) {
		int e = errno;

		c = report(S, "xpmem_version", ST_FAIL, "xpmem_version() failed: %s",
			   e ? strerror(e) : "no error number");
		set_fix(c, "%s", module_loaded ? "check /dev/xpmem below"
					       : "load the module first (see above)");
		print_check(c);
		return;
	}
	module_version = v;
	CHECK(S, "xpmem_version", ST_OK, NULL, "module reports 0x%08x = %d.%d.%d", (unsigned int)v,
	      v >> 16, (v >> 12) & 0xf, v & 0xfff);
}

/* Device node and udev rule. */

static void check_device(void)
{
	static const char *const S = "Device";
	static const char *const dirs[] = {
		"/usr/lib/udev/rules.d", "/lib/udev/rules.d", "/etc/udev/rules.d",
	};
	char rules[1024] = "", seen[3][PATH_MAX];
	unsigned int nseen = 0, i;
	struct check *c;
	struct stat st;
	int fd;

	if (stat(dev_path, &st) < 0) {
		c = report(S, dev_path, ST_FAIL, "%s does not exist", dev_path);
		set_fix(c, "%s", module_loaded
			? "udev did not create it: check 'udevadm info /sys/class/misc/xpmem' "
			  "and 'systemctl status systemd-udevd'"
			: "it appears when the module is loaded ('modprobe xpmem')");
		print_check(c);
	} else if (!S_ISCHR(st.st_mode)) {
		c = report(S, dev_path, ST_FAIL, "%s is not a character device", dev_path);
		set_fix(c, "remove it ('rm %s') and reload the module", dev_path);
		print_check(c);
	} else {
		CHECK(S, dev_path, ST_OK, NULL, "character device %u:%u, mode %04o, owner %u:%u",
		      major(st.st_rdev), minor(st.st_rdev), (unsigned int)(st.st_mode & 07777),
		      (unsigned int)st.st_uid, (unsigned int)st.st_gid);
		if ((st.st_mode & 0777) != 0666) {
			c = report(S, "mode", ST_FAIL,
				   "mode is %04o, MPI jobs of other users need 0666",
				   (unsigned int)(st.st_mode & 07777));
			set_fix(c, "install the udev rule of the package (56-xpmem.rules) and run "
				   "'udevadm trigger /sys/class/misc/xpmem', or 'chmod 0666 %s' for now",
				dev_path);
			print_check(c);
		}
		fd = open(dev_path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			c = report(S, "open", ST_FAIL, "cannot open %s: %s", dev_path, strerror(errno));
			set_fix(c, "fix its mode (0666) and any security module policy denying it");
			print_check(c);
		} else {
			close(fd);
			device_usable = true;
			CHECK(S, "open", ST_OK, NULL, "%s opens read-write", dev_path);
		}
	}

	/* Any *xpmem*.rules; /lib may be a link to /usr/lib (merged /usr). */
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char real[PATH_MAX];
		struct dirent *de;
		unsigned int k;
		DIR *d;

		if (!realpath(dirs[i], real))
			continue;
		for (k = 0; k < nseen; k++)
			if (strcmp(seen[k], real) == 0)
				break;
		if (k < nseen)
			continue;
		snprintf(seen[nseen++], PATH_MAX, "%s", real);
		d = opendir(dirs[i]);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);

			if (strstr(de->d_name, "xpmem") && n > 6 &&
			    strcmp(de->d_name + n - 6, ".rules") == 0) {
				size_t len = strlen(rules);

				snprintf(rules + len, sizeof(rules) - len, "%s%s/%s",
					 len ? ", " : "", dirs[i], de->d_name);
			}
		}
		closedir(d);
	}
	if (rules[0]) {
		CHECK(S, "udev rule", ST_OK, NULL, "%s", rules);
	} else {
		c = report(S, "udev rule", ST_WARN,
			   "no *xpmem*.rules in /usr/lib/udev/rules.d, /lib/udev/rules.d or /etc/udev/rules.d");
		set_fix(c, "without it /dev/xpmem gets mode 0600 after the next load; install the "
			   "package's 56-xpmem.rules (KERNEL==\"xpmem\", MODE=\"0666\")");
		print_check(c);
	}
}

/* Kernel configuration. */

static void check_kconfig(void)
{
	static const char *const S = "Kernel";
	static const char *const opts[] = { "CONFIG_MMU_NOTIFIER", "CONFIG_HMM_MIRROR" };
	static char cfg[1 << 20];
	char path[PATH_MAX], sb[64];
	const char *from = NULL;
	unsigned int i;
	struct check *c;
	FILE *f;

	CHECK(S, "release", ST_INFO, NULL, "%s", kver);

	snprintf(path, sizeof(path), "/boot/config-%s", kver);
	f = fopen(path, "re");
	if (f) {
		size_t n = fread(cfg, 1, sizeof(cfg) - 1, f);

		cfg[n] = '\0';
		fclose(f);
		from = path;
	} else if (access("/proc/config.gz", R_OK) == 0) {
		char *argv[] = { "gzip", "-dc", "/proc/config.gz", NULL };

		if (run_capture(argv, cfg, sizeof(cfg)) == 0)
			from = "/proc/config.gz";
	}
	if (!from) {
		CHECK(S, "config", ST_SKIP, NULL,
		      "neither %s nor /proc/config.gz is readable", path);
	} else {
		for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
			char y[64], m[64];

			snprintf(y, sizeof(y), "\n%s=y", opts[i]);
			snprintf(m, sizeof(m), "\n%s=m", opts[i]);
			if (strstr(cfg, y) || strstr(cfg, m) ||
			    strncmp(cfg, y + 1, strlen(y + 1)) == 0) {
				CHECK(S, opts[i], ST_OK, NULL, "set (%s)", from);
			} else {
				c = report(S, opts[i], ST_FAIL, "not set in %s", from);
				set_fix(c, "xpmem needs a kernel built with %s=y; "
					   "use the distribution's kernel or enable it", opts[i]);
				print_check(c);
			}
		}
	}

	/* Secure Boot: an unsigned or unknown-key module will not load. */
	f = fopen("/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", "re");
	if (f) {
		size_t n = fread(sb, 1, sizeof(sb), f);

		fclose(f);
		if (n >= 5 && sb[4] == 1) {
			c = report(S, "secure boot", module_loaded ? ST_INFO : ST_WARN,
				   "Secure Boot is enabled: modules must be signed by an enrolled key");
			if (!module_loaded)
				set_fix(c, "enroll the DKMS key: 'mokutil --import /var/lib/dkms/mok.pub', "
					   "reboot and confirm in MokManager");
			print_check(c);
		}
	}
}

/* Self-test: the child gets and attaches the parent's buffer. */

static int child_test(xpmem_segid_t segid, unsigned char *expect_base, size_t size)
{
	struct xpmem_addr addr;
	unsigned char *p;
	xpmem_apid_t apid;
	size_t i;

	(void)expect_base;
	alarm(SELFTEST_TIMEOUT);
	apid = xpmem_get(segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL);
	if (apid < 0) {
		fprintf(stderr, "xpmem-info: child: xpmem_get: %s\n", strerror(errno));
		return 10;
	}
	addr.apid = apid;
	addr.offset = 0;
	p = xpmem_attach(addr, size, NULL);
	if (p == (void *)-1) {
		fprintf(stderr, "xpmem-info: child: xpmem_attach: %s\n", strerror(errno));
		return 11;
	}
	for (i = 0; i < size; i++) {
		if (p[i] != (unsigned char)(i * 7 + 1)) {
			fprintf(stderr, "xpmem-info: child: byte %zu is 0x%02x, expected 0x%02x\n",
				i, p[i], (unsigned char)(i * 7 + 1));
			return 12;
		}
	}
	for (i = 0; i < size; i++)
		p[i] = (unsigned char)(i * 13 + 5);
	if (xpmem_detach(p) < 0) {
		fprintf(stderr, "xpmem-info: child: xpmem_detach: %s\n", strerror(errno));
		return 13;
	}
	if (xpmem_release(apid) < 0) {
		fprintf(stderr, "xpmem-info: child: xpmem_release: %s\n", strerror(errno));
		return 14;
	}
	return 0;
}

static const char *child_error(int code)
{
	switch (code) {
	case 10: return "the child's xpmem_get failed";
	case 11: return "the child's xpmem_attach failed";
	case 12: return "the child read wrong data through the attachment";
	case 13: return "the child's xpmem_detach failed";
	case 14: return "the child's xpmem_release failed";
	default: return "the child failed";
	}
}

static void selftest(void)
{
	static const char *const S = "Self-test";
	size_t size = SELFTEST_PAGES * (size_t)sysconf(_SC_PAGESIZE), i;
	struct timespec t0, t1;
	xpmem_segid_t segid;
	unsigned char *buf;
	struct check *c;
	int status;
	pid_t pid, w;

	if (!device_usable || module_version < 0) {
		CHECK(S, "attach", ST_SKIP, NULL, "skipped: the module or the device is not usable");
		return;
	}
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		CHECK(S, "attach", ST_FAIL, NULL, "mmap: %s", strerror(errno));
		return;
	}
	for (i = 0; i < size; i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	segid = xpmem_make(buf, size, XPMEM_PERMIT_MODE, (void *)0600);
	if (segid < 0) {
		c = report(S, "make", ST_FAIL, "xpmem_make of %zu bytes failed: %s", size,
			   strerror(errno));
		set_fix(c, "see 'dmesg' for messages of the module");
		print_check(c);
		munmap(buf, size);
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		CHECK(S, "attach", ST_FAIL, NULL, "fork: %s", strerror(errno));
		xpmem_remove(segid);
		munmap(buf, size);
		return;
	}
	if (pid == 0)
		_exit(child_test(segid, buf, size));

	/* Wait with a deadline: a hang is a result too. */
	for (i = 0; i < SELFTEST_TIMEOUT * 10; i++) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		usleep(100000);
	}
	if (w != pid) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		c = report(S, "attach", ST_FAIL, "the child did not finish within %d s",
			   SELFTEST_TIMEOUT);
		set_fix(c, "the module may be stuck: look for hung tasks in 'dmesg'");
		print_check(c);
	} else if (WIFSIGNALED(status)) {
		c = report(S, "attach", ST_FAIL, "the child was killed by signal %d (%s)",
			   WTERMSIG(status), strsignal(WTERMSIG(status)));
		set_fix(c, "look for messages of the module in 'dmesg' and report a bug");
		print_check(c);
	} else if (WEXITSTATUS(status) != 0) {
		c = report(S, "attach", ST_FAIL, "%s (code %d; the child's message is above)",
			   child_error(WEXITSTATUS(status)), WEXITSTATUS(status));
		set_fix(c, "look for messages of the module in 'dmesg' and report a bug");
		print_check(c);
	} else {
		for (i = 0; i < size; i++)
			if (buf[i] != (unsigned char)(i * 13 + 5))
				break;
		if (i < size) {
			c = report(S, "attach", ST_FAIL,
				   "the child's write did not reach the owner: byte %zu is 0x%02x",
				   i, buf[i]);
			set_fix(c, "the module is not coherent; report a bug with 'dmesg'");
			print_check(c);
		} else {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			CHECK(S, "attach", ST_OK, NULL,
			      "a child attached %zu KiB, read the pattern and wrote one back (%.1f ms)",
			      size / 1024, (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
		}
	}
	if (xpmem_remove(segid) < 0) {
		CHECK(S, "remove", ST_FAIL, "report a bug with 'dmesg'",
		      "xpmem_remove failed: %s", strerror(errno));
	}
	munmap(buf, size);
}

/* Output. */

static void json_string(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		default:
			if (ch < 0x20)
				printf("\\u%04x", ch);
			else
				putchar(ch);
		}
	}
	putchar('"');
}

static void print_json(unsigned int problems, unsigned int warnings)
{
	unsigned int i;

	printf("{\n  \"tool\": \"xpmem-info\",\n  \"version\": ");
	json_string(XPMEM_INFO_VERSION);
	printf(",\n  \"kernel\": ");
	json_string(kver);
	printf(",\n  \"module_loaded\": %s,\n", module_loaded ? "true" : "false");
	if (module_version >= 0)
		printf("  \"module_version\": \"%d.%d.%d\",\n", module_version >> 16,
		       (module_version >> 12) & 0xf, module_version & 0xfff);
	else
		printf("  \"module_version\": null,\n");
	printf("  \"problems\": %u,\n  \"warnings\": %u,\n  \"checks\": [", problems, warnings);
	for (i = 0; i < nchecks; i++) {
		const struct check *c = &checks[i];

		printf("%s\n    {\"section\": ", i ? "," : "");
		json_string(c->section);
		printf(", \"name\": ");
		json_string(c->name);
		printf(", \"status\": ");
		json_string(status_word[c->status]);
		printf(", \"detail\": ");
		json_string(c->detail);
		printf(", \"fix\": ");
		if (c->fix)
			json_string(c->fix);
		else
			fputs("null", stdout);
		putchar('}');
	}
	printf("\n  ]\n}\n");
}

/*
 * Listings (--segments, --attachments PID): the module's debugfs files
 * xpmem/segments and xpmem/attachments (driver/info.c), mode 0400. Each
 * starts with a header naming its columns; columns added after these at
 * the end of a line are ignored, a header that does not start with them
 * is refused (a module of another format).
 */

#define DEBUGFS_DIR "/sys/kernel/debug"
#define SEGMENTS_HEADER "segid pid uid start size mode permits attachments faulted"
#define ATTACHMENTS_HEADER "pid start size segid src writable dead faulted"

static FILE *open_listing(const char *name, const char *header)
{
	char path[128], line[512];
	FILE *f;
	int e;

	snprintf(path, sizeof(path), DEBUGFS_DIR "/xpmem/%s", name);
	f = fopen(path, "r");
	if (!f) {
		e = errno;
		fprintf(stderr, "xpmem-info: cannot read %s: %s", path, strerror(e));
		if (e == EACCES || e == EPERM)
			fprintf(stderr, " (the listings are readable by root only)\n");
		else if (access(SYS_MODULE, F_OK) != 0)
			fprintf(stderr, " (the xpmem module is not loaded)\n");
		else if (access(DEBUGFS_DIR "/xpmem", F_OK) != 0)
			fprintf(stderr, " (debugfs is not mounted: mount -t debugfs debugfs "
				DEBUGFS_DIR ")\n");
		else
			fprintf(stderr, " (the loaded module predates the listings)\n");
		return NULL;
	}
	if (!fgets(line, sizeof(line), f) || strncmp(line, header, strlen(header)) != 0 ||
	    (line[strlen(header)] != '\n' && line[strlen(header)] != ' ')) {
		fprintf(stderr, "xpmem-info: %s: not the listing this xpmem-info reads "
			"(header \"%s\" expected)\n", path, header);
		fclose(f);
		return NULL;
	}
	return f;
}

static int list_segments(void)
{
	unsigned long long segid, start, size;
	unsigned long permits, atts, faulted;
	unsigned int uid, mode, n = 0;
	char line[512];
	FILE *f = open_listing("segments", SEGMENTS_HEADER);
	int pid;

	if (!f)
		return 1;
	if (json)
		printf("{\n  \"segments\": [");
	else
		printf("------ XPMEM Segments --------\n"
		       "%-20s %-8s %-6s %-18s %-12s %-5s %-7s %-11s %s\n",
		       "segid", "owner", "uid", "start", "bytes", "mode", "permits",
		       "attachments", "faulted");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %d %u %llx %llu %o %lu %lu %lu", &segid, &pid, &uid,
			   &start, &size, &mode, &permits, &atts, &faulted) != 9)
			continue;
		if (json)
			printf("%s\n    {\"segid\": \"0x%llx\", \"pid\": %d, \"uid\": %u, "
			       "\"start\": \"0x%llx\", \"size\": %llu, \"mode\": \"0%03o\", "
			       "\"permits\": %lu, \"attachments\": %lu, \"faulted_pages\": %lu}",
			       n ? "," : "", segid, pid, uid, start, size, mode, permits, atts,
			       faulted);
		else
			printf("0x%-18llx %-8d %-6u 0x%-16llx %-12llu 0%03o %-7lu %-11lu %lu\n",
			       segid, pid, uid, start, size, mode, permits, atts, faulted);
		n++;
	}
	fclose(f);
	if (json)
		printf("%s]\n}\n", n ? "\n  " : "");
	return 0;
}

static int list_attachments(int want)
{
	unsigned long long start, size, segid, src;
	unsigned long faulted;
	int pid, writable, dead;
	unsigned int n = 0;
	char line[512], proc[32];
	FILE *f;

	snprintf(proc, sizeof(proc), "/proc/%d", want);
	if (access(proc, F_OK) != 0) {
		fprintf(stderr, "xpmem-info: no process %d\n", want);
		return 1;
	}
	f = open_listing("attachments", ATTACHMENTS_HEADER);
	if (!f)
		return 1;
	if (json)
		printf("{\n  \"pid\": %d,\n  \"attachments\": [", want);
	else
		printf("------ XPMEM Attachments of pid %d --------\n"
		       "%-18s %-18s %-12s %-20s %-18s %-4s %-5s %s\n",
		       want, "start", "end", "bytes", "segid", "source", "perm", "state",
		       "faulted");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%d %llx %llu %llx %llx %d %d %lu", &pid, &start, &size,
			   &segid, &src, &writable, &dead, &faulted) != 8 || pid != want)
			continue;
		if (json)
			printf("%s\n    {\"start\": \"0x%llx\", \"end\": \"0x%llx\", \"size\": %llu, "
			       "\"segid\": \"0x%llx\", \"source\": \"0x%llx\", \"writable\": %s, "
			       "\"dead\": %s, \"faulted_pages\": %lu}",
			       n ? "," : "", start, start + size, size, segid, src,
			       writable ? "true" : "false", dead ? "true" : "false", faulted);
		else
			printf("0x%-16llx 0x%-16llx %-12llu 0x%-18llx 0x%-16llx %-4s %-5s %lu\n",
			       start, start + size, size, segid, src, writable ? "rw" : "ro",
			       dead ? "dead" : "live", faulted);
		n++;
	}
	fclose(f);
	if (json)
		printf("%s]\n}\n", n ? "\n  " : "");
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xpmem-info [--json] [--no-selftest]\n"
		"       xpmem-info [--json] --segments | --attachments PID\n"
		"Check the XPMEM module, device, library and kernel of this node,\n"
		"or list the live segments or a process's attachments (root only).\n\n"
		"  --json          print one JSON object (for scripts)\n"
		"  --no-selftest   skip the attach self-test\n"
		"  --segments      list the live segments\n"
		"  --attachments PID  list the attachments of process PID\n"
		"  --version       print the version and exit\n"
		"  -h, --help      print this help and exit\n\n"
		"XPMEM_DEVICE overrides the device path (default " DEV_PATH "), as in libxpmem.\n"
		"Exit status: 0 no problem, 1 at least one problem (or no listing), 2 usage error.\n");
}

int main(int argc, char **argv)
{
	unsigned int problems = 0, warnings = 0, i;
	bool run_selftest = true, segments = false;
	int attachments = -1;
	struct utsname u;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[a], "--no-selftest") == 0) {
			run_selftest = false;
		} else if (strcmp(argv[a], "--segments") == 0) {
			segments = true;
		} else if (strcmp(argv[a], "--attachments") == 0) {
			char *end;
			long v;

			errno = 0;
			v = a + 1 < argc ? strtol(argv[a + 1], &end, 10) : -1;
			if (a + 1 >= argc || errno || *end || end == argv[a + 1] || v <= 0 ||
			    v > INT_MAX) {
				fprintf(stderr, "xpmem-info: --attachments needs a pid\n");
				usage(stderr);
				return 2;
			}
			attachments = (int)v;
			a++;
		} else if (strcmp(argv[a], "--version") == 0) {
			printf("xpmem-info %s\n", XPMEM_INFO_VERSION);
			return 0;
		} else if (strcmp(argv[a], "-h") == 0 || strcmp(argv[a], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "xpmem-info: unknown option '%s'\n", argv[a]);
			usage(stderr);
			return 2;
		}
	}

	if (segments && attachments > 0) {
		fprintf(stderr, "xpmem-info: --segments and --attachments exclude each other\n");
		usage(stderr);
		return 2;
	}
	if (segments)
		return list_segments();
	if (attachments > 0)
		return list_attachments(attachments);

	{
		const char *env = secure_getenv("XPMEM_DEVICE");

		if (env && *env)
			dev_path = env;
	}
	if (uname(&u) == 0)
		snprintf(kver, sizeof(kver), "%s", u.release);
	else
		snprintf(kver, sizeof(kver), "unknown");

	if (!json)
		printf("xpmem-info %s on %s\n\n", XPMEM_INFO_VERSION, kver);

	check_module();
	check_library();
	check_device();
	check_kconfig();
	if (run_selftest)
		selftest();
	else
		CHECK("Self-test", "attach", ST_SKIP, NULL, "skipped (--no-selftest)");

	for (i = 0; i < nchecks; i++) {
		problems += checks[i].status == ST_FAIL;
		warnings += checks[i].status == ST_WARN;
	}
	if (json) {
		print_json(problems, warnings);
	} else {
		printf("\n%u problem%s, %u warning%s: %s\n", problems, problems == 1 ? "" : "s",
		       warnings, warnings == 1 ? "" : "s",
		       problems ? "XPMEM is not usable on this node (see the hints above)"
				: "XPMEM is usable on this node");
	}
	return problems ? 1 : 0;
}
