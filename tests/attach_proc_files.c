// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attacher's /proc files that walk its page tables handle attachment
 * mappings (special PFN entries of another process's pages): reading
 * /proc/self/smaps, smaps_rollup, numa_maps and pagemap over a faulted-in
 * attachment works, lists the attachment with its size, and changes
 * nothing (the data is intact, the kernel log stays clean - the test bed
 * checks it).
 */
#include "xt.h"

#include <fcntl.h>

static size_t slurp(const char *path, char *buf, size_t max)
{
	int f = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;

	if (f < 0)
		return 0;
	while (n < max - 1 && (r = read(f, buf + n, max - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	close(f);
	return n;
}

int main(void)
{
	size_t ps = XT_PS, len = 64 * ps;
	struct xt_chan ch;
	int fd;
	pid_t pid;
	static char text[1 << 20];
	char key[64];

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		char *buf = xt_map_anon(len);
		fd = xt_chan_end(&ch, 1);
		xt_fill(buf, len, 297, 0);
		xt_send_u64(fd, xt_make(buf, len, 0600));
		xt_expect_u64(fd, 1);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	char *p = xt_attach(xt_get(xt_recv_u64(fd), XPMEM_RDWR), 0, len, NULL);
	XT_ASSERT_PATTERN(p, len, 297, 0);

	XT_ASSERT(slurp("/proc/self/smaps", text, sizeof(text)) > 0);
	snprintf(key, sizeof(key), "%lx-", (unsigned long)p);
	char *e = strstr(text, key);
	XT_ASSERT_MSG(e != NULL, "attachment %p not in smaps", p);
	char *sz = strstr(e, "Size:");
	XT_ASSERT(sz != NULL);
	XT_ASSERT_EQ(strtol(sz + 5, NULL, 10), (long)(len / 1024));
	XT_ASSERT(slurp("/proc/self/smaps_rollup", text, sizeof(text)) > 0);
	slurp("/proc/self/numa_maps", text, sizeof(text));

	int pm = open("/proc/self/pagemap", O_RDONLY);
	XT_ASSERT(pm >= 0);
	uint64_t ent[64];
	XT_ASSERT_EQ(pread(pm, ent, sizeof(ent), ((uintptr_t)p / ps) * 8),
		     (ssize_t)sizeof(ent));
	close(pm);
	XT_ASSERT_PATTERN(p, len, 297, 0);
	xt_detach(p);
	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	return 0;
}
