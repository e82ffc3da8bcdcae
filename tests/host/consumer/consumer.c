// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A client built against an installed libxpmem. Run without a device:
 * xpmem_version() must be < 0 with errno ENOENT or ENODEV, and the
 * libxpmem mapped into the process must come from the prefix given as
 * argv[1] (so it was the installed library, not the build tree's).
 */
#include <xpmem.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	char line[4096];
	const char *prefix = argc > 1 ? argv[1] : "";
	int found = 0, v;
	FILE *maps;

	errno = 0;
	v = xpmem_version();
	if (v >= 0 || (errno != ENOENT && errno != ENODEV)) {
		printf("FAIL: xpmem_version() = %d, errno %d (%s)\n", v, errno,
		       strerror(errno));
		return 1;
	}

	maps = fopen("/proc/self/maps", "r");
	while (maps && fgets(line, sizeof(line), maps)) {
		char *path = strchr(line, '/');

		if (path && strstr(path, "/libxpmem.so")) {
			found = 1;
			if (strncmp(path, prefix, strlen(prefix)) != 0) {
				printf("FAIL: libxpmem from %s", path);
				return 1;
			}
		}
	}
	if (maps)
		fclose(maps);
	if (!found) {
		printf("FAIL: libxpmem is not mapped\n");
		return 1;
	}
	printf("PASS: xpmem_version() = -1 (%s) from %s\n", strerror(errno),
	       prefix);
	return 0;
}
