/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lim.h - small helpers of the limits tests (tests/limits), on top of
 * tests/common/xt.h: the module's object counters and process states.
 */
#ifndef XPMEM_TESTS_LIM_H
#define XPMEM_TESTS_LIM_H

#include "xt.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>

/*
 * The counters must come back to `base` (objects are freed by exits and
 * file releases that may finish a little after waitpid): wait up to 10 s.
 */
static inline void lim_expect_stats(const struct xt_stats *base,
				    const char *when)
{
	struct xt_stats s;
	int i;

	if (!base->ok) {
		xt_info("no %s: the leak check is left to kmemleak",
			XT_STATS_FILE);
		return;
	}
	for (i = 0; i < 100; i++) {
		s = xt_stats();
		if (s.ctx == base->ctx && s.seg == base->seg &&
		    s.permit == base->permit && s.att == base->att)
			break;
		usleep(100000);
	}
	xt_info("%s: contexts %ld/%ld segments %ld/%ld permits %ld/%ld "
		"attachments %ld/%ld (now/start)", when, s.ctx, base->ctx,
		s.seg, base->seg, s.permit, base->permit, s.att, base->att);
	XT_ASSERT_MSG(s.ctx == base->ctx && s.seg == base->seg &&
		      s.permit == base->permit && s.att == base->att,
		      "module objects leaked (%s)", when);
}

/* State letter of /proc/<pid>/stat ('R', 'S', 'D', 'Z'...), or 0. */
static inline char lim_proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* The kernel stack of a task (for diagnostics), printed with xt_info. */
static inline void lim_dump_stack(pid_t pid)
{
	char path[64], buf[2048];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = 0;
		xt_info("kernel stack of %d:\n%s", (int)pid, buf);
	}
}

/*
 * Wait for a child killed (or about to be) to be reaped within `secs`;
 * fail if it is not, reporting how long it was in D state. Returns the
 * wait status.
 */
static inline int lim_reap_within(pid_t pid, double secs, const char *what)
{
	double t0 = xt_now(), dstart = -1, dmax = 0;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		XT_ASSERT(r == 0);
		char s = lim_proc_state(pid);
		if (s == 'D') {
			if (dstart < 0)
				dstart = xt_now();
			if (xt_now() - dstart > dmax)
				dmax = xt_now() - dstart;
		} else {
			dstart = -1;
		}
		if (xt_now() - t0 > secs) {
			xt_info("%s (pid %d) not reaped after %.1f s, state %c",
				what, (int)pid, secs, s ? s : '?');
			lim_dump_stack(pid);
			XT_FAIL("%s was not reaped within %.0f s (D state for "
				"%.1f s)", what, secs, dmax);
		}
		usleep(10000);
	}
	xt_info("%s reaped after %.2f s (longest D state %.2f s)", what,
		xt_now() - t0, dmax);
	return st;
}

/*
 * The device works: len bytes of the process's own memory, filled with
 * pattern seed, are made a segment, got, attached and read back through
 * the attachment; then detached, released and removed.
 */
static inline void lim_check_device_works(size_t len, uint64_t seed)
{
	char *mem = xt_map_anon(len);
	xpmem_segid_t s;
	xpmem_apid_t a;
	char *p;

	xt_fill(mem, len, seed, 0);
	s = xt_make(mem, len, 0600);
	a = xt_get(s, XPMEM_RDWR);
	p = xt_attach(a, 0, len, NULL);
	XT_ASSERT_PATTERN(p, len, seed, 0);
	xt_detach(p);
	xt_release(a);
	xt_remove(s);
}

/* Raw ioctls on a descriptor: 0 or -errno. */
static inline int lim_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) == 0 ? 0 : -errno;
}

#endif /* XPMEM_TESTS_LIM_H */
