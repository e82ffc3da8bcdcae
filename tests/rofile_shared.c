// SPDX-License-Identifier: GPL-2.0-only
/*
 * alice maps the root-owned read-only file /data/ro-file read-only
 * MAP_SHARED and exports it with mode 0666; bob gets an RDWR permit (the
 * mode allows it) and attaches. bob reads the file's bytes; every write
 * raises SIGSEGV (also as the first touch of a page); the file is
 * unchanged afterwards - through alice's mapping, read(2), and a fresh
 * process that opens it again.
 */
#include "xt.h"

#include <fcntl.h>

#define RO_FILE XT_RO_FILE
#define LEN XT_RO_FILE_LEN

/* the whole of p[0, LEN) must be the file's bytes */
static void check_bytes(const char *who, const unsigned char *p)
{
	xt_ro_file_check(who, p, LEN, XT_NO_PAGE, XT_NO_PAGE);
}

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
	xt_ro_file_check_read("before");

	if (xt_owner_fork(&alice) == 0) {
		fd = alice.fd;
		int f = open(RO_FILE, O_RDONLY);
		XT_ASSERT(f >= 0);
		XT_ASSERT(open(RO_FILE, O_RDWR) < 0);
		unsigned char *m = mmap(NULL, LEN, PROT_READ, MAP_SHARED, f, 0);
		XT_ASSERT(m != MAP_FAILED);
		check_bytes("alice's mapping", m);
		xt_send_u64(fd, xt_make(m, LEN, 0666));
		xt_expect_u64(fd, 1);
		check_bytes("alice's mapping after", m);
		xt_ro_file_check_read("read(2) by alice");
		return 0;
	}
	bob = xt_fork();
	if (bob == 0) {
		xt_become_user(XT_BOB);
		fd = alice.fd;
		xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
		unsigned char *p = xt_attach(a, 0, LEN, NULL);
		/* first touch of page 100 is a write */
		XT_EXPECT_SIG(xt_probe_write8(p + 100 * ps + 5, 0xff), SIGSEGV);
		check_bytes("bob's attachment", p);
		for (size_t i = 0; i < LEN; i += 16 * ps) {
			XT_EXPECT_SIG(xt_probe_write8(p + i, ~xt_ro_file_byte(i)),
				      SIGSEGV);
			XT_EXPECT_SIG(xt_probe_write(p + i + ps - 8, 0), SIGSEGV);
		}
		check_bytes("bob's attachment after writes", p);
		xt_detach(p);
		xt_send_u64(fd, 1);
		return 0;
	}
	close(alice.fd);
	xt_wait_ok(bob);
	xt_wait_ok(alice.pid);
	/* a fresh process, fresh open, fresh page cache lookup */
	xt_ro_file_check_fresh(MAP_PRIVATE);
	return 0;
}
