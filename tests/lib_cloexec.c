// SPDX-License-Identifier: GPL-2.0-only
/*
 * The library's device descriptor is close-on-exec: after xpmem_init()
 * and a make, /proc/self/fd has one descriptor of /dev/xpmem with
 * FD_CLOEXEC set; the program then re-executes itself and the new image
 * must find no /dev/xpmem descriptor.
 */
#include "xt.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>

static int count_xpmem_fds(int *last)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[PATH_MAX], link[PATH_MAX];
	int n = 0;

	XT_ASSERT(d != NULL);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t l = readlink(path, link, sizeof(link) - 1);
		if (l <= 0)
			continue;
		link[l] = 0;
		if (strcmp(link, "/dev/xpmem") == 0) {
			n++;
			if (last)
				*last = atoi(e->d_name);
		}
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	int fdn = -1;

	if (argc > 1 && strcmp(argv[1], "--after-exec") == 0) {
		int n = count_xpmem_fds(NULL);
		if (n)
			XT_FAIL("%d /dev/xpmem descriptor(s) survived exec", n);
		xt_info("no /dev/xpmem descriptor after exec");
		return 0;
	}
	XT_ASSERT_EQ(count_xpmem_fds(NULL), 0);
	XT_ASSERT_EQ(xpmem_init(), 0);
	char *b = xt_map_anon(XT_PS);
	xt_make(b, XT_PS, 0600);
	XT_ASSERT_EQ(count_xpmem_fds(&fdn), 1);
	int fl = fcntl(fdn, F_GETFD);
	XT_ASSERT(fl >= 0);
	XT_ASSERT_MSG(fl & FD_CLOEXEC, "fd %d of /dev/xpmem lacks FD_CLOEXEC", fdn);
	execl("/proc/self/exe", argv[0], "--after-exec", (char *)NULL);
	XT_FAIL("exec: %s", strerror(errno));
}
