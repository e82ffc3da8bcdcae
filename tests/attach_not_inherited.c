// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attachments are not inherited through fork: in the child the address
 * is unmapped (SIGSEGV, not the owner's data) and cannot be detached; the
 * parent's attachment keeps working after the fork and after the child
 * exits.
 */
#include "xt.h"

static char *att;
static size_t len;

static int child(void *arg)
{
	uint64_t v = 0;
	int sig;

	(void)arg;
	for (size_t i = 0; i < len; i += XT_PS) {
		sig = xt_probe_read(att + i, &v);
		if (sig != SIGSEGV)
			XT_FAIL("child read attachment page %zu: %s, value 0x%llx",
				i / XT_PS, xt_signame(sig), (unsigned long long)v);
	}
	XT_EXPECT_SIG(xt_probe_write(att, 1), SIGSEGV);
	XT_FAILS(xpmem_detach(att));
	return 0;
}

int main(void)
{
	size_t ps = XT_PS;
	int fd;
	pid_t pid;

	len = 8 * ps;
	struct xt_owner o = { .len = len, .seed = 57, .mode = 0600 };

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		char *buf = o.buf;
		xt_expect_u64(fd, 1);
		XT_ASSERT_EQ(*(uint64_t *)buf, 0x77);
		return 0;
	}
	xpmem_apid_t a = xt_get(o.segid, XPMEM_RDWR);
	att = xt_attach(a, 0, len, NULL);
	XT_ASSERT_PATTERN(att, len / 2, 57, 0);	/* half faulted in */

	xt_run(child, NULL);
	XT_ASSERT_PATTERN(att, len, 57, 0);
	*(volatile uint64_t *)att = 0x77;
	xt_detach(att);
	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	return 0;
}
