// SPDX-License-Identifier: GPL-2.0-only
/*
 * Owner mprotect: PROT_NONE makes the attacher's access fail with SIGBUS
 * (not the data); PROT_READ lets it read but a write gives SIGSEGV and
 * the owner's data is unchanged; back to read-write, reads and writes
 * work again and reach the owner.
 */
#include "xt.h"

static void owner(struct xt_owner *o)
{
	size_t ps = XT_PS;
	char *buf = o->buf;

	xt_expect_u64(o->fd, 1);
	XT_OK(mprotect(buf + 4 * ps, 8 * ps, PROT_NONE));
	xt_step(o->fd, 2);
	XT_OK(mprotect(buf + 4 * ps, 8 * ps, PROT_READ));
	xt_step(o->fd, 4);
	XT_ASSERT_PATTERN(buf, o->len, 65, 0);
	XT_OK(mprotect(buf + 4 * ps, 8 * ps, PROT_READ | PROT_WRITE));
	xt_step(o->fd, 6);
	XT_ASSERT_PATTERN(buf, o->len, 66, 0);
}

int main(void)
{
	size_t ps = XT_PS, n = 16, len = n * ps;
	struct xt_owner o = { .len = len, .seed = 65, .mode = 0600 };
	uint64_t v;
	size_t i;
	char *p;

	xt_owner_run(&o, owner);
	p = xt_get_attach(o.segid, XPMEM_RDWR, len, NULL);
	/* fault everything in writable */
	for (i = 0; i < len; i += ps)
		*(volatile uint64_t *)(p + i) = xt_pat(65, i);
	XT_ASSERT_PATTERN(p, len, 65, 0);
	xt_step(o.fd, 1);
	for (i = 0; i < n; i++) {
		int sig = xt_probe_read(p + i * ps + 8, &v);
		if (i >= 4 && i < 12) {
			if (sig != SIGBUS)
				XT_FAIL("PROT_NONE page %zu: expected SIGBUS, got %s "
					"value 0x%llx", i, xt_signame(sig),
					(unsigned long long)v);
			XT_EXPECT_SIG(xt_probe_write(p + i * ps, 1), SIGBUS);
		} else {
			XT_ASSERT_EQ(sig, 0);
			XT_ASSERT_EQ(v, xt_pat(65, i * ps + 8));
		}
	}
	xt_step(o.fd, 3);
	XT_ASSERT_PATTERN(p, len, 65, 0);
	for (i = 4; i < 12; i++)
		XT_EXPECT_SIG(xt_probe_write(p + i * ps + 16, 1), SIGSEGV);
	XT_ASSERT_EQ(xt_probe_write(p + 2 * ps, xt_pat(65, 2 * ps)), 0);
	xt_step(o.fd, 5);
	xt_fill(p, len, 66, 0);
	xt_owner_last_step(&o, 7);
	xt_detach(p);
	return 0;
}
