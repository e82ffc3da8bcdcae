// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attacher's writes into the owner's shared memory survive reclaim.
 * The owner maps shared memory and reads it (its entries are then
 * writable but clean: shared memory has no write notification), exports
 * it, the attacher writes every page through a read-write attachment,
 * and the owner asks for the pages to be reclaimed (MADV_PAGEOUT): the
 * owner must read back the attacher's data, and so must the attacher.
 * A clean shmem page is dropped by reclaim, so this fails unless the
 * driver dirties the owner's page when it maps it writable.
 * For each of: MAP_SHARED|MAP_ANONYMOUS, a memfd, SysV shm, a tmpfs file.
 */
#include "xt.h"

#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/syscall.h>

#define NPAGES 64

enum kind { SHARED_ANON, MEMFD, SYSV_SHM, TMPFS_FILE, NKINDS };
static const char *const names[NKINDS] = {
	"MAP_SHARED|MAP_ANONYMOUS", "memfd", "SysV shm", "tmpfs file",
};

static char *map_kind(enum kind k, size_t len)
{
	char path[64];
	void *p = MAP_FAILED;
	int fd = -1, id;

	switch (k) {
	case SHARED_ANON:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		break;
	case MEMFD:
		fd = (int)syscall(SYS_memfd_create, "xt-reclaim", 0);
		break;
	case SYSV_SHM:
		id = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
		XT_ASSERT(id >= 0);
		p = shmat(id, NULL, 0);
		XT_ASSERT(p != (void *)-1);
		XT_OK(shmctl(id, IPC_RMID, NULL));
		return p;
	case TMPFS_FILE:
		snprintf(path, sizeof(path), "/dev/shm/xt-reclaim-%d",
			 (int)getpid());
		fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		XT_ASSERT(fd >= 0);
		XT_OK(unlink(path));
		break;
	default:
		break;
	}
	if (fd >= 0) {
		XT_OK(ftruncate(fd, (off_t)len));
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
	}
	XT_ASSERT(p != MAP_FAILED);
	return p;
}

static int pageout(char *buf, size_t len)
{
	if (madvise(buf, len, MADV_PAGEOUT) == 0)
		return 1;
	XT_ASSERT_EQ(errno, EINVAL);	/* before 5.4 */
	return 0;
}

int main(void)
{
	size_t ps = XT_PS, len = NPAGES * ps;
	struct xt_owner o = { 0 };	/* makes its segments itself */
	volatile uint64_t sum = 0;
	unsigned int k;
	pid_t pid;
	int fd;

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		for (k = 0; k < NKINDS; k++) {
			char *buf = map_kind(k, len);
			size_t i;

			for (i = 0; i < len; i += ps)	/* read: clean entries */
				sum += *(volatile uint64_t *)(buf + i);
			XT_ASSERT_EQ(sum, 0);
			xt_send_u64(fd, xt_make(buf, len, 0600));
			xt_expect_u64(fd, 1);	/* the attacher wrote */
			if (!pageout(buf, len)) {
				xt_send_u64(fd, 0);
				xt_skip("no MADV_PAGEOUT");
			}
			XT_ASSERT_PATTERN(buf, len, 40 + k, 0);
			xt_send_u64(fd, 2);
			xt_expect_u64(fd, 3);
		}
		return 0;
	}
	for (k = 0; k < NKINDS; k++) {
		xpmem_segid_t s = xt_recv_u64(fd);
		xpmem_apid_t a;
		char *p = xt_get_attach(s, XPMEM_RDWR, len, &a);

		xt_fill(p, len, 40 + k, 0);
		xt_send_u64(fd, 1);
		if (xt_recv_u64(fd) != 2)
			break;		/* the owner skips */
		XT_ASSERT_PATTERN(p, len, 40 + k, 0);
		xt_detach(p);
		xt_release(a);
		xt_info("%s: the attacher's writes survived MADV_PAGEOUT",
			names[k]);
		xt_send_u64(fd, 3);
	}
	xt_wait_ok(pid);
	return 0;
}
