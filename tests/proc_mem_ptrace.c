// SPDX-License-Identifier: GPL-2.0-only
/*
 * Debugger access to attachments: a child holds an RDWR and an RDONLY
 * attachment of the parent's segment. The parent reads the child's
 * attachment addresses through /proc/<child>/mem (pread) - pages the
 * child touched and pages it never touched - and with PTRACE_PEEKDATA,
 * and sees the owner's data. A write through /proc/<child>/mem lands in
 * the owner's memory for the RDWR attachment, and fails for the RDONLY
 * one (no FOLL_FORCE write into the owner).
 */
#include "xt.h"

#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

int main(void)
{
	size_t ps = XT_PS, len = 16 * ps;
	struct xt_chan ch;
	int fd;
	pid_t child;
	char path[64];
	uint64_t v;

	xt_require_root();
	xt_chan_init(&ch);
	child = xt_fork();
	if (child == 0) {
		fd = xt_chan_end(&ch, 1);
		xpmem_segid_t s = xt_recv_u64(fd);
		char *rw = xt_attach(xt_get(s, XPMEM_RDWR), 0, len, NULL);
		char *ro = xt_attach(xt_get(s, XPMEM_RDONLY), 0, len, NULL);
		XT_ASSERT_PATTERN(rw, len / 2, 200, 0);	/* half faulted */
		xt_send_u64(fd, (uintptr_t)rw);
		xt_send_u64(fd, (uintptr_t)ro);
		xt_expect_u64(fd, 1);
		/* the debugger's write to rw is visible here too */
		XT_ASSERT_EQ(*(volatile uint64_t *)(rw + 3 * ps), 0xd00d);
		XT_ASSERT_EQ(*(volatile uint64_t *)(rw + 12 * ps), 0xf00d);
		XT_ASSERT_EQ(*(volatile uint64_t *)(ro + 5 * ps), xt_pat(200, 5 * ps));
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	/* allocated after the fork: not shared copy-on-write with the child */
	char *buf = xt_map_anon(len);
	xt_fill(buf, len, 200, 0);
	xpmem_segid_t s = xt_make(buf, len, 0600);
	xt_send_u64(fd, s);
	uint64_t rw = xt_recv_u64(fd), ro = xt_recv_u64(fd);

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)child);
	int mem = open(path, O_RDWR);
	XT_ASSERT(mem >= 0);
	static uint64_t tmp[16 * 4096 / 8];
	XT_ASSERT(ps == 4096);
	ssize_t n = pread(mem, tmp, len, rw);
	if (n != (ssize_t)len)
		XT_FAIL("pread of /proc/%d/mem at the RDWR attachment: %zd (%s)",
			(int)child, n, n < 0 ? strerror(errno) : "short");
	XT_ASSERT_PATTERN(tmp, len, 200, 0);
	n = pread(mem, tmp, len, ro);
	if (n != (ssize_t)len)
		XT_FAIL("pread of /proc/%d/mem at the RDONLY attachment: %zd (%s)",
			(int)child, n, n < 0 ? strerror(errno) : "short");
	XT_ASSERT_PATTERN(tmp, len, 200, 0);

	/* writes */
	v = 0xd00d;
	n = pwrite(mem, &v, 8, rw + 3 * ps);
	XT_ASSERT_MSG(n == 8, "pwrite to RDWR attachment: %zd (%s)", n,
		      strerror(errno));
	XT_ASSERT_EQ(*(volatile uint64_t *)(buf + 3 * ps), 0xd00d);
	v = 0xbad;
	n = pwrite(mem, &v, 8, ro + 5 * ps);
	XT_ASSERT_MSG(n != 8, "pwrite to RDONLY attachment succeeded");
	xt_info("pwrite to the RDONLY attachment: %zd (%s)", n, strerror(errno));
	XT_ASSERT_EQ(*(volatile uint64_t *)(buf + 5 * ps), xt_pat(200, 5 * ps));

	/* ptrace */
	XT_OK(ptrace(PTRACE_ATTACH, child, NULL, NULL));
	int st;
	XT_ASSERT_EQ(waitpid(child, &st, __WALL), child);
	XT_ASSERT(WIFSTOPPED(st));
	for (size_t off = 0; off < len; off += ps + 8) {
		errno = 0;
		long w = ptrace(PTRACE_PEEKDATA, child, (void *)(uintptr_t)(rw + off),
				NULL);
		XT_ASSERT_MSG(errno == 0, "PEEKDATA at +%zu: %s", off, strerror(errno));
		XT_ASSERT_EQ((uint64_t)w, xt_pat(200, off));
		errno = 0;
		w = ptrace(PTRACE_PEEKDATA, child, (void *)(uintptr_t)(ro + off), NULL);
		XT_ASSERT_MSG(errno == 0, "PEEKDATA ro at +%zu: %s", off,
			      strerror(errno));
		XT_ASSERT_EQ((uint64_t)w, xt_pat(200, off));
	}
	XT_OK(ptrace(PTRACE_POKEDATA, child, (void *)(uintptr_t)(rw + 12 * ps),
		     (void *)0xf00d));
	XT_ASSERT_EQ(*(volatile uint64_t *)(buf + 12 * ps), 0xf00d);
	errno = 0;
	long pr = ptrace(PTRACE_POKEDATA, child, (void *)(uintptr_t)(ro + 5 * ps),
			 (void *)0xbad);
	XT_ASSERT_MSG(pr == -1, "POKEDATA into the RDONLY attachment succeeded");
	XT_ASSERT_EQ(*(volatile uint64_t *)(buf + 5 * ps), xt_pat(200, 5 * ps));
	XT_OK(ptrace(PTRACE_DETACH, child, NULL, NULL));

	xt_send_u64(fd, 1);
	xt_wait_ok(child);
	close(mem);
	xt_remove(s);
	return 0;
}
