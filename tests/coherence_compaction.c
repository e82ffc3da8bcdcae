// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page migration (memory compaction, soft offline) while attached: the owner's pages
 * move to other physical frames (checked in /proc/self/pagemap); the
 * attacher still reads the right data, sees the owner's writes made after
 * the move (not the old frames), and its writes reach the owner.
 */
#include "xt.h"

#include <fcntl.h>

#define NPAGES 4096

static uint64_t pfn_of(int pm, void *addr)
{
	uint64_t e = 0;

	if (pread(pm, &e, 8, ((uintptr_t)addr / XT_PS) * 8) != 8)
		return 0;
	return (e & (1ULL << 63)) ? (e & ((1ULL << 55) - 1)) : 0;
}

int main(void)
{
	size_t ps = XT_PS, len = NPAGES * ps;
	struct xt_chan ch;
	int fd;
	pid_t pid;

	xt_require_root();
	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		/* fragment memory: interleave our pages with freed ones */
		char *buf = xt_map_anon(len);
		char *junk = xt_map_anon(len);
		size_t i, moved = 0;
		static uint64_t pfn[NPAGES];
		int pm = open("/proc/self/pagemap", O_RDONLY);

		fd = xt_chan_end(&ch, 1);
		XT_OK(madvise(buf, len, MADV_NOHUGEPAGE));
		XT_OK(madvise(junk, len, MADV_NOHUGEPAGE));
		for (i = 0; i < len; i += ps) {
			junk[i] = 1;
			xt_fill(buf + i, ps, 110, i);
		}
		XT_OK(munmap(junk, len));
		for (i = 0; i < NPAGES; i++)
			pfn[i] = pfn_of(pm, buf + i * ps);
		xt_send_u64(fd, xt_make(buf, len, 0600));
		xt_expect_u64(fd, 1);
		long m0 = xt_proc_field("/proc/vmstat", "pgmigrate_success");
		int r = xt_write_file("/proc/sys/vm/compact_memory", "1");
		long m1 = xt_proc_field("/proc/vmstat", "pgmigrate_success");
		/* and a deterministic move: soft-offline a few of our frames
		 * (their content migrates to new frames, the old ones are
		 * retired, so a stale mapping would read stale data) */
		int offl = 0;
		for (i = 0; i < NPAGES; i += 257) {
			uint64_t f = pfn_of(pm, buf + i * ps);
			char addr[32];
			if (!f)
				continue;
			snprintf(addr, sizeof(addr), "0x%llx",
				 (unsigned long long)(f * ps));
			if (xt_write_file("/sys/devices/system/memory/soft_offline_page",
					  addr) == 0)
				offl++;
		}
		xt_info("soft-offlined %d pages", offl);
		for (i = 0; i < NPAGES; i++)
			if (pfn[i] && pfn_of(pm, buf + i * ps) != pfn[i])
				moved++;
		xt_info("compact_memory: %d; pgmigrate_success +%ld; %zu of %d "
			"of our pages moved", r, m1 - m0, moved, NPAGES);
		xt_send_u64(fd, moved);
		xt_expect_u64(fd, 2);
		XT_ASSERT_PATTERN(buf, len, 110, 0);
		xt_fill(buf, len, 111, 0);
		xt_send_u64(fd, 3);
		xt_expect_u64(fd, 4);
		XT_ASSERT_PATTERN(buf, len, 112, 0);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_apid_t a = xt_get(xt_recv_u64(fd), XPMEM_RDWR);
	char *p = xt_attach(a, 0, len, NULL);

	/* map every page writable */
	for (size_t i = 0; i < len; i += ps)
		*(volatile uint64_t *)(p + i) = xt_pat(110, i);
	XT_ASSERT_PATTERN(p, len, 110, 0);
	xt_send_u64(fd, 1);
	uint64_t moved = xt_recv_u64(fd);
	if (!moved)
		xt_info("no page moved: migration was not exercised");
	XT_ASSERT_PATTERN(p, len, 110, 0);
	xt_send_u64(fd, 2);
	xt_expect_u64(fd, 3);
	XT_ASSERT_PATTERN(p, len, 111, 0);
	xt_fill(p, len, 112, 0);
	xt_send_u64(fd, 4);
	xt_wait_ok(pid);
	xt_detach(p);
	if (!moved)
		xt_skip("compaction moved none of the owner's pages");
	return 0;
}
