// SPDX-License-Identifier: GPL-2.0-only
/*
 * Read-only VMAs of the owner are read-only for the attacher even with an
 * RDWR permit: a PROT_READ anonymous mapping (zero page) and memory the
 * owner filled and then mprotected PROT_READ. Reads work, writes raise
 * SIGSEGV (first touch or after a read), the owner's data is unchanged.
 */
#include "xt.h"

#define LEN (16 * XT_PS)

static void owner(struct xt_owner *o)
{
	char *z = mmap(NULL, LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *f = xt_map_anon(LEN);

	XT_ASSERT(z != MAP_FAILED);
	xt_fill(f, LEN, 131, 0);
	XT_OK(mprotect(f, LEN, PROT_READ));
	xt_send_u64(o->fd, xt_make(z, LEN, 0600));
	xt_send_u64(o->fd, xt_make(f, LEN, 0600));
	xt_expect_u64(o->fd, 1);
	XT_ASSERT_ZERO(z, LEN);
	XT_ASSERT_PATTERN(f, LEN, 131, 0);
}

int main(void)
{
	size_t ps = XT_PS, len = LEN;
	struct xt_owner o = { 0 };	/* makes two segments itself */
	size_t i;
	char *z, *f;

	xt_owner_run(&o, owner);
	z = xt_recv_attach(o.fd, XPMEM_RDWR, len, NULL);
	f = xt_recv_attach(o.fd, XPMEM_RDWR, len, NULL);
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
	xt_owner_last_step(&o, 1);
	return 0;
}
