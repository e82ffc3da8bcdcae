// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Uses everything <xpmem.h> declares, with the exact types of abi.md.
 * Compiled as C99, C11, C++98 and C++11 with warnings as errors, linked
 * against libxpmem and run without a device: every call must fail with
 * -1 and errno ENOENT or ENODEV. Linking from C++ proves extern "C".
 */
#include <xpmem.h>

/* The header's helper macros stay inside it. */
#if defined(__XPMEM_ASSERT) || defined(__XPMEM_ASSERT_CAT) || \
	defined(__XPMEM_ASSERT_CAT2) || defined(__XPMEM_OFF)
#error "<xpmem.h> leaks its layout-assertion macros"
#endif

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Types as abi.md spells them. */
typedef char check_segid_size[sizeof(xpmem_segid_t) == 8 ? 1 : -1];
typedef char check_apid_size[sizeof(xpmem_apid_t) == 8 ? 1 : -1];
typedef char check_segid_signed[(xpmem_segid_t)-1 < 0 ? 1 : -1];
typedef char check_apid_signed[(xpmem_apid_t)-1 < 0 ? 1 : -1];
typedef char check_addr_size[sizeof(struct xpmem_addr) ==
			     sizeof(xpmem_apid_t) + sizeof(off_t) ? 1 : -1];
typedef char check_addr_typedef[sizeof(xpmem_addr_t) ==
				sizeof(struct xpmem_addr) ? 1 : -1];
typedef char check_values[XPMEM_RDONLY == 0x1 && XPMEM_RDWR == 0x2 &&
			  XPMEM_PERMIT_MODE == 0x1 &&
			  XPMEM_ERRNO_NOPROC == 2004 ? 1 : -1];

static int failures;

static void expect_fail(const char *what, long ret)
{
	int err = errno;

	if (ret != -1 || (err != ENOENT && err != ENODEV)) {
		printf("FAIL %s: returned %ld, errno %d (%s)\n", what, ret,
		       err, strerror(err));
		failures++;
	}
}

int main(void)
{
	/* Exact prototypes: a mismatch is an error in C++ and, with
	 * -Werror, in C. */
	int (*f_init)(void) = xpmem_init;
	int (*f_version)(void) = xpmem_version;
	xpmem_segid_t (*f_make)(void *, size_t, int, void *) = xpmem_make;
	int (*f_remove)(xpmem_segid_t) = xpmem_remove;
	xpmem_apid_t (*f_get)(xpmem_segid_t, int, int, void *) = xpmem_get;
	int (*f_release)(xpmem_apid_t) = xpmem_release;
	void *(*f_attach)(struct xpmem_addr, size_t, void *) = xpmem_attach;
	int (*f_detach)(void *) = xpmem_detach;
	int (*f_ioctl)(int, void *) = xpmem_ioctl;
	xpmem_addr_t addr;
	struct xpmem_addr *paddr = &addr;
	size_t whole = XPMEM_MAXADDR_SIZE;

	paddr->apid = 1;
	paddr->offset = 0;

	expect_fail("xpmem_init", f_init());
	expect_fail("xpmem_version", f_version());
	expect_fail("xpmem_make", (long)f_make(NULL, whole, XPMEM_PERMIT_MODE,
					       (void *)0600));
	expect_fail("xpmem_remove", f_remove(1));
	expect_fail("xpmem_get", (long)f_get(1, XPMEM_RDWR, XPMEM_PERMIT_MODE,
					     NULL));
	expect_fail("xpmem_release", f_release(1));
	expect_fail("xpmem_attach",
		    f_attach(addr, 4096, NULL) == (void *)-1 ? -1L : 0L);
	expect_fail("xpmem_detach", f_detach((void *)4096));
	expect_fail("xpmem_ioctl", f_ioctl((int)XPMEM_CMD_VERSION, NULL));

	if (whole != (size_t)-1) {
		printf("FAIL XPMEM_MAXADDR_SIZE is not (size_t)-1\n");
		failures++;
	}
	if (failures)
		return 1;
	printf("PASS\n");
	return 0;
}
