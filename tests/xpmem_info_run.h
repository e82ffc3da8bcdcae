/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xpmem_info_run.h - run xpmem-info (tools/xpmem-info.c) in the guest and
 * capture what it prints, for the tests xpmem_info_*.c.
 *
 * The test bed stages the program from the build tree (tools/CMakeLists.txt,
 * build/guest/sbin/) and packs it as /usr/sbin/xpmem-info; its absence is a
 * failure of the bed, not a skip.
 */
#ifndef XPMEM_TESTS_XPMEM_INFO_RUN_H
#define XPMEM_TESTS_XPMEM_INFO_RUN_H

#include "xt.h"

#include <fcntl.h>
#include <sys/wait.h>

#define XT_XPMEM_INFO "/usr/sbin/xpmem-info"

/*
 * Run xpmem-info with args (NULL-terminated, without argv[0]); env_device,
 * when not NULL, is put in XPMEM_DEVICE. Its stdout and stderr go to out
 * (NUL-terminated, truncated to size - 1) and to our stdout (the console
 * log). Returns its exit status; fails the test if it did not exit.
 */
static inline int xt_run_xpmem_info(const char *env_device, char *const args[],
				    char *out, size_t size)
{
	char *argv[8] = { XT_XPMEM_INFO };
	size_t len = 0, i;
	int pfd[2], code;
	pid_t pid;

	if (access(XT_XPMEM_INFO, X_OK) != 0)
		XT_FAIL("%s is not in the guest (the bed stages it from "
			"build/guest/sbin)", XT_XPMEM_INFO);
	for (i = 0; args && args[i] && i + 2 < sizeof(argv) / sizeof(argv[0]); i++)
		argv[i + 1] = args[i];
	XT_OK(pipe2(pfd, O_CLOEXEC));
	fflush(NULL);
	pid = XT_OK(fork());
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (env_device)
			setenv("XPMEM_DEVICE", env_device, 1);
		else
			unsetenv("XPMEM_DEVICE");
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char buf[4096];
		ssize_t n = read(pfd[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
		if (len + 1 < size) {
			size_t k = (size_t)n < size - 1 - len ? (size_t)n : size - 1 - len;

			memcpy(out + len, buf, k);
			len += k;
		}
	}
	out[len] = '\0';
	close(pfd[0]);
	fflush(stdout);
	code = xt_wait_exit(pid);
	xt_info("xpmem-info%s%s exited %d", env_device ? " with XPMEM_DEVICE=" : "",
		env_device ? env_device : "", code);
	XT_ASSERT_MSG(code != 127, "could not execute %s", XT_XPMEM_INFO);
	return code;
}

/* The output must contain text. */
#define XT_OUTPUT_HAS(out, text)                                            \
	XT_ASSERT_MSG(strstr((out), (text)) != NULL,                        \
		      "xpmem-info did not print \"%s\"", (text))

#endif
