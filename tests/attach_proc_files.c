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
	struct xt_owner o = { .len = len, .seed = 297, .mode = 0600 };
	static char text[1 << 20];
	char key[64];

	xt_owner_start(&o);
	char *p = xt_get_attach(o.segid, XPMEM_RDWR, len, NULL);
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
	xt_owner_stop(&o);
	return 0;
}
