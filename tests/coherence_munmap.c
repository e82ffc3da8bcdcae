// SPDX-License-Identifier: GPL-2.0-only
/*
 * Owner munmap: the attacher, which had the pages mapped, gets SIGBUS on
 * its next access (not the old data). When the owner maps new memory at
 * the same address (MAP_FIXED), the attacher sees the new content - for
 * anonymous memory and for a file mapping.
 */
#include "xt.h"

#include <fcntl.h>

static void owner(struct xt_owner *o)
{
	size_t ps = XT_PS;
	char *buf = o->buf, tmp[64];
	int f;

	xt_expect_u64(o->fd, 1);
	XT_OK(munmap(buf + 8 * ps, 8 * ps));
	xt_step(o->fd, 2);
	char *m = mmap(buf + 8 * ps, 8 * ps, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	XT_ASSERT(m == buf + 8 * ps);
	xt_fill(m, 8 * ps, 61, 8 * ps);
	xt_step(o->fd, 4);
	/* replace the first half by a file mapping, over live pages */
	f = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	XT_ASSERT(f >= 0);
	XT_OK(ftruncate(f, 16 * ps));
	char *fm = mmap(buf, 16 * ps, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_FIXED, f, 0);
	XT_ASSERT(fm == buf);
	xt_fill(fm, 16 * ps, 62, 0);
	xt_step(o->fd, 6);
	/* the attacher's writes went to the file */
	XT_ASSERT_EQ(pread(f, tmp, 8, 3 * ps), 8);
	XT_ASSERT_EQ(*(uint64_t *)tmp, 0x6363);
	/* unmap everything */
	XT_OK(munmap(buf, o->len));
	xt_step(o->fd, 8);
}

int main(void)
{
	size_t ps = XT_PS, n = 32, len = n * ps;
	struct xt_owner o = { .len = len, .seed = 60, .mode = 0600 };
	uint64_t v;
	size_t i;
	char *p;

	xt_owner_run(&o, owner);
	p = XT_OWNER_ATTACH_READ(&o, XPMEM_RDWR);
	xt_step(o.fd, 1);
	for (i = 0; i < n; i++) {
		int sig = xt_probe_read(p + i * ps, &v);
		if (i >= 8 && i < 16) {
			if (sig != SIGBUS)
				XT_FAIL("unmapped page %zu: expected SIGBUS, got %s "
					"value 0x%llx", i, xt_signame(sig),
					(unsigned long long)v);
		} else {
			XT_ASSERT_EQ(sig, 0);
			XT_ASSERT_EQ(v, xt_pat(60, i * ps));
		}
	}
	xt_step(o.fd, 3);
	XT_ASSERT_PATTERN(p, 8 * ps, 60, 0);
	XT_ASSERT_PATTERN(p + 8 * ps, 8 * ps, 61, 8 * ps);
	XT_ASSERT_PATTERN(p + 16 * ps, 16 * ps, 60, 16 * ps);
	xt_step(o.fd, 5);
	XT_ASSERT_PATTERN(p, 16 * ps, 62, 0);
	XT_ASSERT_PATTERN(p + 16 * ps, 16 * ps, 60, 16 * ps);
	*(volatile uint64_t *)(p + 3 * ps) = 0x6363;
	xt_step(o.fd, 7);
	XT_ASSERT_HOLE(p, len, "after the owner unmapped everything");
	xt_detach(p);
	xt_owner_last_step(&o, 9);
	return 0;
}
