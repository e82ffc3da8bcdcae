// SPDX-License-Identifier: GPL-2.0-only
/*
 * Read-only VMAs of the owner are read-only for the attacher even with an
 * RDWR permit: a PROT_READ anonymous mapping (zero page) and memory the
 * owner filled and then mprotected PROT_READ. Reads work, writes raise
 * SIGSEGV (first touch or after a read), the owner's data is unchanged.
 */
#include "xt.h"

int main(void)
{
	size_t ps = XT_PS, len = 16 * ps;
	struct xt_owner o = { 0 };	/* makes two segments itself */
	int fd;
	pid_t pid;
	size_t i;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		char *z = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		char *f = xt_map_anon(len);
		XT_ASSERT(z != MAP_FAILED);
		xt_fill(f, len, 131, 0);
		XT_OK(mprotect(f, len, PROT_READ));
		xt_send_u64(fd, xt_make(z, len, 0600));
		xt_send_u64(fd, xt_make(f, len, 0600));
		xt_expect_u64(fd, 1);
		XT_ASSERT_ZERO(z, len);
		XT_ASSERT_PATTERN(f, len, 131, 0);
		return 0;
	}
	xpmem_apid_t az = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	xpmem_apid_t af = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	char *z = xt_attach(az, 0, len, NULL);
	char *f = xt_attach(af, 0, len, NULL);

	XT_EXPECT_SIG(xt_probe_write(z + 5 * ps, 1), SIGSEGV);
	XT_EXPECT_SIG(xt_probe_write(f + 5 * ps, 1), SIGSEGV);
	XT_ASSERT_ZERO(z, len);
	XT_ASSERT_PATTERN(f, len, 131, 0);
	for (i = 0; i < len; i += ps) {
		XT_EXPECT_SIG(xt_probe_write(z + i + 8, 2), SIGSEGV);
		XT_EXPECT_SIG(xt_probe_write8(f + i + 3, 2), SIGSEGV);
	}
	XT_ASSERT_ZERO(z, len);
	XT_ASSERT_PATTERN(f, len, 131, 0);
	xt_detach(z);
	xt_detach(f);
	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	return 0;
}
