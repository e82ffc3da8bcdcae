// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem_attach checks offset and size against the segment, with overflow
 * checks: past the end, straddling the end, size 0, a huge or negative
 * offset and offset+size wrapping around all fail with EINVAL; windows
 * exactly at the edges work.
 */
#include "xt.h"

static size_t ps;
static xpmem_apid_t apid;

static void bad(off_t off, size_t size, int line)
{
	struct xpmem_addr xa = { apid, off };
	void *p;

	errno = 0;
	p = xpmem_attach(xa, size, NULL);
	if (p != XT_XPMEM_FAILED || errno != EINVAL)
		xt_fail_at(__FILE__, line,
			   "attach(offset 0x%llx, size 0x%zx) = %p errno %d, "
			   "expected EINVAL", (unsigned long long)off, size, p,
			   errno);
}
#define BAD(off, size) bad((off_t)(off), (size_t)(size), __LINE__)

int main(void)
{
	size_t n = 4;
	struct xt_chan ch;
	int fd;
	pid_t pid;
	char *p;

	ps = XT_PS;
	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_anon(n * ps);
		fd = xt_chan_end(&ch, 1);
		xt_fill(buf, n * ps, 8, 0);
		xt_send_u64(fd, xt_make(buf, n * ps, 0666));
		xt_send_u64(fd, xpmem_make(0, XPMEM_MAXADDR_SIZE,
					   XPMEM_PERMIT_MODE, (void *)0666));
		xt_expect_u64(fd, 1);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_segid_t s = xt_recv_u64(fd);
	xpmem_segid_t whole = xt_recv_u64(fd);
	XT_ASSERT_GT(whole, 0);
	apid = xt_get(s, XPMEM_RDWR);

	BAD(n * ps, ps);			/* starts at the end */
	BAD((n - 1) * ps, 2 * ps);		/* straddles the end */
	BAD(0, (n + 1) * ps);			/* too big */
	BAD(0, 0);				/* size 0 */
	BAD(ps, 0);
	BAD(1ULL << 62, ps);			/* huge offset */
	BAD(INT64_MAX & ~(ps - 1), ps);
	BAD(-(off_t)ps, ps);			/* negative offset */
	BAD(-(off_t)ps, 2 * ps);		/* negative, wraps into range */
	BAD(ps, -(size_t)ps);			/* offset+size wraps to 0 */
	BAD(ps, SIZE_MAX);
	BAD(2 * ps, -(size_t)ps + 1);
	BAD(n * ps - 8, 16);			/* unaligned, 8 bytes too far */
	BAD(n * ps + 8, 8);

	/* the edges work */
	p = xt_attach(apid, 0, n * ps, NULL);
	XT_ASSERT_PATTERN(p, n * ps, 8, 0);
	xt_detach(p);
	p = xt_attach(apid, (n - 1) * ps, ps, NULL);
	XT_ASSERT_PATTERN(p, ps, 8, (n - 1) * ps);
	xt_detach(p);
	p = xt_attach(apid, n * ps - 8, 8, NULL);
	XT_ASSERT_EQ(((uintptr_t)p) & (ps - 1), ps - 8);
	XT_ASSERT_EQ(*(uint64_t *)p, xt_pat(8, n * ps - 8));
	xt_detach(p);

	/* the whole address space is clipped to the user address limit */
	apid = xt_get(whole, XPMEM_RDWR);
	BAD(1ULL << 62, ps);
	BAD(0xffff800000000000ULL, ps);		/* kernel half */
	BAD((1ULL << 57) + ps, ps);		/* beyond 5-level user space */
	BAD(ps, -(size_t)ps);
	BAD(-(off_t)ps, ps);
	p = xt_attach(apid, 16 * ps, ps, NULL);	/* low, valid */
	xt_detach(p);

	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	return 0;
}
