/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A consumer of the installed libxpmem, built by the packaging tests with
 * pkg-config xpmem, pkg-config cray-xpmem and CMake find_package(xpmem).
 *
 * It prints the file libxpmem was loaded from (/proc/self/maps), then uses
 * the API on its own memory: xpmem_version() > 0, a segment of a buffer,
 * a permit, an attachment whose bytes must be the buffer's (and a write
 * through it must show in the buffer), then detach, release, remove.
 *
 * Exit: 0 all of it worked; 1 with a message otherwise.  Without the
 * module (a chroot) it stops at xpmem_version() with the message
 * "no xpmem device: <errno text>" and exit 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xpmem.h>

static int fail(const char *what)
{
	printf("FAIL: %s: %s\n", what, strerror(errno));
	return 1;
}

/* The path of the mapped file that holds xpmem_version's code. */
static void print_library(void)
{
	unsigned long fn = (unsigned long)&xpmem_version, lo, hi;
	char line[4096], path[4096];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		path[0] = '\0';
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %4095s", &lo, &hi, path) < 2)
			continue;
		if (fn >= lo && fn < hi) {
			printf("libxpmem: %s\n", path[0] ? path : "?");
			break;
		}
	}
	fclose(f);
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t size = 4 * (size_t)page, i;
	struct xpmem_addr addr;
	xpmem_segid_t segid;
	xpmem_apid_t apid;
	unsigned char *buf, *at;
	int v;

	setvbuf(stdout, NULL, _IOLBF, 0);
	print_library();
	v = xpmem_version();
	if (v < 0) {
		if (errno == ENOENT || errno == ENODEV || errno == ENXIO) {
			printf("no xpmem device: %s\n", strerror(errno));
			return 1;
		}
		return fail("xpmem_version");
	}
	if (v == 0) {
		printf("FAIL: xpmem_version() returned 0\n");
		return 1;
	}
	printf("module %d.%d.%d\n", v >> 16, (v >> 12) & 0xf, v & 0xfff);

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return fail("mmap");
	for (i = 0; i < size; i++)
		buf[i] = (unsigned char)(i * 13 + 5);

	segid = xpmem_make(buf, size, XPMEM_PERMIT_MODE, (void *)0600);
	if (segid <= 0)
		return fail("xpmem_make");
	apid = xpmem_get(segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL);
	if (apid <= 0)
		return fail("xpmem_get");
	addr.apid = apid;
	addr.offset = 0;
	at = xpmem_attach(addr, size, NULL);
	if (at == (void *)-1)
		return fail("xpmem_attach");
	if (at == buf) {
		printf("FAIL: the attachment is the buffer itself\n");
		return 1;
	}
	for (i = 0; i < size; i++) {
		if (at[i] != (unsigned char)(i * 13 + 5)) {
			printf("FAIL: byte %zu through the attachment is %u, want %u\n",
			       i, at[i], (unsigned char)(i * 13 + 5));
			return 1;
		}
	}
	at[size - 1] ^= 0xff;
	if (buf[size - 1] != (unsigned char)(((size - 1) * 13 + 5) ^ 0xff)) {
		printf("FAIL: a write through the attachment did not reach the buffer\n");
		return 1;
	}
	if (xpmem_detach(at) != 0)
		return fail("xpmem_detach");
	if (xpmem_release(apid) != 0)
		return fail("xpmem_release");
	if (xpmem_remove(segid) != 0)
		return fail("xpmem_remove");
	printf("segment %lld, permit %lld: %zu bytes read and written through the attachment; detached, released, removed\n",
	       (long long)segid, (long long)apid, size);
	return 0;
}
