// SPDX-License-Identifier: GPL-2.0-only
/*
 * Two processes attach each other's memory (like every pair of MPI ranks)
 * and, at the same time, each one faults through its attachment of the
 * peer (taking the peer's mmap_lock for read) while another of its
 * threads changes its own exported memory (mmap MAP_FIXED, MADV_DONTNEED,
 * mprotect: its own mmap_lock for write, invalidating the peer). The
 * lock order of the driver must not deadlock (the alarm fails the test if
 * it does) and every value read must belong to its page.
 */
#include "xt.h"

#include <pthread.h>

#define NPAGES 512
#define OPS 400

static size_t ps, len;
static char *mine, *peer;
static volatile int stop;
static long nreads;

static void *reader(void *arg)
{
	uint64_t r = (uintptr_t)arg, v;

	while (!stop) {
		r ^= r << 13; r ^= r >> 7; r ^= r << 17;
		size_t page = r % NPAGES;
		v = *(volatile uint64_t *)(peer + page * ps + 16);
		if (v != 0 && (v & 0xffffffffffffULL) != page * ps + 16)
			XT_FAIL("page %zu reads 0x%llx", page, (unsigned long long)v);
		nreads++;
	}
	return NULL;
}

static void *mutator(void *arg)
{
	uint64_t r = (uintptr_t)arg;

	for (int i = 0; i < OPS; i++) {
		r ^= r << 13; r ^= r >> 7; r ^= r << 17;
		size_t first = r % (NPAGES - 8), n = 1 + (r >> 40) % 8;
		char *at = mine + first * ps;
		switch (i % 3) {
		case 0:
			XT_ASSERT(mmap(at, n * ps, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				       -1, 0) == at);
			break;
		case 1:
			XT_OK(madvise(at, n * ps, MADV_DONTNEED));
			break;
		case 2:
			XT_OK(mprotect(at, n * ps, PROT_READ));
			XT_OK(mprotect(at, n * ps, PROT_READ | PROT_WRITE));
			break;
		}
		xt_fill(at, n * ps, 1 + i % 100, first * ps);
	}
	return NULL;
}

static int side(int fd, int id)
{
	pthread_t rt, mt;

	mine = xt_map_anon(len);
	xt_fill(mine, len, 1, 0);
	xt_send_u64(fd, xt_make(mine, len, 0600));
	peer = xt_attach(xt_get(xt_recv_u64(fd), XPMEM_RDWR), 0, len, NULL);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 1);
	XT_ASSERT_EQ(pthread_create(&rt, NULL, reader, (void *)(uintptr_t)(11 + id)), 0);
	XT_ASSERT_EQ(pthread_create(&mt, NULL, mutator, (void *)(uintptr_t)(23 + id)), 0);
	pthread_join(mt, NULL);
	/* keep reading until the peer's mutator is done as well */
	xt_send_u64(fd, 2);
	xt_expect_u64(fd, 2);
	stop = 1;
	pthread_join(rt, NULL);
	xt_info("side %d: %ld reads during %d changes", id, nreads, OPS);
	xt_detach(peer);
	xt_send_u64(fd, 3);
	xt_expect_u64(fd, 3);
	return 0;
}

int main(void)
{
	struct xt_chan ch;
	pid_t pid;

	ps = XT_PS;
	len = NPAGES * ps;
	xt_set_timeout(280);
	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0)
		return side(xt_chan_end(&ch, 1), 1);
	side(xt_chan_end(&ch, 0), 0);
	xt_wait_ok(pid);
	return 0;
}
