// SPDX-License-Identifier: GPL-2.0-only
/*
 * 100,000 attachments in one process (MPICH creates that many over a
 * run): one-page windows of one 64-page segment, each touched and checked
 * (it must show its own page), then all detached. Prints the time of each
 * phase; a driver with a linear lookup per operation does not finish.
 * On the debug kernel (kmemleak present: KASAN, lockdep, ... under TCG
 * cost ~11 ms per attachment) the count is 2,000: what that kernel adds is
 * its checks of each attach, fault and detach, the same for every one of
 * them (10,000 took 113 s of the debug suite on an idle CI machine); the
 * scale is the other kernels' to prove.
 */
#include "xt.h"

#define NMAX 100000
#define SEGPAGES 64

int main(void)
{
	size_t ps = XT_PS, len = SEGPAGES * ps;
	struct xt_chan ch;
	int fd;
	pid_t pid;
	static char *att[NMAX];
	long N = NMAX;
	double t0, t1, t2, t3;
	long i;

	xt_require_root();
	xt_set_timeout(880);
	XT_OK(xt_write_file("/proc/sys/vm/max_map_count", "300000"));
	if (access("/sys/kernel/debug/kmemleak", F_OK) == 0) {
		N = 2000;
		xt_info("debug kernel (kmemleak): %ld attachments instead of %d",
			N, NMAX);
	}

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_anon(len);
		fd = xt_chan_end(&ch, 1);
		xt_fill(buf, len, 160, 0);
		xt_send_u64(fd, xt_make(buf, len, 0600));
		xt_expect_u64(fd, 1);
		for (i = 0; i < SEGPAGES; i++)
			XT_ASSERT_EQ(*(uint64_t *)(buf + i * ps + 8), 0x1000 + i);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);

	t0 = xt_now();
	for (i = 0; i < N; i++) {
		struct xpmem_addr xa = { a, (off_t)((i % SEGPAGES) * ps) };
		att[i] = xpmem_attach(xa, ps, NULL);
		if (att[i] == XT_XPMEM_FAILED)
			XT_FAIL("attachment %ld failed: %s", i, strerror(errno));
		if (i % 20000 == 0 && i)
			xt_info("%ld attachments, %.1f s", i, xt_now() - t0);
	}
	t1 = xt_now();
	xt_info("attach x%ld: %.2f s", N, t1 - t0);
	for (i = 0; i < N; i++) {
		uint64_t v = *(volatile uint64_t *)att[i];
		if (v != xt_pat(160, (i % SEGPAGES) * ps))
			XT_FAIL("attachment %ld reads 0x%llx", i,
				(unsigned long long)v);
	}
	/* writes through the last SEGPAGES attachments (all pages) */
	for (i = N - SEGPAGES; i < N; i++)
		*(volatile uint64_t *)(att[i] + 8) = 0x1000 + (i % SEGPAGES);
	t2 = xt_now();
	xt_info("touch x%ld: %.2f s", N, t2 - t1);
	for (i = N - 1; i >= 0; i--)
		if (xpmem_detach(att[i]) != 0)
			XT_FAIL("detach %ld failed: %s", i, strerror(errno));
	t3 = xt_now();
	xt_info("detach x%ld: %.2f s; total %.2f s", N, t3 - t2, t3 - t0);
	uint64_t v;
	XT_EXPECT_SIG(xt_probe_read(att[N / 2], &v), SIGSEGV);
	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	xt_release(a);
	return 0;
}
