// SPDX-License-Identifier: GPL-2.0-only
/*
 * SIGKILL reaches an owner while an attacher is attaching (and faulting,
 * detaching, getting) its segment in a tight loop. Each round: both
 * processes are reaped within seconds, neither stays in D state, the
 * attacher sees only clean failures (ATTACH/GET errors, SIGBUS on access)
 * once the owner is gone, and at the end the module's counters are back
 * where they started.
 */
#include "lim.h"

#define SEG (64UL * XT_MiB)
#define ROUNDS 15

static int attacher(void *arg)
{
	xpmem_segid_t s = *(xpmem_segid_t *)arg;
	xpmem_apid_t a = xpmem_get(s, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL);
	size_t ps = XT_PS;
	unsigned long n = 0, fails = 0, buses = 0;

	if (a < 0) {
		/* killed before we even got it */
		XT_ASSERT_MSG(errno == ENOENT, "get: errno %d (%s)", errno,
			      strerror(errno));
		xt_info("attacher: the owner was gone before the get");
		return 0;
	}
	for (;;) {
		struct xpmem_addr xa = { a, (off_t)((n * 7919 % 1024) * ps * 16) };
		size_t len = (1 + n % 8) * XT_MiB;
		if ((size_t)xa.offset + len > SEG)
			xa.offset = 0;
		char *p = xpmem_attach(xa, len, NULL);
		if (p == XT_XPMEM_FAILED) {
			/* the owner is gone: the permit or segment is dead */
			XT_ASSERT_MSG(errno == ENOENT || errno == EINVAL,
				      "attach: errno %d (%s)", errno,
				      strerror(errno));
			fails++;
			if (fails > 20)
				break;
			continue;
		}
		for (size_t i = 0; i < len; i += 64 * ps) {
			int sig = xt_probe_write(p + i, n);
			if (sig == SIGBUS) {
				buses++;
				break;
			}
			XT_ASSERT_EQ(sig, 0);
		}
		xt_detach(p);
		n++;
	}
	xt_info("attacher: %lu attachments, %lu failed attaches, %lu SIGBUS",
		n, fails, buses);
	(void)xpmem_release(a);
	return 0;
}

int main(void)
{
	struct xt_stats base = xt_stats();
	unsigned seed = (unsigned)time(NULL);
	int r;

	srand(seed);
	xt_info("random kill delays, seed %u", seed);
	xt_set_timeout(280);
	for (r = 0; r < ROUNDS; r++) {
		struct xt_chan ch;
		int fd;

		xt_chan_init(&ch);
		pid_t owner = xt_fork();
		if (owner == 0) {
			fd = xt_chan_end(&ch, 1);
			char *mem = mmap(NULL, SEG, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS |
					 MAP_NORESERVE, -1, 0);
			XT_ASSERT(mem != MAP_FAILED);
			xt_send_u64(fd, (uint64_t)xt_make(mem, SEG, 0600));
			for (;;)
				pause();
		}
		fd = xt_chan_end(&ch, 0);
		xpmem_segid_t s = (xpmem_segid_t)xt_recv_u64(fd);
		close(fd);
		pid_t att = xt_spawn(attacher, &s);
		usleep(20000 + (rand() % 1000) * 1000);
		XT_OK(kill(owner, SIGKILL));
		int st = lim_reap_within(owner, 10, "the killed owner");
		XT_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		/* the attacher notices and leaves by itself */
		st = lim_reap_within(att, 30, "the attacher");
		XT_ASSERT_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			      "round %d: attacher status 0x%x", r, st);
	}
	lim_expect_stats(&base, "after all rounds");
	return 0;
}
