// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The library's device descriptor, with XPMEM_DEVICE pointing at a
 * regular file (its ioctls fail with ENOTTY, but open() behaves like the
 * device's). One behaviour per mode:
 *
 *   cloexec  the descriptor is opened O_RDWR with FD_CLOEXEC, and is gone
 *            in a program exec'd afterwards.
 *   single   nothing is opened before the first call; 8 threads calling
 *            xpmem_init()/xpmem_version() at once, and many calls after,
 *            leave exactly one descriptor.
 */
#define _GNU_SOURCE
#include <xpmem.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char device[64];

/* Descriptors of this process open on `path`; the last one in *last. */
static int count_fds(const char *path, int *last)
{
	char link[PATH_MAX], target[PATH_MAX];
	struct dirent *de;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;
	ssize_t len;

	if (!dir) {
		perror("/proc/self/fd");
		exit(1);
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (!strcmp(target, path)) {
			n++;
			if (last)
				*last = atoi(de->d_name);
		}
	}
	closedir(dir);
	return n;
}

static void make_device(void)
{
	int fd;

	strcpy(device, "/tmp/xpmem-host-dev-XXXXXX");
	fd = mkstemp(device);
	if (fd < 0) {
		perror("mkstemp");
		exit(1);
	}
	close(fd);
	setenv("XPMEM_DEVICE", device, 1);
}

static int test_cloexec(const char *self)
{
	int fd = -1, flags, fl, status;
	char arg[16];
	pid_t pid;

	if (xpmem_init() != 0) {
		printf("FAIL xpmem_init: %s\n", strerror(errno));
		return 1;
	}
	if (count_fds(device, &fd) != 1) {
		printf("FAIL: %d descriptors on %s, want 1\n",
		       count_fds(device, NULL), device);
		return 1;
	}
	flags = fcntl(fd, F_GETFD);
	fl = fcntl(fd, F_GETFL);
	printf("descriptor %d: FD_CLOEXEC %s, access mode %s\n", fd,
	       flags & FD_CLOEXEC ? "set" : "clear",
	       (fl & O_ACCMODE) == O_RDWR ? "O_RDWR" : "not O_RDWR");
	if (!(flags & FD_CLOEXEC) || (fl & O_ACCMODE) != O_RDWR)
		return 1;

	/* An exec'd program must not see it. */
	snprintf(arg, sizeof(arg), "%d", fd);
	pid = fork();
	if (pid == 0) {
		execl(self, self, "exec-child", arg, device, (char *)NULL);
		_exit(3);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		perror("fork/waitpid");
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("FAIL: the exec'd child still had the descriptor\n");
		return 1;
	}
	return 0;
}

static int exec_child(const char *fdstr, const char *path)
{
	char link[64], target[PATH_MAX];
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/self/fd/%s", fdstr);
	len = readlink(link, target, sizeof(target) - 1);
	if (len >= 0) {
		target[len] = '\0';
		if (!strcmp(target, path)) {
			printf("child: descriptor %s still open on %s\n",
			       fdstr, path);
			return 1;
		}
	}
	printf("child: descriptor %s closed across exec\n", fdstr);
	return 0;
}

static pthread_barrier_t barrier;

static void *racer(void *arg)
{
	int i;

	pthread_barrier_wait(&barrier);
	if ((long)arg & 1)
		xpmem_init();
	else
		xpmem_version();
	for (i = 0; i < 100; i++)
		xpmem_version();
	return NULL;
}

static int test_single(void)
{
	pthread_t threads[8];
	int i, n;

	n = count_fds(device, NULL);
	if (n != 0) {
		printf("FAIL: %d descriptors before the first call\n", n);
		return 1;
	}
	pthread_barrier_init(&barrier, NULL, 8);
	for (i = 0; i < 8; i++)
		pthread_create(&threads[i], NULL, racer, (void *)(long)i);
	for (i = 0; i < 8; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < 100; i++)
		xpmem_init();
	n = count_fds(device, NULL);
	printf("%d descriptor(s) on the device after 8 racing threads\n", n);
	return n == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int ret;

	if (!strcmp(mode, "exec-child") && argc == 4)
		return exec_child(argv[2], argv[3]);

	make_device();
	if (!strcmp(mode, "cloexec"))
		ret = test_cloexec("/proc/self/exe");
	else if (!strcmp(mode, "single"))
		ret = test_single();
	else
		ret = 2;
	unlink(device);
	printf("%s %s\n", ret ? "FAIL" : "PASS", mode);
	return ret;
}
