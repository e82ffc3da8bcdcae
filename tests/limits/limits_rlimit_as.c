// SPDX-License-Identifier: GPL-2.0-only
/*
 * With RLIMIT_AS nearly reached, attaching a window larger than what is
 * left fails cleanly with ENOMEM while a small one still fits; nothing
 * is left behind by the failures (the module's counters come back once
 * the attacher and the owner are gone) and the process keeps working.
 */
#include "lim.h"

#include <sys/resource.h>

#define BIG (256UL * XT_MiB)

static long vm_size_kib(void)
{
	return xt_proc_field("/proc/self/status", "VmSize");
}

static int attacher(void *arg)
{
	xpmem_segid_t s = *(xpmem_segid_t *)arg;
	size_t ps = XT_PS;
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);
	struct xpmem_addr xa = { a, 0 };
	struct rlimit rl;
	long kib = vm_size_kib();
	int i;

	XT_ASSERT_GT(kib, 0);
	/* 8 MiB of address space left */
	rl.rlim_cur = rl.rlim_max = (rlim_t)kib * 1024 + 8 * XT_MiB;
	XT_OK(setrlimit(RLIMIT_AS, &rl));
	xt_info("RLIMIT_AS %llu (VmSize %ld KiB)",
		(unsigned long long)rl.rlim_cur, kib);

	for (i = 0; i < 20; i++) {
		xa.offset = 0;
		XT_ERR(xpmem_attach(xa, BIG, NULL), ENOMEM);
		xa.offset = (off_t)(i * ps);
		XT_ERR(xpmem_attach(xa, 16 * XT_MiB, NULL), ENOMEM);
	}
	/* a small window fits and has the data */
	xa.offset = 4 * ps;
	char *p = xpmem_attach(xa, 1 * XT_MiB, NULL);
	XT_ASSERT(p != XT_XPMEM_FAILED);
	XT_ASSERT_PATTERN(p, XT_MiB, 31, 4 * ps);
	/* and the next big one still fails */
	xa.offset = 0;
	XT_ERR(xpmem_attach(xa, 8 * XT_MiB, NULL), ENOMEM);
	xt_detach(p);
	/* room again after the detach */
	p = xpmem_attach(xa, 4 * XT_MiB, NULL);
	XT_ASSERT(p != XT_XPMEM_FAILED);
	XT_ASSERT_PATTERN(p, 4 * XT_MiB, 31, 0);
	xt_detach(p);
	xt_release(a);
	return 0;
}

int main(void)
{
	struct xt_stats base;

	/* this process's own context (libxpmem's) is part of the base */
	XT_OK(xpmem_init());
	base = xt_stats();
	/* a big segment, only its first 4 MiB touched */
	char *mem = mmap(NULL, BIG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	XT_ASSERT(mem != MAP_FAILED);
	xt_fill(mem, 4 * XT_MiB, 31, 0);
	xpmem_segid_t s = xt_make(mem, BIG, 0600);

	xt_run(attacher, &s);
	xt_remove(s);
	lim_expect_stats(&base, "after the attacher exited and the segment "
			 "was removed");
	return 0;
}
