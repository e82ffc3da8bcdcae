// SPDX-License-Identifier: GPL-2.0-only
/*
 * Owner munmap: the attacher, which had the pages mapped, gets SIGBUS on
 * its next access (not the old data). When the owner maps new memory at
 * the same address (MAP_FIXED), the attacher sees the new content - for
 * anonymous memory and for a file mapping.
 */
#include "xt.h"

#include <fcntl.h>

int main(void)
{
	size_t ps = XT_PS, n = 32, len = n * ps;
	struct xt_chan ch;
	int fd;
	pid_t pid;
	uint64_t v;
	size_t i;

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_anon(len);
		fd = xt_chan_end(&ch, 1);
		xt_fill(buf, len, 60, 0);
		xt_send_u64(fd, xt_make(buf, len, 0600));
		xt_expect_u64(fd, 1);
		XT_OK(munmap(buf + 8 * ps, 8 * ps));
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		char *m = mmap(buf + 8 * ps, 8 * ps, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		XT_ASSERT(m == buf + 8 * ps);
		xt_fill(m, 8 * ps, 61, 8 * ps);
		xt_send_u64(fd, 4);
		xt_expect_u64(fd, 5);
		/* replace the first half by a file mapping, over live pages */
		int f = open("/tmp", O_TMPFILE | O_RDWR, 0600);
		XT_ASSERT(f >= 0);
		XT_OK(ftruncate(f, 16 * ps));
		char *fm = mmap(buf, 16 * ps, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_FIXED, f, 0);
		XT_ASSERT(fm == buf);
		xt_fill(fm, 16 * ps, 62, 0);
		xt_send_u64(fd, 6);
		xt_expect_u64(fd, 7);
		/* the attacher's writes went to the file */
		char tmp[64];
		XT_ASSERT_EQ(pread(f, tmp, 8, 3 * ps), 8);
		XT_ASSERT_EQ(*(uint64_t *)tmp, 0x6363);
		/* unmap everything */
		XT_OK(munmap(buf, len));
		xt_send_u64(fd, 8);
		xt_expect_u64(fd, 9);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	char *p = xt_attach(a, 0, len, NULL);

	XT_ASSERT_PATTERN(p, len, 60, 0);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);
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
	xt_send_u64(fd, 3);
	xt_expect_u64(fd, 4);
	XT_ASSERT_PATTERN(p, 8 * ps, 60, 0);
	XT_ASSERT_PATTERN(p + 8 * ps, 8 * ps, 61, 8 * ps);
	XT_ASSERT_PATTERN(p + 16 * ps, 16 * ps, 60, 16 * ps);
	xt_send_u64(fd, 5);
	xt_expect_u64(fd, 6);
	XT_ASSERT_PATTERN(p, 16 * ps, 62, 0);
	XT_ASSERT_PATTERN(p + 16 * ps, 16 * ps, 60, 16 * ps);
	*(volatile uint64_t *)(p + 3 * ps) = 0x6363;
	xt_send_u64(fd, 7);
	xt_expect_u64(fd, 8);
	for (i = 0; i < n; i++)
		XT_EXPECT_SIG(xt_probe_read(p + i * ps, &v), SIGBUS);
	xt_detach(p);
	xt_send_u64(fd, 9);
	xt_wait_ok(pid);
	return 0;
}
