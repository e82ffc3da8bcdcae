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

#define RO_FILE "/data/ro-file"
#define LEN (1 * XT_MiB)

static unsigned char want(size_t i)
{
	return (unsigned char)((i * 7 + 3) & 0xff);
}

static void check_bytes(const char *who, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != want(i))
			XT_FAIL("%s: byte %zu is 0x%02x, file has 0x%02x", who, i,
				p[i], want(i));
}

static void check_file(const char *who)
{
	static unsigned char tmp[LEN];
	int f = open(RO_FILE, O_RDONLY);

	XT_ASSERT(f >= 0);
	XT_ASSERT_EQ(pread(f, tmp, LEN, 0), LEN);
	close(f);
	check_bytes(who, tmp, LEN);
}

int main(void)
{
	size_t ps = XT_PS;
	struct xt_chan ch;
	pid_t alice, bob;
	int fd;

	xt_require_root();
	if (access(RO_FILE, R_OK) != 0)
		xt_skip(RO_FILE " missing");
	check_file("before");

	xt_chan_init(&ch);
	alice = xt_fork();
	if (alice == 0) {
		gid_t g = XT_ALICE;
		xt_drop_privs(XT_ALICE, XT_ALICE, 1, &g);
		fd = xt_chan_end(&ch, 1);
		int f = open(RO_FILE, O_RDONLY);
		XT_ASSERT(f >= 0);
		XT_ASSERT(open(RO_FILE, O_RDWR) < 0);
		unsigned char *m = mmap(NULL, LEN, PROT_READ, MAP_SHARED, f, 0);
		XT_ASSERT(m != MAP_FAILED);
		check_bytes("alice's mapping", m, LEN);
		xt_send_u64(fd, xt_make(m, LEN, 0666));
		xt_expect_u64(fd, 1);
		check_bytes("alice's mapping after", m, LEN);
		check_file("read(2) by alice");
		return 0;
	}
	bob = xt_fork();
	if (bob == 0) {
		gid_t g = XT_BOB;
		xt_drop_privs(XT_BOB, XT_BOB, 1, &g);
		fd = xt_chan_end(&ch, 0);
		xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
		unsigned char *p = xt_attach(a, 0, LEN, NULL);
		/* first touch of page 100 is a write */
		XT_EXPECT_SIG(xt_probe_write8(p + 100 * ps + 5, 0xff), SIGSEGV);
		check_bytes("bob's attachment", p, LEN);
		for (size_t i = 0; i < LEN; i += 16 * ps) {
			XT_EXPECT_SIG(xt_probe_write8(p + i, ~want(i)), SIGSEGV);
			XT_EXPECT_SIG(xt_probe_write(p + i + ps - 8, 0), SIGSEGV);
		}
		check_bytes("bob's attachment after writes", p, LEN);
		xt_detach(p);
		xt_send_u64(fd, 1);
		return 0;
	}
	close(ch.fd[0]);
	close(ch.fd[1]);
	xt_wait_ok(bob);
	xt_wait_ok(alice);
	/* a fresh process, fresh open, fresh page cache lookup */
	pid_t fresh = xt_fork();
	if (fresh == 0) {
		gid_t g = XT_CAROL;
		xt_drop_privs(XT_CAROL, XT_CAROL, 1, &g);
		check_file("fresh process");
		int f = open(RO_FILE, O_RDONLY);
		unsigned char *m = mmap(NULL, LEN, PROT_READ, MAP_PRIVATE, f, 0);
		XT_ASSERT(m != MAP_FAILED);
		check_bytes("fresh mapping", m, LEN);
		return 0;
	}
	xt_wait_ok(fresh);
	return 0;
}
