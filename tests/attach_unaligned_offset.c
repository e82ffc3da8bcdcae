// SPDX-License-Identifier: GPL-2.0-only
/*
 * An attach offset that is not page aligned maps the enclosing pages and
 * returns base + (offset % page size): the returned address reads the
 * owner's byte at that offset. Detach with that address works.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, len = 8 * ps;
	struct xt_owner o = { 0 };	/* fills its memory itself */
	int fd;
	pid_t pid;
	static const size_t offs[] = { 8, 104, 4000, 4096 + 1, 3 * 4096 + 2047 };
	unsigned i;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		unsigned char *buf = xt_map_anon(len);
		for (size_t k = 0; k < len; k++)
			buf[k] = (unsigned char)(k * 13 + k / 4096);
		xt_send_u64(fd, xt_make(buf, len, 0600));
		xt_expect_u64(fd, 1);
		return 0;
	}
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		size_t off = offs[i] % len, size = 3000;
		unsigned char *p = xt_attach(a, off, size, NULL);
		XT_ASSERT_EQ((uintptr_t)p & (ps - 1), off & (ps - 1));
		for (size_t k = 0; k < size; k++) {
			unsigned char want = (unsigned char)((off + k) * 13 +
							     (off + k) / 4096);
			if (p[k] != want)
				XT_FAIL("offset %zu byte %zu: got 0x%02x want 0x%02x",
					off, k, p[k], want);
		}
		/* the start of the enclosing page is mapped too */
		unsigned char *base = (unsigned char *)((uintptr_t)p & ~(ps - 1));
		size_t pstart = off & ~(ps - 1);
		XT_ASSERT_EQ(base[0], (unsigned char)(pstart * 13 + pstart / 4096));
		xt_detach(p);
		uint64_t v;
		XT_EXPECT_SIG(xt_probe_read(base, &v), SIGSEGV);
	}
	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	return 0;
}
