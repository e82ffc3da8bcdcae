// SPDX-License-Identifier: GPL-2.0-only
/*
 * Four threads of the attacher fault the same attachment at the same
 * time (first touches race on the same pages), then keep reading while
 * the owner concurrently zaps (MADV_DONTNEED) and rewrites ranges. Every
 * word read must belong to its own page: the owner's pattern for that
 * offset (any generation) or zero - never another page's data, never a
 * signal, never a hang.
 */
#include "xt.h"

#include <pthread.h>

#define NT 4
#define NPAGES 2048
#define OWNER_OPS 300

static char *att;
static size_t ps;
static volatile int stop;
static pthread_barrier_t bar;
static long reads[NT];

static void check_word(int t, size_t page, size_t w, uint64_t v, int allow_zero)
{
	uint64_t off = page * ps + w * 8;

	if (v == 0 && allow_zero)
		return;
	if ((v & 0xffffffffffffULL) != off || (v >> 48) < 1 || (v >> 48) > 9)
		XT_FAIL("thread %d: page %zu word %zu = 0x%016llx (expected "
			"offset 0x%llx)", t, page, w, (unsigned long long)v,
			(unsigned long long)off);
}

static void *reader(void *arg)
{
	int t = (int)(intptr_t)arg;
	size_t k, page;

	pthread_barrier_wait(&bar);
	/* phase 1: everyone walks all pages, from different starts */
	for (k = 0; k < NPAGES; k++) {
		page = (k + (size_t)t * 7) % NPAGES;
		const volatile uint64_t *w = (const uint64_t *)(att + page * ps);
		check_word(t, page, 0, w[0], 0);
		check_word(t, page, ps / 8 - 1, w[ps / 8 - 1], 0);
	}
	pthread_barrier_wait(&bar);
	/* phase 2: random reads while the owner changes things */
	uint64_t r = 0x1234567 + t;
	while (!stop) {
		r ^= r << 13; r ^= r >> 7; r ^= r << 17;
		page = r % NPAGES;
		size_t w = (r >> 20) % (ps / 8);
		uint64_t v = ((const volatile uint64_t *)(att + page * ps))[w];
		check_word(t, page, w, v, 1);
		reads[t]++;
	}
	return NULL;
}

int main(void)
{
	int fd, t;
	pid_t pid;
	pthread_t th[NT];

	ps = XT_PS;
	size_t len = NPAGES * ps;
	struct xt_owner o = { .len = len, .seed = 1, .mode = 0600,
			      .nohugepage = 1 };

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		char *buf = o.buf;
		xt_expect_u64(fd, 1);
		uint64_t r = 99;
		for (int i = 0; i < OWNER_OPS; i++) {
			r ^= r << 13; r ^= r >> 7; r ^= r << 17;
			size_t first = r % (NPAGES - 16), n = 1 + (r >> 32) % 16;
			XT_OK(madvise(buf + first * ps, n * ps, MADV_DONTNEED));
			xt_fill(buf + first * ps, n * ps, 1 + i % 9, first * ps);
		}
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);	/* stay alive until the readers stop */
		return 0;
	}
	att = xt_get_attach(o.segid, XPMEM_RDWR, len, NULL);
	pthread_barrier_init(&bar, NULL, NT + 1);
	for (t = 0; t < NT; t++)
		XT_ASSERT_EQ(pthread_create(&th[t], NULL, reader,
					    (void *)(intptr_t)t), 0);
	double t0 = xt_now();
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar);
	xt_info("concurrent first touch of %d pages by %d threads: %.2f s",
		NPAGES, NT, xt_now() - t0);
	xt_step(fd, 1);
	stop = 1;
	for (t = 0; t < NT; t++)
		pthread_join(th[t], NULL);
	xt_send_u64(fd, 3);
	xt_wait_ok(pid);
	for (t = 0; t < NT; t++)
		xt_info("thread %d: %ld reads during owner changes", t, reads[t]);
	xt_detach(att);
	return 0;
}
