// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libxpmem: thin wrappers around the /dev/xpmem ioctls.
 *
 * The process has one descriptor for the device, opened on first use with
 * O_CLOEXEC. The fast path is one atomic load; opening (and reopening after
 * fork) is serialised by a mutex that fork handlers keep consistent.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <xpmem.h>

#define XPMEM_EXPORT __attribute__((visibility("default")))

#define XPMEM_DEFAULT_DEVICE "/dev/xpmem"
#define XPMEM_SYSFS_MODULE "/sys/module/xpmem"

/* The device descriptor, -1 until opened; read with __atomic_load_n. */
static int xpmem_fd = -1;
/* The process that opened xpmem_fd (a forked child inherits the value). */
static pid_t xpmem_fd_owner;
/* Serialises opening and reopening; never taken on the fast path. */
static pthread_mutex_t xpmem_lock = PTHREAD_MUTEX_INITIALIZER;
/* The "cannot open" diagnostic has been printed (XPMEM_DEBUG only). */
static int xpmem_reported;

static void xpmem_fork_prepare(void)
{
	pthread_mutex_lock(&xpmem_lock);
}

static void xpmem_fork_release(void)
{
	pthread_mutex_unlock(&xpmem_lock);
}

/*
 * A fork while another thread opens the device must not leave the child
 * with a locked mutex.
 */
__attribute__((constructor)) static void xpmem_setup(void)
{
	pthread_atfork(xpmem_fork_prepare, xpmem_fork_release,
		       xpmem_fork_release);
}

static const char *xpmem_getenv(const char *name)
{
#ifdef HAVE_SECURE_GETENV
	return secure_getenv(name);
#else
	return getenv(name);
#endif
}

static const char *xpmem_device_path(void)
{
	const char *path = xpmem_getenv("XPMEM_DEVICE");

	return path && *path ? path : XPMEM_DEFAULT_DEVICE;
}

/* Say once, and only if asked to, why the device could not be opened. */
static void xpmem_diagnose(const char *path, int err, int module_loaded)
{
	char buf[128];
	const char *msg;

	if (!getenv("XPMEM_DEBUG") ||
	    __atomic_exchange_n(&xpmem_reported, 1, __ATOMIC_RELAXED))
		return;
	if (!module_loaded) {
		fprintf(stderr, "libxpmem: cannot open %s: the xpmem kernel "
			"module is not loaded (load it with 'modprobe xpmem')\n",
			path);
	} else if (err == ENOENT) {
		fprintf(stderr, "libxpmem: cannot open %s: the xpmem module "
			"is loaded but the device node is missing (check the "
			"udev rule, or run 'udevadm trigger')\n", path);
	} else if (err == EACCES || err == EPERM) {
		fprintf(stderr, "libxpmem: cannot open %s: permission denied "
			"(the udev rule should make it mode 0666)\n", path);
	} else {
		msg = strerror_r(err, buf, sizeof(buf));
		fprintf(stderr, "libxpmem: cannot open %s: %s\n", path, msg);
	}
}

/*
 * Open the device. Without a device node: ENOENT if the module is loaded
 * (the node is missing), ENODEV if it is not.
 */
static int xpmem_open_device(void)
{
	const char *path = xpmem_device_path();
	struct stat st;
	int module_loaded;
	int fd, err;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	err = errno;
	module_loaded = stat(XPMEM_SYSFS_MODULE, &st) == 0;
	if ((err == ENOENT || err == ENXIO || err == ENODEV) && !module_loaded)
		err = ENODEV;
	xpmem_diagnose(path, err, module_loaded);
	errno = err;
	return -1;
}

/* With xpmem_lock held: the descriptor, opening it if needed. */
static int xpmem_open_locked(void)
{
	int fd = __atomic_load_n(&xpmem_fd, __ATOMIC_RELAXED);

	if (fd >= 0)
		return fd;
	fd = xpmem_open_device();
	if (fd >= 0) {
		xpmem_fd_owner = getpid();
		__atomic_store_n(&xpmem_fd, fd, __ATOMIC_RELEASE);
	}
	return fd;
}

/* The descriptor, opened on first use; -1 with errno if it cannot be. */
static int xpmem_get_fd(void)
{
	int fd = __atomic_load_n(&xpmem_fd, __ATOMIC_ACQUIRE);
	int err;

	if (fd >= 0)
		return fd;

	pthread_mutex_lock(&xpmem_lock);
	fd = xpmem_open_locked();
	err = errno;
	pthread_mutex_unlock(&xpmem_lock);
	errno = err;
	return fd;
}

/*
 * MAKE or GET failed with XPMEM_ERRNO_NOPROC on descriptor `stale`: it was
 * inherited through fork, not opened by this process. Give this process
 * its own descriptor and return it (or -1 with errno).
 *
 * The inherited descriptor is closed *before* the device is opened again:
 * some modules tear down the state of the calling process whenever one of
 * its descriptors for the device is closed. Its number is not freed but
 * pointed at /dev/null (a close-on-exec placeholder, kept), so that another
 * thread still using that number can never reach an unrelated file that
 * would reuse it.
 */
static int xpmem_reopen(int stale)
{
	int fd, err, null_fd;

	pthread_mutex_lock(&xpmem_lock);
	fd = __atomic_load_n(&xpmem_fd, __ATOMIC_RELAXED);
	if (fd != stale) {
		/* Another thread has reopened already, or failed to. */
		fd = xpmem_open_locked();
		goto out;
	}
	if (xpmem_fd_owner == getpid()) {
		/* This process opened it: reopening would not help. */
		errno = XPMEM_ERRNO_NOPROC;
		fd = -1;
		goto out;
	}

	__atomic_store_n(&xpmem_fd, -1, __ATOMIC_RELEASE);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0 || dup3(null_fd, stale, O_CLOEXEC) < 0)
		close(stale);
	if (null_fd >= 0)
		close(null_fd);
	fd = xpmem_open_locked();
out:
	err = errno;
	pthread_mutex_unlock(&xpmem_lock);
	errno = err;
	return fd;
}

static int xpmem_ioctl_fd(int fd, int cmd, void *arg)
{
	return ioctl(fd, (unsigned long)(unsigned int)cmd, arg);
}

/*
 * One command on descriptor `fd`; MAKE and GET are retried once on a
 * descriptor of this process's own after XPMEM_ERRNO_NOPROC.
 */
static int xpmem_cmd(int fd, int cmd, void *arg)
{
	int ret = xpmem_ioctl_fd(fd, cmd, arg);

	if (ret == -1 && errno == XPMEM_ERRNO_NOPROC &&
	    (cmd == (int)XPMEM_CMD_MAKE || cmd == (int)XPMEM_CMD_GET)) {
		fd = xpmem_reopen(fd);
		if (fd < 0)
			return -1;
		ret = xpmem_ioctl_fd(fd, cmd, arg);
	}
	return ret;
}

XPMEM_EXPORT int xpmem_init(void)
{
	return xpmem_get_fd() < 0 ? -1 : 0;
}

XPMEM_EXPORT int xpmem_ioctl(int cmd, void *arg)
{
	int fd = xpmem_get_fd();

	if (fd < 0)
		return -1;
	return xpmem_cmd(fd, cmd, arg);
}

XPMEM_EXPORT int xpmem_version(void)
{
	return xpmem_ioctl((int)XPMEM_CMD_VERSION, NULL);
}

XPMEM_EXPORT xpmem_segid_t xpmem_make(void *vaddr, size_t size,
				      int permit_type, void *permit_value)
{
	struct xpmem_cmd_make make;

	memset(&make, 0, sizeof(make));
	make.vaddr = (__u64)(uintptr_t)vaddr;
	make.size = (__u64)size;
	make.permit_type = permit_type;
	make.permit_value = (__u64)(uintptr_t)permit_value;
	if (xpmem_ioctl((int)XPMEM_CMD_MAKE, &make) == -1)
		return -1;
	return make.segid;
}

XPMEM_EXPORT int xpmem_remove(xpmem_segid_t segid)
{
	struct xpmem_cmd_remove remove;

	memset(&remove, 0, sizeof(remove));
	remove.segid = segid;
	return xpmem_ioctl((int)XPMEM_CMD_REMOVE, &remove) == -1 ? -1 : 0;
}

/*
 * The permit value is not sent: the known modules reject a non-zero one in
 * GET, and callers pass NULL, (void *)0600 or (void *)0666 alike.
 */
XPMEM_EXPORT xpmem_apid_t xpmem_get(xpmem_segid_t segid, int flags,
				    int permit_type, void *permit_value)
{
	struct xpmem_cmd_get get;

	(void)permit_value;
	memset(&get, 0, sizeof(get));
	get.segid = segid;
	get.flags = flags;
	get.permit_type = permit_type;
	get.permit_value = 0;
	if (xpmem_ioctl((int)XPMEM_CMD_GET, &get) == -1)
		return -1;
	return get.apid;
}

XPMEM_EXPORT int xpmem_release(xpmem_apid_t apid)
{
	struct xpmem_cmd_release release;

	memset(&release, 0, sizeof(release));
	release.apid = apid;
	return xpmem_ioctl((int)XPMEM_CMD_RELEASE, &release) == -1 ? -1 : 0;
}

XPMEM_EXPORT void *xpmem_attach(struct xpmem_addr addr, size_t size,
				void *vaddr)
{
	struct xpmem_cmd_attach attach;
	int fd = xpmem_get_fd();

	if (fd < 0)
		return (void *)-1;
	memset(&attach, 0, sizeof(attach));
	attach.apid = addr.apid;
	attach.offset = (__s64)addr.offset;
	attach.size = (__u64)size;
	attach.vaddr = (__u64)(uintptr_t)vaddr;
	attach.fd = fd;
	attach.flags = 0;
	if (xpmem_cmd(fd, (int)XPMEM_CMD_ATTACH, &attach) == -1)
		return (void *)-1;
	return (void *)(uintptr_t)attach.vaddr;
}

XPMEM_EXPORT int xpmem_detach(void *vaddr)
{
	struct xpmem_cmd_detach detach;

	memset(&detach, 0, sizeof(detach));
	detach.vaddr = (__u64)(uintptr_t)vaddr;
	return xpmem_ioctl((int)XPMEM_CMD_DETACH, &detach) == -1 ? -1 : 0;
}
