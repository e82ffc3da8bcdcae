// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem_attach with vaddr NULL maps the window at a page-aligned address
 * chosen by the kernel that overlaps none of the process's mappings, shows
 * up in /proc/self/maps as a shared mapping of /dev/xpmem's size, and
 * reads the owner's data. Several attachments get distinct addresses.
 */
#include "xt.h"

static int maps_line(void *addr, char *out, size_t outlen)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	unsigned long lo, hi;

	XT_ASSERT(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    lo <= (uintptr_t)addr && (uintptr_t)addr < hi) {
			snprintf(out, outlen, "%s", line);
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	return 0;
}

int main(void)
{
	size_t ps = XT_PS, len = 32 * ps;
	struct xt_owner o = { .len = len, .seed = 11, .mode = 0600 };
	int i;
	char *p[4];
	char line[512];

	xt_owner_start(&o);
	xpmem_apid_t a = xt_get(o.segid, XPMEM_RDWR);
	char *mine = xt_map_anon(len);
	memset(mine, 0x77, len);

	for (i = 0; i < 4; i++) {
		p[i] = xt_attach(a, i * ps, len - i * ps, NULL);
		XT_ASSERT_EQ((uintptr_t)p[i] & (ps - 1), 0);
		XT_ASSERT_MSG(maps_line(p[i], line, sizeof(line)),
			      "attachment %p not in /proc/self/maps", p[i]);
		xt_info("attachment %d: %s", i, strtok(line, "\n"));
		/* a shared mapping, exactly the window's size */
		unsigned long lo, hi;
		char perms[8];
		XT_ASSERT_EQ(sscanf(line, "%lx-%lx %7s", &lo, &hi, perms), 3);
		XT_ASSERT_EQ(lo, (uintptr_t)p[i]);
		XT_ASSERT_EQ(hi - lo, len - i * ps);
		XT_ASSERT_MSG(perms[3] == 's', "mapping is not shared: %s", perms);
		XT_ASSERT_MSG(perms[0] == 'r' && perms[1] == 'w',
			      "RDWR attachment is not rw: %s", perms);
	}
	for (i = 0; i < 4; i++) {
		int j;
		for (j = 0; j < 4; j++) {
			char *a0 = p[i], *a1 = p[i] + len - i * ps;
			char *b0 = p[j], *b1 = p[j] + len - j * ps;
			if (i != j && a0 < b1 && b0 < a1)
				XT_FAIL("attachments %d and %d overlap", i, j);
		}
		XT_ASSERT(!(p[i] < mine + len && mine < p[i] + len));
		XT_ASSERT_PATTERN(p[i], len - i * ps, 11, i * ps);
	}
	for (i = 0; i < (int)len; i++)
		if (mine[i] != 0x77)
			XT_FAIL("own mapping changed at byte %d", i);
	for (i = 0; i < 4; i++)
		xt_detach(p[i]);
	xt_owner_stop(&o);
	return 0;
}
