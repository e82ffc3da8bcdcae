// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attachers that exit (or are killed) with live attachments and permits
 * leave nothing behind that disturbs the owner: the owner removes the
 * segment fine and starts over, many times; the owner's memory is intact.
 * Where the module's debugfs statistics exist, the numbers of permits and
 * attachments are back to where they started (the debug kernel's
 * kmemleak scan catches other leaked objects).
 */
#include "xt.h"

#include <sys/wait.h>

#define ROUNDS 30
#define STATS "/sys/kernel/debug/xpmem/stats"

int main(void)
{
	size_t ps = XT_PS, len = 64 * ps;
	char *buf = xt_map_anon(len);
	long slab0 = xt_proc_field("/proc/meminfo", "Slab");
	long perm0 = xt_proc_field(STATS, "permits");
	long att0 = xt_proc_field(STATS, "attachments");
	long seg0 = xt_proc_field(STATS, "segments");
	int r;

	for (r = 0; r < ROUNDS; r++) {
		xt_fill(buf, len, 52, 0);
		xpmem_segid_t s = xt_make(buf, len, 0600);
		struct xt_chan ch;
		int fd;

		xt_chan_init(&ch);
		pid_t pid = xt_fork();
		if (pid == 0) {
			fd = xt_chan_end(&ch, 1);
			xpmem_apid_t a1 = xt_get(s, XPMEM_RDWR);
			xpmem_apid_t a2 = xt_get(s, XPMEM_RDONLY);
			char *p1 = xt_attach(a1, 0, len, NULL);
			char *p2 = xt_attach(a2, 4 * ps, 8 * ps, NULL);
			xt_attach(a1, 8 * ps, ps, NULL);	/* never touched */
			XT_ASSERT_PATTERN(p1, len, 52, 0);
			XT_ASSERT_PATTERN(p2, 8 * ps, 52, 4 * ps);
			*(volatile uint64_t *)(p1 + 9 * ps) = 0x5555;
			xt_send_u64(fd, 1);
			if (r % 2)
				pause();	/* killed below */
			_exit(0);
		}
		fd = xt_chan_end(&ch, 0);
		xt_expect_u64(fd, 1);
		if (r % 2)
			kill(pid, SIGKILL);
		int code = -1, sig = xt_wait_signal(pid, &code);
		XT_ASSERT(sig == ((r % 2) ? SIGKILL : 0));
		XT_ASSERT(sig || code == 0);
		close(fd);
		XT_ASSERT_EQ(*(volatile uint64_t *)(buf + 9 * ps), 0x5555);
		*(uint64_t *)(buf + 9 * ps) = xt_pat(52, 9 * ps);
		XT_ASSERT_PATTERN(buf, len, 52, 0);
		xt_remove(s);
	}
	long slab1 = xt_proc_field("/proc/meminfo", "Slab");
	xt_info("%d rounds; Slab %ld kB -> %ld kB", ROUNDS, slab0, slab1);
	if (att0 >= 0) {
		long perm1 = xt_proc_field(STATS, "permits");
		long att1 = xt_proc_field(STATS, "attachments");
		long seg1 = xt_proc_field(STATS, "segments");
		xt_info("module stats: permits %ld -> %ld, attachments %ld -> %ld, "
			"segments %ld -> %ld", perm0, perm1, att0, att1, seg0, seg1);
		XT_ASSERT_EQ(perm1, perm0);
		XT_ASSERT_EQ(att1, att0);
		XT_ASSERT_EQ(seg1, seg0);
	} else {
		xt_info("no " STATS "; leak counters not checked");
	}
	return 0;
}
