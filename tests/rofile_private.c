// SPDX-License-Identifier: GPL-2.0-only
/*
 * alice maps the root-owned read-only /data/ro-file MAP_PRIVATE and
 * exports it (0666), bob attaches RDWR:
 *  - mapped PROT_READ: bob reads the file's bytes, writes raise SIGSEGV;
 *  - mapped PROT_READ|PROT_WRITE (a private, copy-on-write view): bob's
 *    writes break COW in alice - alice sees them in her mapping - and the
 *    file stays unchanged.
 * The file is checked with read(2) afterwards and by a fresh process.
 */
#include "xt.h"

#include <fcntl.h>

#define RO_FILE XT_RO_FILE
#define LEN XT_RO_FILE_LEN

int main(void)
{
	size_t ps = XT_PS;
	struct xt_owner alice = { .uid = XT_ALICE };	/* maps the file */
	pid_t bob;
	int fd;

	/* The System V mode check, not the default same-user policy. */
	xt_module_param("access_policy", "mode-bits");

	xt_require_root();
	if (access(RO_FILE, R_OK) != 0)
		xt_skip(RO_FILE " missing");

	if (xt_owner_fork(&alice) == 0) {
		fd = alice.fd;
		int f = open(RO_FILE, O_RDONLY);
		XT_ASSERT(f >= 0);
		unsigned char *ro = mmap(NULL, LEN, PROT_READ, MAP_PRIVATE, f, 0);
		unsigned char *rw = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE, f, 0);
		XT_ASSERT(ro != MAP_FAILED && rw != MAP_FAILED);
		/* page 3 of rw already has a private copy, the rest is cache */
		((volatile unsigned char *)rw)[3 * ps] = rw[3 * ps];
		xt_send_u64(fd, xt_make(ro, LEN, 0666));
		xt_send_u64(fd, xt_make(rw, LEN, 0666));
		xt_expect_u64(fd, 1);
		xt_ro_file_check("alice's read-only mapping", ro, LEN, XT_NO_PAGE,
				 XT_NO_PAGE);
		/* bob wrote 0xa5 over pages 7 and 3 of rw */
		for (size_t i = 0; i < ps; i++) {
			XT_ASSERT_EQ(rw[7 * ps + i], 0xa5);
			XT_ASSERT_EQ(rw[3 * ps + i], 0xa5);
		}
		xt_ro_file_check("alice's rw mapping", rw, LEN, 3, 7);
		xt_ro_file_check_read("read(2) by alice");
		return 0;
	}
	bob = xt_fork();
	if (bob == 0) {
		xt_become_user(XT_BOB);
		fd = alice.fd;
		xpmem_apid_t aro = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
		xpmem_apid_t arw = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
		unsigned char *p = xt_attach(aro, 0, LEN, NULL);
		unsigned char *q = xt_attach(arw, 0, LEN, NULL);

		XT_EXPECT_SIG(xt_probe_write8(p + 50 * ps, 1), SIGSEGV);
		xt_ro_file_check("bob's view of the read-only mapping", p, LEN,
				 XT_NO_PAGE, XT_NO_PAGE);
		for (size_t i = 0; i < LEN; i += 8 * ps)
			XT_EXPECT_SIG(xt_probe_write8(p + i + 1, 0), SIGSEGV);
		xt_ro_file_check("bob's view after writes", p, LEN, XT_NO_PAGE,
				 XT_NO_PAGE);

		/* q: page 7 first touched by a write; page 3 is alice's copy */
		memset(q + 7 * ps, 0xa5, ps);
		xt_ro_file_check("bob's rw view", q, LEN, 7, XT_NO_PAGE);
		memset(q + 3 * ps, 0xa5, ps);
		xt_detach(p);
		xt_detach(q);
		xt_send_u64(fd, 1);
		return 0;
	}
	close(alice.fd);
	xt_wait_ok(bob);
	xt_wait_ok(alice.pid);
	/* a fresh process, fresh open, fresh page cache lookup */
	xt_ro_file_check_fresh(MAP_SHARED);
	return 0;
}
