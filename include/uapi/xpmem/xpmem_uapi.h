/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * xpmem_uapi.h - the /dev/xpmem ioctl interface.
 *
 * This is the ABI spoken by every XPMEM module and library since the SGI
 * original: the command numbers, the argument structs and their layout
 * on 64-bit Linux, and the values of the flags. It is shared by the
 * kernel module (driver/) and libxpmem, and installed for users as
 * <xpmem/xpmem_uapi.h>; <xpmem.h> includes it.
 *
 * Every command is _IO('x', n): no size or direction is encoded. The
 * argument is a user pointer to the struct named in the comment, or
 * nothing. The structs use fixed-width types with the padding spelled
 * out, and every size and offset is checked at compile time below.
 */
#ifndef _UAPI_XPMEM_UAPI_H
#define _UAPI_XPMEM_UAPI_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Commands. */
#define XPMEM_CMD_VERSION	_IO('x', 0)	/* none; returns the version */
#define XPMEM_CMD_MAKE		_IO('x', 1)	/* struct xpmem_cmd_make */
#define XPMEM_CMD_REMOVE	_IO('x', 2)	/* struct xpmem_cmd_remove */
#define XPMEM_CMD_GET		_IO('x', 3)	/* struct xpmem_cmd_get */
#define XPMEM_CMD_RELEASE	_IO('x', 4)	/* struct xpmem_cmd_release */
#define XPMEM_CMD_ATTACH	_IO('x', 5)	/* struct xpmem_cmd_attach */
#define XPMEM_CMD_DETACH	_IO('x', 6)	/* struct xpmem_cmd_detach */
#define XPMEM_CMD_FORK_BEGIN	_IO('x', 7)	/* none; accepted, no effect */
#define XPMEM_CMD_FORK_END	_IO('x', 8)	/* none; accepted, no effect */

/* Access asked for by GET: exactly one of these. */
#define XPMEM_RDONLY		0x1
#define XPMEM_RDWR		0x2

/* The only permit type: permit_value of MAKE is a mode within 0777. */
#define XPMEM_PERMIT_MODE	0x1

/* MAKE with vaddr 0 and this size exports the whole address space. */
#define XPMEM_MAXADDR_SIZE	((__u64)-1)

/*
 * MAKE and GET fail with this (as -errno) in a process that uses a
 * descriptor it did not open (one inherited through fork); the library
 * then opens /dev/xpmem itself and retries once.
 */
#define XPMEM_ERRNO_NOPROC	2004

/*
 * The VERSION command returns major << 16 | minor << 12 | patch, with
 * minor < 16 and patch < 4096: the encoding of the earlier modules
 * (0x00026005 for 2.6.5, 0x00027011 for 2.7.17).
 */
#define XPMEM_VERSION_ENCODE(major, minor, patch) \
	(((major) << 16) | ((minor) << 12) | (patch))

struct xpmem_cmd_make {
	__u64 vaddr;		/* in: page-aligned start */
	__u64 size;		/* in: page-aligned size, or XPMEM_MAXADDR_SIZE */
	__s32 permit_type;	/* in: XPMEM_PERMIT_MODE */
	__u32 __pad0;		/* must be ignored */
	__u64 permit_value;	/* in: mode bits within 0777 */
	__s64 segid;		/* out: positive segment id */
};

struct xpmem_cmd_remove {
	__s64 segid;
};

struct xpmem_cmd_get {
	__s64 segid;
	__s32 flags;		/* XPMEM_RDONLY or XPMEM_RDWR */
	__s32 permit_type;	/* ignored */
	__u64 permit_value;	/* ignored */
	__s64 apid;		/* out: positive access permit id */
};

struct xpmem_cmd_release {
	__s64 apid;
};

struct xpmem_cmd_attach {
	__s64 apid;
	__s64 offset;		/* byte offset into the segment */
	__u64 size;		/* bytes */
	__u64 vaddr;		/* in: wanted address or 0; out: mapped address */
	__s32 fd;		/* ignored (the library sends its descriptor) */
	__s32 flags;		/* ignored (the library sends 0) */
};

struct xpmem_cmd_detach {
	__u64 vaddr;		/* any address inside the attachment */
};

/* The layout is the ABI: check it wherever this header is compiled. */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define __XPMEM_ASSERT(c, m) static_assert(c, m)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define __XPMEM_ASSERT(c, m) _Static_assert(c, m)
#else
/* C99 and C++98: a negative array size fails the build. */
#define __XPMEM_ASSERT_CAT2(a, b) a##b
#define __XPMEM_ASSERT_CAT(a, b) __XPMEM_ASSERT_CAT2(a, b)
#define __XPMEM_ASSERT(c, m) \
	typedef char __XPMEM_ASSERT_CAT(__xpmem_abi_check_, __LINE__)[(c) ? 1 : -1]
#endif

#define __XPMEM_OFF(t, f) __builtin_offsetof(struct t, f)

__XPMEM_ASSERT(sizeof(struct xpmem_cmd_make) == 40, "make size");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_make, vaddr) == 0, "make.vaddr");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_make, size) == 8, "make.size");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_make, permit_type) == 16, "make.permit_type");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_make, permit_value) == 24, "make.permit_value");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_make, segid) == 32, "make.segid");
__XPMEM_ASSERT(sizeof(struct xpmem_cmd_remove) == 8, "remove size");
__XPMEM_ASSERT(sizeof(struct xpmem_cmd_get) == 32, "get size");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_get, segid) == 0, "get.segid");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_get, flags) == 8, "get.flags");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_get, permit_type) == 12, "get.permit_type");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_get, permit_value) == 16, "get.permit_value");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_get, apid) == 24, "get.apid");
__XPMEM_ASSERT(sizeof(struct xpmem_cmd_release) == 8, "release size");
__XPMEM_ASSERT(sizeof(struct xpmem_cmd_attach) == 40, "attach size");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_attach, apid) == 0, "attach.apid");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_attach, offset) == 8, "attach.offset");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_attach, size) == 16, "attach.size");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_attach, vaddr) == 24, "attach.vaddr");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_attach, fd) == 32, "attach.fd");
__XPMEM_ASSERT(__XPMEM_OFF(xpmem_cmd_attach, flags) == 36, "attach.flags");
__XPMEM_ASSERT(sizeof(struct xpmem_cmd_detach) == 8, "detach size");
__XPMEM_ASSERT(XPMEM_CMD_VERSION == 0x7800 && XPMEM_CMD_FORK_END == 0x7808,
	       "command numbers");

#undef __XPMEM_OFF
#undef __XPMEM_ASSERT
#undef __XPMEM_ASSERT_CAT
#undef __XPMEM_ASSERT_CAT2

#endif /* _UAPI_XPMEM_UAPI_H */
