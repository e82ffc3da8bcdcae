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

#define RO_FILE "/data/ro-file"
#define LEN (1 * XT_MiB)

static unsigned char want(size_t i)
{
	return (unsigned char)((i * 7 + 3) & 0xff);
}

/* check p[0..len) against the file, except pages skip_a and skip_b */
static void check_bytes(const char *who, const unsigned char *p, size_t len,
			size_t skip_a, size_t skip_b)
{
	size_t ps = XT_PS;

	for (size_t i = 0; i < len; i++) {
		if (i / ps == skip_a || i / ps == skip_b)
			continue;
		if (p[i] != want(i))
			XT_FAIL("%s: byte %zu is 0x%02x, file has 0x%02x", who, i,
				p[i], want(i));
	}
}

static void check_file(const char *who)
{
	static unsigned char tmp[LEN];
	int f = open(RO_FILE, O_RDONLY);

	XT_ASSERT(f >= 0);
	XT_ASSERT_EQ(pread(f, tmp, LEN, 0), LEN);
	close(f);
	check_bytes(who, tmp, LEN, (size_t)-1, (size_t)-1);
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

	xt_chan_init(&ch);
	alice = xt_fork();
	if (alice == 0) {
		gid_t g = XT_ALICE;
		xt_drop_privs(XT_ALICE, XT_ALICE, 1, &g);
		fd = xt_chan_end(&ch, 1);
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
		check_bytes("alice's read-only mapping", ro, LEN, (size_t)-1, (size_t)-1);
		/* bob wrote 0xa5 over pages 7 and 3 of rw */
		for (size_t i = 0; i < ps; i++) {
			XT_ASSERT_EQ(rw[7 * ps + i], 0xa5);
			XT_ASSERT_EQ(rw[3 * ps + i], 0xa5);
		}
		check_bytes("alice's rw mapping", rw, LEN, 3, 7);
		check_file("read(2) by alice");
		return 0;
	}
	bob = xt_fork();
	if (bob == 0) {
		gid_t g = XT_BOB;
		xt_drop_privs(XT_BOB, XT_BOB, 1, &g);
		fd = xt_chan_end(&ch, 0);
		xpmem_apid_t aro = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
		xpmem_apid_t arw = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
		unsigned char *p = xt_attach(aro, 0, LEN, NULL);
		unsigned char *q = xt_attach(arw, 0, LEN, NULL);

		XT_EXPECT_SIG(xt_probe_write8(p + 50 * ps, 1), SIGSEGV);
		check_bytes("bob's view of the read-only mapping", p, LEN,
			    (size_t)-1, (size_t)-1);
		for (size_t i = 0; i < LEN; i += 8 * ps)
			XT_EXPECT_SIG(xt_probe_write8(p + i + 1, 0), SIGSEGV);
		check_bytes("bob's view after writes", p, LEN, (size_t)-1, (size_t)-1);

		/* q: page 7 first touched by a write; page 3 is alice's copy */
		memset(q + 7 * ps, 0xa5, ps);
		check_bytes("bob's rw view", q, LEN, 7, (size_t)-1);
		memset(q + 3 * ps, 0xa5, ps);
		xt_detach(p);
		xt_detach(q);
		xt_send_u64(fd, 1);
		return 0;
	}
	close(ch.fd[0]);
	close(ch.fd[1]);
	xt_wait_ok(bob);
	xt_wait_ok(alice);
	pid_t fresh = xt_fork();
	if (fresh == 0) {
		gid_t g = XT_CAROL;
		xt_drop_privs(XT_CAROL, XT_CAROL, 1, &g);
		check_file("fresh process");
		int f = open(RO_FILE, O_RDONLY);
		unsigned char *m = mmap(NULL, LEN, PROT_READ, MAP_SHARED, f, 0);
		XT_ASSERT(m != MAP_FAILED);
		check_bytes("fresh mapping", m, LEN, (size_t)-1, (size_t)-1);
		return 0;
	}
	xt_wait_ok(fresh);
	return 0;
}
