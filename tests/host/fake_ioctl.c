// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What libxpmem sends to the module, seen by an ioctl() defined in this
 * program: the dynamic linker binds libxpmem's ioctl calls to it (the
 * executable comes first in symbol lookup). XPMEM_DEVICE points at a
 * regular file so that open() works without the module. One behaviour per
 * mode:
 *
 *   make            MAKE carries vaddr, size, permit type and value; the
 *                   segid comes back.
 *   get             GET carries segid, flags and permit type, and permit
 *                   value 0 whatever the caller passed; the apid comes back.
 *   attach          ATTACH carries apid, offset, size, vaddr, the library's
 *                   own descriptor in fd and 0 in flags; the mapped address
 *                   comes back, (void *)-1 with errno on failure.
 *   simple          VERSION returns the module's value; REMOVE, RELEASE and
 *                   DETACH carry their argument; failures give -1 + errno.
 *   noproc-make     in a forked child, MAKE on the inherited descriptor says
 *   noproc-get      XPMEM_ERRNO_NOPROC: the library closes it, opens the
 *                   device itself (O_CLOEXEC) and retries once on the new
 *                   descriptor, which later calls use; the parent keeps its.
 *   noproc-opener   in the process that opened the descriptor, NOPROC is
 *                   returned as is (errno 2004), without a reopen.
 *   noproc-attach   in a child, NOPROC from ATTACH is not retried.
 */
#define _GNU_SOURCE
#include <xpmem.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAKE_SEGID	0x0000000500001234LL
#define FAKE_APID	0x0000000700004321LL
#define FAKE_VADDR	0x7f1234560000ULL
#define FAKE_VERSION	0x00030000

struct call {
	int fd;
	unsigned long cmd;
	union {
		struct xpmem_cmd_make make;
		struct xpmem_cmd_get get;
		struct xpmem_cmd_attach attach;
		struct xpmem_cmd_remove remove;
		struct xpmem_cmd_release release;
		struct xpmem_cmd_detach detach;
	} u;
};

static struct call calls[64];
static int ncalls;
static int noproc_fd = -1;		/* MAKE/GET/ATTACH on it: NOPROC */
static int fail_errno;			/* every command fails with it */

int ioctl(int fd, unsigned long cmd, ...)
{
	struct call *c;
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (cmd < XPMEM_CMD_VERSION || cmd > XPMEM_CMD_FORK_END)
		return (int)syscall(SYS_ioctl, fd, cmd, arg);

	if (ncalls == 64)
		abort();
	c = &calls[ncalls++];
	c->fd = fd;
	c->cmd = cmd;
	switch (cmd) {
	case XPMEM_CMD_MAKE: memcpy(&c->u.make, arg, sizeof(c->u.make)); break;
	case XPMEM_CMD_GET: memcpy(&c->u.get, arg, sizeof(c->u.get)); break;
	case XPMEM_CMD_ATTACH: memcpy(&c->u.attach, arg, sizeof(c->u.attach)); break;
	case XPMEM_CMD_REMOVE: memcpy(&c->u.remove, arg, sizeof(c->u.remove)); break;
	case XPMEM_CMD_RELEASE: memcpy(&c->u.release, arg, sizeof(c->u.release)); break;
	case XPMEM_CMD_DETACH: memcpy(&c->u.detach, arg, sizeof(c->u.detach)); break;
	}

	if (fail_errno) {
		errno = fail_errno;
		return -1;
	}
	if (fd == noproc_fd && (cmd == XPMEM_CMD_MAKE || cmd == XPMEM_CMD_GET ||
				cmd == XPMEM_CMD_ATTACH)) {
		errno = XPMEM_ERRNO_NOPROC;
		return -1;
	}
	switch (cmd) {
	case XPMEM_CMD_VERSION:
		return FAKE_VERSION;
	case XPMEM_CMD_MAKE:
		((struct xpmem_cmd_make *)arg)->segid = FAKE_SEGID;
		break;
	case XPMEM_CMD_GET:
		((struct xpmem_cmd_get *)arg)->apid = FAKE_APID;
		break;
	case XPMEM_CMD_ATTACH:
		if (!((struct xpmem_cmd_attach *)arg)->vaddr)
			((struct xpmem_cmd_attach *)arg)->vaddr = FAKE_VADDR;
		break;
	}
	return 0;
}

static char device[64];
static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("FAIL line %d: %s\n", __LINE__, #cond);		\
		failures++;						\
	}								\
} while (0)

static const char *fd_target(int fd)
{
	static char target[PATH_MAX];
	char link[64];
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, target, sizeof(target) - 1);
	if (len < 0)
		return "(closed)";
	target[len] = '\0';
	return target;
}

/* The only descriptor open on the device (-1 if none or several). */
static int device_fd(void)
{
	struct dirent *de;
	DIR *dir = opendir("/proc/self/fd");
	int fd, found = -1, n = 0;

	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd != dirfd(dir) && !strcmp(fd_target(fd), device)) {
			found = fd;
			n++;
		}
	}
	if (dir)
		closedir(dir);
	return n == 1 ? found : -1;
}

static void test_make(void)
{
	char buf[8192];
	void *addr = (void *)(((uintptr_t)buf + 4095) & ~(uintptr_t)4095);
	xpmem_segid_t segid;

	segid = xpmem_make(addr, 4096, XPMEM_PERMIT_MODE, (void *)0640);
	CHECK(segid == FAKE_SEGID);
	CHECK(ncalls == 1 && calls[0].cmd == XPMEM_CMD_MAKE);
	CHECK(calls[0].fd == device_fd());
	CHECK(calls[0].u.make.vaddr == (uintptr_t)addr);
	CHECK(calls[0].u.make.size == 4096);
	CHECK(calls[0].u.make.permit_type == XPMEM_PERMIT_MODE);
	CHECK(calls[0].u.make.permit_value == 0640);

	segid = xpmem_make(NULL, XPMEM_MAXADDR_SIZE, XPMEM_PERMIT_MODE,
			   (void *)0666);
	CHECK(segid == FAKE_SEGID);
	CHECK(ncalls == 2 && calls[1].u.make.vaddr == 0);
	CHECK(calls[1].u.make.size == (__u64)-1);
	CHECK(calls[1].u.make.permit_value == 0666);

	fail_errno = EINVAL;
	errno = 0;
	segid = xpmem_make(NULL, 4096, XPMEM_PERMIT_MODE, (void *)01000);
	CHECK(segid == -1 && errno == EINVAL);
}

static void test_get(void)
{
	void *values[3] = { NULL, (void *)0600, (void *)0666 };
	xpmem_apid_t apid;
	int i;

	for (i = 0; i < 3; i++) {
		apid = xpmem_get(FAKE_SEGID, i == 1 ? XPMEM_RDONLY : XPMEM_RDWR,
				 XPMEM_PERMIT_MODE, values[i]);
		CHECK(apid == FAKE_APID);
		CHECK(ncalls == i + 1 && calls[i].cmd == XPMEM_CMD_GET);
		CHECK(calls[i].u.get.segid == FAKE_SEGID);
		CHECK(calls[i].u.get.flags ==
		      (i == 1 ? XPMEM_RDONLY : XPMEM_RDWR));
		CHECK(calls[i].u.get.permit_type == XPMEM_PERMIT_MODE);
		CHECK(calls[i].u.get.permit_value == 0);
	}
	fail_errno = EACCES;
	errno = 0;
	apid = xpmem_get(FAKE_SEGID, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL);
	CHECK(apid == -1 && errno == EACCES);
}

static void test_attach(void)
{
	struct xpmem_addr addr;
	void *p;

	addr.apid = FAKE_APID;
	addr.offset = 3 * 4096;
	p = xpmem_attach(addr, 8 << 20, NULL);
	CHECK(p == (void *)(uintptr_t)FAKE_VADDR);
	CHECK(ncalls == 1 && calls[0].cmd == XPMEM_CMD_ATTACH);
	CHECK(calls[0].u.attach.apid == FAKE_APID);
	CHECK(calls[0].u.attach.offset == 3 * 4096);
	CHECK(calls[0].u.attach.size == 8 << 20);
	CHECK(calls[0].u.attach.vaddr == 0);
	CHECK(calls[0].fd >= 0 && calls[0].fd == device_fd());
	CHECK(calls[0].u.attach.fd == calls[0].fd);
	CHECK(calls[0].u.attach.flags == 0);

	p = xpmem_attach(addr, 4096, (void *)0x7e0000000000ULL);
	CHECK(p == (void *)0x7e0000000000ULL);
	CHECK(ncalls == 2 && calls[1].u.attach.vaddr == 0x7e0000000000ULL);

	fail_errno = ENOMEM;
	errno = 0;
	p = xpmem_attach(addr, 4096, NULL);
	CHECK(p == (void *)-1 && errno == ENOMEM);
}

static void test_simple(void)
{
	CHECK(xpmem_version() == FAKE_VERSION);
	CHECK(ncalls == 1 && calls[0].cmd == XPMEM_CMD_VERSION);
	CHECK(xpmem_remove(FAKE_SEGID) == 0);
	CHECK(ncalls == 2 && calls[1].cmd == XPMEM_CMD_REMOVE &&
	      calls[1].u.remove.segid == FAKE_SEGID);
	CHECK(xpmem_release(FAKE_APID) == 0);
	CHECK(ncalls == 3 && calls[2].cmd == XPMEM_CMD_RELEASE &&
	      calls[2].u.release.apid == FAKE_APID);
	CHECK(xpmem_detach((void *)(uintptr_t)FAKE_VADDR) == 0);
	CHECK(ncalls == 4 && calls[3].cmd == XPMEM_CMD_DETACH &&
	      calls[3].u.detach.vaddr == FAKE_VADDR);
	CHECK(xpmem_ioctl((int)XPMEM_CMD_FORK_BEGIN, NULL) == 0);
	CHECK(ncalls == 5 && calls[4].cmd == XPMEM_CMD_FORK_BEGIN);

	fail_errno = ENOTTY;
	errno = 0;
	CHECK(xpmem_version() == -1 && errno == ENOTTY);
	errno = 0;
	CHECK(xpmem_remove(1) == -1 && errno == ENOTTY);
	errno = 0;
	CHECK(xpmem_release(1) == -1 && errno == ENOTTY);
	errno = 0;
	CHECK(xpmem_detach((void *)4096) == -1 && errno == ENOTTY);
}

/* In a child: MAKE or GET on the inherited descriptor says NOPROC. */
static void noproc_child(int use_get, int parent_fd)
{
	int cmd = use_get ? XPMEM_CMD_GET : XPMEM_CMD_MAKE;
	struct xpmem_addr addr;
	int new_fd;
	long ret;

	noproc_fd = parent_fd;
	if (use_get)
		ret = xpmem_get(FAKE_SEGID, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL);
	else
		ret = xpmem_make(NULL, XPMEM_MAXADDR_SIZE, XPMEM_PERMIT_MODE,
				 (void *)0600);
	CHECK(ret == (use_get ? FAKE_APID : FAKE_SEGID));
	CHECK(ncalls == 2);
	CHECK(calls[0].cmd == (unsigned long)cmd && calls[0].fd == parent_fd);
	CHECK(calls[1].cmd == (unsigned long)cmd && calls[1].fd != parent_fd);
	new_fd = calls[1].fd;
	/* The retry carried the same request. */
	if (use_get)
		CHECK(!memcmp(&calls[0].u.get, &calls[1].u.get,
			      offsetof(struct xpmem_cmd_get, apid)));
	else
		CHECK(!memcmp(&calls[0].u.make, &calls[1].u.make,
			      offsetof(struct xpmem_cmd_make, segid)));
	/* The new descriptor is the only one on the device: the inherited
	 * one was closed (its number now holds /dev/null). */
	printf("child: inherited fd %d -> %s, ", parent_fd,
	       fd_target(parent_fd));
	printf("new fd %d -> %s\n", new_fd, fd_target(new_fd));
	CHECK(device_fd() == new_fd);
	CHECK(strcmp(fd_target(parent_fd), device) != 0);
	CHECK(fcntl(new_fd, F_GETFD) & FD_CLOEXEC);
	CHECK((fcntl(new_fd, F_GETFL) & O_ACCMODE) == O_RDWR);

	/* Later calls use the new descriptor, without another reopen. */
	addr.apid = FAKE_APID;
	addr.offset = 0;
	CHECK(xpmem_attach(addr, 4096, NULL) == (void *)(uintptr_t)FAKE_VADDR);
	CHECK(ncalls == 3 && calls[2].fd == new_fd &&
	      calls[2].u.attach.fd == new_fd);
	CHECK(xpmem_make(NULL, 4096, XPMEM_PERMIT_MODE, (void *)0600) ==
	      FAKE_SEGID);
	CHECK(ncalls == 4 && calls[3].fd == new_fd);
}

static void noproc_attach_child(int parent_fd)
{
	struct xpmem_addr addr;

	noproc_fd = parent_fd;
	addr.apid = FAKE_APID;
	addr.offset = 0;
	errno = 0;
	CHECK(xpmem_attach(addr, 4096, NULL) == (void *)-1);
	CHECK(errno == XPMEM_ERRNO_NOPROC);
	CHECK(ncalls == 1 && calls[0].fd == parent_fd);
	CHECK(device_fd() == parent_fd);
}

static void test_noproc(const char *mode)
{
	int parent_fd, status;
	pid_t pid;

	if (xpmem_init() != 0 || (parent_fd = device_fd()) < 0) {
		printf("FAIL: xpmem_init did not open %s\n", device);
		failures++;
		return;
	}

	if (!strcmp(mode, "noproc-opener")) {
		noproc_fd = parent_fd;
		errno = 0;
		CHECK(xpmem_make(NULL, 4096, XPMEM_PERMIT_MODE,
				 (void *)0600) == -1);
		CHECK(errno == XPMEM_ERRNO_NOPROC);
		CHECK(xpmem_get(FAKE_SEGID, XPMEM_RDWR, XPMEM_PERMIT_MODE,
				NULL) == -1);
		CHECK(errno == XPMEM_ERRNO_NOPROC);
		CHECK(ncalls == 2 && calls[0].fd == parent_fd &&
		      calls[1].fd == parent_fd);
		CHECK(device_fd() == parent_fd);
		return;
	}

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (!strcmp(mode, "noproc-attach"))
			noproc_attach_child(parent_fd);
		else
			noproc_child(!strcmp(mode, "noproc-get"), parent_fd);
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* The parent still uses its own descriptor. */
	CHECK(device_fd() == parent_fd);
	CHECK(xpmem_make(NULL, 4096, XPMEM_PERMIT_MODE, (void *)0600) ==
	      FAKE_SEGID);
	CHECK(ncalls == 1 && calls[0].fd == parent_fd);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int fd;

	strcpy(device, "/tmp/xpmem-host-fake-XXXXXX");
	fd = mkstemp(device);
	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	setenv("XPMEM_DEVICE", device, 1);

	if (!strcmp(mode, "make"))
		test_make();
	else if (!strcmp(mode, "get"))
		test_get();
	else if (!strcmp(mode, "attach"))
		test_attach();
	else if (!strcmp(mode, "simple"))
		test_simple();
	else if (!strncmp(mode, "noproc-", 7))
		test_noproc(mode);
	else {
		printf("unknown mode '%s'\n", mode);
		failures++;
	}
	unlink(device);
	printf("%s %s\n", failures ? "FAIL" : "PASS", mode);
	return failures ? 1 : 0;
}
