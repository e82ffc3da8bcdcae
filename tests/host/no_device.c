// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libxpmem without a device (XPMEM_DEVICE names a path that does not
 * exist, or /dev/xpmem is absent). One behaviour per mode:
 *
 *   errors        every call returns -1 ((void *)-1 for attach) with errno
 *                 ENODEV when /sys/module/xpmem is absent, ENOENT when it
 *                 is present; xpmem_version() < 0; repeated calls too.
 *   quiet         without XPMEM_DEBUG nothing is written to stderr.
 *   debug         with XPMEM_DEBUG exactly one line is written to stderr,
 *                 naming the device path, however many calls fail.
 *   default-path  with XPMEM_DEVICE unset the library tries /dev/xpmem
 *                 (seen in the debug line); skipped if /dev/xpmem exists.
 */
#define _GNU_SOURCE
#include <xpmem.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;
static int want_errno;

static void expect_fail(const char *what, long ret)
{
	int err = errno;

	if (ret != -1 || err != want_errno) {
		printf("FAIL %s: returned %ld errno %d (%s), want -1 errno %d (%s)\n",
		       what, ret, err, strerror(err), want_errno,
		       strerror(want_errno));
		failures++;
	}
}

static void call_everything(void)
{
	struct xpmem_addr addr;
	int v;

	addr.apid = 0x100000001LL;
	addr.offset = 0;

	errno = 0;
	v = xpmem_version();
	if (v >= 0) {
		printf("FAIL xpmem_version() = %d, want < 0\n", v);
		failures++;
	}
	expect_fail("xpmem_version", v);
	expect_fail("xpmem_init", xpmem_init());
	expect_fail("xpmem_make", (long)xpmem_make(NULL, XPMEM_MAXADDR_SIZE,
						   XPMEM_PERMIT_MODE,
						   (void *)0600));
	expect_fail("xpmem_remove", xpmem_remove(0x100000001LL));
	expect_fail("xpmem_get", (long)xpmem_get(0x100000001LL, XPMEM_RDWR,
						 XPMEM_PERMIT_MODE, NULL));
	expect_fail("xpmem_release", xpmem_release(0x100000001LL));
	errno = 0;
	expect_fail("xpmem_attach",
		    xpmem_attach(addr, 4096, NULL) == (void *)-1 ? -1L : 0L);
	expect_fail("xpmem_detach", xpmem_detach((void *)0x10000));
	expect_fail("xpmem_ioctl", xpmem_ioctl((int)XPMEM_CMD_VERSION, NULL));
}

/* Run call_everything() with stderr captured into a file; return it. */
static char *captured_stderr(void)
{
	static char buf[4096];
	char path[] = "/tmp/xpmem-host-stderr-XXXXXX";
	int fd = mkstemp(path), saved;
	ssize_t n;

	if (fd < 0) {
		perror("mkstemp");
		exit(1);
	}
	unlink(path);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	call_everything();
	call_everything();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "errors";
	const char *device = getenv("XPMEM_DEVICE");
	struct stat st;
	char *err;

	want_errno = stat("/sys/module/xpmem", &st) == 0 ? ENOENT : ENODEV;

	if (!strcmp(mode, "default-path")) {
		if (stat("/dev/xpmem", &st) == 0) {
			printf("SKIP: /dev/xpmem exists on this machine\n");
			return 77;
		}
		unsetenv("XPMEM_DEVICE");
		device = "/dev/xpmem";
		setenv("XPMEM_DEBUG", "1", 1);
	} else if (!device || stat(device, &st) == 0) {
		printf("FAIL: set XPMEM_DEVICE to a path that does not exist\n");
		return 1;
	}

	if (!strcmp(mode, "errors")) {
		call_everything();
		call_everything();
	} else if (!strcmp(mode, "quiet")) {
		unsetenv("XPMEM_DEBUG");
		err = captured_stderr();
		if (*err) {
			printf("FAIL: stderr without XPMEM_DEBUG: %s", err);
			failures++;
		}
	} else if (!strcmp(mode, "debug") || !strcmp(mode, "default-path")) {
		setenv("XPMEM_DEBUG", "1", 1);
		err = captured_stderr();
		printf("stderr: %s", err);
		if (count_lines(err) != 1) {
			printf("FAIL: %d lines on stderr, want 1\n",
			       count_lines(err));
			failures++;
		}
		if (!strstr(err, device)) {
			printf("FAIL: the line does not name %s\n", device);
			failures++;
		}
		if (!strstr(err, want_errno == ENODEV ? "not loaded" :
			    "node is missing")) {
			printf("FAIL: the line does not say what is missing\n");
			failures++;
		}
	} else {
		printf("unknown mode %s\n", mode);
		return 2;
	}
	if (failures)
		return 1;
	printf("PASS %s (errno %s)\n", mode, strerror(want_errno));
	return 0;
}
