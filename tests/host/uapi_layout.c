// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The ioctl ABI at run time: struct sizes and field offsets, command
 * numbers and values, checked against the table in docs (abi.md), which
 * is what every other XPMEM module and library uses on 64-bit Linux.
 * (The header's compile-time assertions are tested by header_check.sh.)
 */
#include <xpmem.h>

#include <stddef.h>
#include <stdio.h>

static int failures;

static void check(const char *what, unsigned long got, unsigned long want)
{
	if (got != want) {
		printf("FAIL %-28s %lu, want %lu\n", what, got, want);
		failures++;
	} else {
		printf("ok   %-28s %lu\n", what, got);
	}
}

#define SIZE(t, n) check("sizeof(struct " #t ")", sizeof(struct t), n)
#define OFF(t, f, n) check(#t "." #f, offsetof(struct t, f), n)
#define FSIZE(t, f, n) check("sizeof " #t "." #f, \
			     sizeof(((struct t *)0)->f), n)

int main(void)
{
	SIZE(xpmem_cmd_make, 40);
	OFF(xpmem_cmd_make, vaddr, 0);		FSIZE(xpmem_cmd_make, vaddr, 8);
	OFF(xpmem_cmd_make, size, 8);		FSIZE(xpmem_cmd_make, size, 8);
	OFF(xpmem_cmd_make, permit_type, 16);	FSIZE(xpmem_cmd_make, permit_type, 4);
	OFF(xpmem_cmd_make, permit_value, 24);	FSIZE(xpmem_cmd_make, permit_value, 8);
	OFF(xpmem_cmd_make, segid, 32);		FSIZE(xpmem_cmd_make, segid, 8);

	SIZE(xpmem_cmd_remove, 8);
	OFF(xpmem_cmd_remove, segid, 0);

	SIZE(xpmem_cmd_get, 32);
	OFF(xpmem_cmd_get, segid, 0);		FSIZE(xpmem_cmd_get, segid, 8);
	OFF(xpmem_cmd_get, flags, 8);		FSIZE(xpmem_cmd_get, flags, 4);
	OFF(xpmem_cmd_get, permit_type, 12);	FSIZE(xpmem_cmd_get, permit_type, 4);
	OFF(xpmem_cmd_get, permit_value, 16);	FSIZE(xpmem_cmd_get, permit_value, 8);
	OFF(xpmem_cmd_get, apid, 24);		FSIZE(xpmem_cmd_get, apid, 8);

	SIZE(xpmem_cmd_release, 8);
	OFF(xpmem_cmd_release, apid, 0);

	SIZE(xpmem_cmd_attach, 40);
	OFF(xpmem_cmd_attach, apid, 0);		FSIZE(xpmem_cmd_attach, apid, 8);
	OFF(xpmem_cmd_attach, offset, 8);	FSIZE(xpmem_cmd_attach, offset, 8);
	OFF(xpmem_cmd_attach, size, 16);	FSIZE(xpmem_cmd_attach, size, 8);
	OFF(xpmem_cmd_attach, vaddr, 24);	FSIZE(xpmem_cmd_attach, vaddr, 8);
	OFF(xpmem_cmd_attach, fd, 32);		FSIZE(xpmem_cmd_attach, fd, 4);
	OFF(xpmem_cmd_attach, flags, 36);	FSIZE(xpmem_cmd_attach, flags, 4);

	SIZE(xpmem_cmd_detach, 8);
	OFF(xpmem_cmd_detach, vaddr, 0);

	/* struct xpmem_addr is passed by value to xpmem_attach. */
	SIZE(xpmem_addr, 16);
	OFF(xpmem_addr, apid, 0);
	OFF(xpmem_addr, offset, 8);

	/* _IO('x', n) = 0x7800 + n: no size or direction bits. */
	check("XPMEM_CMD_VERSION", XPMEM_CMD_VERSION, 0x7800);
	check("XPMEM_CMD_MAKE", XPMEM_CMD_MAKE, 0x7801);
	check("XPMEM_CMD_REMOVE", XPMEM_CMD_REMOVE, 0x7802);
	check("XPMEM_CMD_GET", XPMEM_CMD_GET, 0x7803);
	check("XPMEM_CMD_RELEASE", XPMEM_CMD_RELEASE, 0x7804);
	check("XPMEM_CMD_ATTACH", XPMEM_CMD_ATTACH, 0x7805);
	check("XPMEM_CMD_DETACH", XPMEM_CMD_DETACH, 0x7806);
	check("XPMEM_CMD_FORK_BEGIN", XPMEM_CMD_FORK_BEGIN, 0x7807);
	check("XPMEM_CMD_FORK_END", XPMEM_CMD_FORK_END, 0x7808);

	check("XPMEM_RDONLY", XPMEM_RDONLY, 0x1);
	check("XPMEM_RDWR", XPMEM_RDWR, 0x2);
	check("XPMEM_PERMIT_MODE", XPMEM_PERMIT_MODE, 0x1);
	check("XPMEM_ERRNO_NOPROC", XPMEM_ERRNO_NOPROC, 2004);
	check("XPMEM_MAXADDR_SIZE", (size_t)XPMEM_MAXADDR_SIZE, (size_t)-1);
	check("XPMEM_VERSION_ENCODE(2,6,5)",
	      XPMEM_VERSION_ENCODE(2, 6, 5), 0x00026005);
	check("XPMEM_VERSION_ENCODE(2,7,4)",
	      XPMEM_VERSION_ENCODE(2, 7, 4), 0x00027004);
	check("XPMEM_VERSION_ENCODE(2,7,17)",
	      XPMEM_VERSION_ENCODE(2, 7, 17), 0x00027011);

	return failures ? 1 : 0;
}
