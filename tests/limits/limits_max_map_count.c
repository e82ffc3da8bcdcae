// SPDX-License-Identifier: GPL-2.0-only
/*
 * With vm.max_map_count nearly exhausted, attaching fails cleanly with
 * ENOMEM: the attachments made before keep their data, the failure is
 * stable, detaching makes room again, and once everything is detached,
 * released and the owner is gone the module's object counters are back
 * where they started (no half-made attachment leaked by the failures).
 */
#include "lim.h"

#define SYSCTL "/proc/sys/vm/max_map_count"
#define SEG_PAGES 64
#define HEADROOM 100

static long count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	long n = 0;

	XT_ASSERT(f);
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

static int attacher(void *arg)
{
	xpmem_segid_t s = *(xpmem_segid_t *)arg;
	size_t ps = XT_PS;
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);
	static char *att[100000];
	long n = 0, limit, i;
	char buf[32];

	/* a limit just above what the process uses now */
	limit = count_maps() + HEADROOM;
	snprintf(buf, sizeof(buf), "%ld", limit);
	XT_ASSERT_EQ(xt_write_file(SYSCTL, buf), 0);
	xt_info("vm.max_map_count lowered to %ld", limit);

	for (;;) {
		struct xpmem_addr xa = { a, (off_t)((n % SEG_PAGES) * ps) };
		/* one page per attachment: one VMA each */
		void *p = xpmem_attach(xa, ps, NULL);
		if (p == XT_XPMEM_FAILED) {
			XT_ASSERT_MSG(errno == ENOMEM,
				      "attach %ld failed with errno %d (%s), "
				      "expected ENOMEM", n, errno,
				      strerror(errno));
			break;
		}
		att[n++] = p;
		XT_ASSERT_MSG(n < 2 * HEADROOM + 10,
			      "%ld attachments and no ENOMEM with "
			      "max_map_count %ld", n, limit);
	}
	xt_info("ENOMEM after %ld attachments", n);
	XT_ASSERT_GT(n, HEADROOM / 2);

	/* stable: still ENOMEM, and the process still works */
	for (i = 0; i < 10; i++) {
		struct xpmem_addr xa = { a, 0 };
		XT_ERR(xpmem_attach(xa, ps, NULL), ENOMEM);
	}
	/* every attachment made before has the owner's data */
	for (i = 0; i < n; i++)
		XT_ASSERT_PATTERN(att[i], ps, 21, (i % SEG_PAGES) * ps);

	/* detach some: room again */
	for (i = 0; i < 10; i++)
		xt_detach(att[--n]);
	for (i = 0; i < 5; i++) {
		struct xpmem_addr xa = { a, (off_t)(i * ps) };
		void *p = xpmem_attach(xa, ps, NULL);
		XT_ASSERT(p != XT_XPMEM_FAILED);
		XT_ASSERT_PATTERN(p, ps, 21, i * ps);
		att[n++] = p;
	}
	/* writes through attachments made at the limit reach the owner */
	for (i = 0; i < n; i++)
		((volatile uint64_t *)att[i])[1] = xt_pat(22, i);
	for (i = 0; i < n; i++)
		xt_detach(att[i]);
	xt_release(a);
	return 0;
}

int main(void)
{
	size_t ps = XT_PS, len = SEG_PAGES * ps;
	long old;
	char buf[32];
	struct xt_stats base;

	xt_require_root();
	if (xt_read_long(SYSCTL, &old) != 0)
		xt_skip("no %s", SYSCTL);
	/* this process's own context (libxpmem's) is part of the base */
	XT_OK(xpmem_init());
	base = xt_stats();

	char *mem = xt_map_anon(len);
	xt_fill(mem, len, 21, 0);
	xpmem_segid_t s = xt_make(mem, len, 0600);

	/* the attacher runs in a child; the sysctl is restored whatever happens */
	pid_t pid = xt_spawn(attacher, &s);
	int code = xt_wait_exit(pid);
	snprintf(buf, sizeof(buf), "%ld", old);
	XT_ASSERT_EQ(xt_write_file(SYSCTL, buf), 0);
	if (code != 0)
		XT_FAIL("attacher exited with %d", code);

	/* its last writes landed in the owner's memory */
	size_t i;
	for (i = 0; i < SEG_PAGES; i++) {
		uint64_t w = ((volatile uint64_t *)(mem + i * ps))[1];
		XT_ASSERT_MSG(w == xt_pat(21, i * ps + 8) || (w >> 48) == 22,
			      "page %zu word 1: 0x%llx", i,
			      (unsigned long long)w);
	}
	xt_remove(s);
	lim_expect_stats(&base, "after the attacher exited and the segment "
			 "was removed");
	return 0;
}
