// SPDX-License-Identifier: GPL-2.0-only
/*
 * KSM: identical pages of the owner (and of a bystander process) are
 * merged into one read-only page while the attacher has them mapped. The
 * attacher still reads them; its write to one of them must break COW in
 * the owner: the owner sees the write in that page only, the other merged
 * pages (owner's and bystander's) keep the old content. Skipped without
 * KSM.
 */
#include "xt.h"

#define NP 8
#define KSM "/sys/kernel/mm/ksm/"

static void fill_same(char *p, size_t len)
{
	memset(p, 0x5a, len);
}

static void check_same(const char *who, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0x5a)
			XT_FAIL("%s: byte %zu changed to 0x%02x", who, i,
				(unsigned char)p[i]);
}

int main(void)
{
	size_t ps = XT_PS, len = NP * ps;
	struct xt_chan ch, bc;
	int fd, bfd;
	pid_t pid, by;
	long run0 = 0, v;

	xt_require_root();
	if (access(KSM "run", W_OK) != 0)
		xt_skip("no KSM (" KSM "run)");
	xt_read_long(KSM "run", &run0);

	/* bystander with the same content */
	xt_chan_init(&bc);
	by = xt_fork();
	if (by == 0) {
		char *b = xt_map_aligned(2 * ps, ps, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS);
		bfd = xt_chan_end(&bc, 1);
		fill_same(b, 2 * ps);
		if (madvise(b, 2 * ps, MADV_MERGEABLE) != 0)
			xt_skip("MADV_MERGEABLE: %s", strerror(errno));
		xt_send_u64(bfd, 1);
		xt_expect_u64(bfd, 2);
		check_same("bystander", b, 2 * ps);
		return 0;
	}
	bfd = xt_chan_end(&bc, 0);
	xt_expect_u64(bfd, 1);

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_aligned(len, ps, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS);
		fd = xt_chan_end(&ch, 1);
		XT_OK(madvise(buf, len, MADV_NOHUGEPAGE));
		fill_same(buf, len);
		if (madvise(buf, len, MADV_MERGEABLE) != 0)
			xt_skip("MADV_MERGEABLE: %s", strerror(errno));
		xt_send_u64(fd, xt_make(buf, len, 0600));
		xt_expect_u64(fd, 1);
		/* the attacher wrote 8 bytes at page 3, offset 100 */
		for (int i = 0; i < NP; i++) {
			if (i == 3) {
				XT_ASSERT_EQ(*(uint64_t *)(buf + 3 * ps + 100),
					     0x1122334455667788ULL);
				check_same("owner page 3 head", buf + 3 * ps, 100);
				check_same("owner page 3 tail", buf + 3 * ps + 108,
					   ps - 108);
			} else {
				check_same("owner page", buf + i * ps, ps);
			}
		}
		buf[5 * ps] = 0x11;	/* owner's own COW break */
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	char *p = xt_attach(a, 0, len, NULL);
	check_same("attacher before merge", p, len);

	long sh0 = 0;
	xt_read_long(KSM "pages_sharing", &sh0);
	XT_OK(xt_write_file(KSM "pages_to_scan", "10000"));
	XT_OK(xt_write_file(KSM "sleep_millisecs", "10"));
	XT_OK(xt_write_file(KSM "run", "1"));
	double t0 = xt_now();
	for (;;) {
		v = 0;
		xt_read_long(KSM "pages_sharing", &v);
		if (v >= sh0 + NP)
			break;
		if (xt_now() - t0 > 60) {
			xt_write_file(KSM "run", run0 == 1 ? "1" : "0");
			kill(pid, SIGKILL);
			kill(by, SIGKILL);
			xt_skip("KSM merged only %ld pages in 60 s", v - sh0);
		}
		usleep(100000);
	}
	xt_info("KSM pages_sharing %ld after %.1f s", v, xt_now() - t0);

	check_same("attacher after merge", p, len);
	*(volatile uint64_t *)(p + 3 * ps + 100) = 0x1122334455667788ULL;
	for (int i = 0; i < NP; i++)
		if (i != 3)
			check_same("attacher other page", p + i * ps, ps);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);
	XT_ASSERT_EQ(((volatile char *)p)[5 * ps], 0x11);
	check_same("attacher page 4", p + 4 * ps, ps);
	xt_send_u64(fd, 3);
	xt_wait_ok(pid);
	xt_send_u64(bfd, 2);
	xt_wait_ok(by);
	xt_detach(p);
	xt_write_file(KSM "run", run0 == 1 ? "1" : "0");
	return 0;
}
