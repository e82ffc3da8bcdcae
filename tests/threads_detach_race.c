// SPDX-License-Identifier: GPL-2.0-only
/*
 * One thread detaches an attachment while another thread of the same
 * process is reading it. The reader sees correct data until the
 * attachment is gone, then a fault (SIGSEGV, or SIGBUS while it is being
 * torn down) - never wrong data, never a hang or a crash of the process.
 * Repeated with different timings; the owner also unmaps its memory
 * under a reading attacher (SIGBUS expected then).
 */
#include "xt.h"

#include <pthread.h>

#define ROUNDS 40
#define NPAGES 64

static size_t ps;
static char *volatile att;
static volatile int go;
static long nreads;

static void *reader(void *arg)
{
	uint64_t r = 77, v;
	int *sig = arg;

	while (!go)
		;
	double t0 = xt_now();
	for (unsigned long n = 0;; n++) {
		/* bounded: a driver that never faults must not hang us */
		if ((n & 1023) == 0 && xt_now() - t0 > 20) {
			*sig = -2;
			return NULL;
		}
		r ^= r << 13; r ^= r >> 7; r ^= r << 17;
		size_t page = r % NPAGES;
		*sig = xt_probe_read(att + page * ps + 8, &v);
		if (*sig)
			return NULL;
		if (v != xt_pat(3, page * ps + 8))
			XT_FAIL("reader: page %zu reads 0x%llx", page,
				(unsigned long long)v);
		nreads++;
	}
}

int main(void)
{
	int fd, k;
	pid_t pid;
	pthread_t th;
	int sig;

	ps = XT_PS;
	size_t len = NPAGES * ps;
	struct xt_owner o = { .len = len, .seed = 3, .mode = 0600 };

	pid = xt_owner_fork(&o);
	fd = o.fd;
	if (pid == 0) {
		char *buf = o.buf;
		xt_expect_u64(fd, 1);
		usleep(20000);
		XT_OK(munmap(buf, len));
		xt_expect_u64(fd, 2);
		return 0;
	}
	xpmem_apid_t a = xt_get(o.segid, XPMEM_RDWR);

	for (k = 0; k < ROUNDS; k++) {
		att = xt_attach(a, 0, len, NULL);
		go = 0;
		sig = -1;
		XT_ASSERT_EQ(pthread_create(&th, NULL, reader, &sig), 0);
		go = 1;
		usleep((k % 8) * 500);
		xt_detach(att);
		pthread_join(th, NULL);
		if (sig != SIGSEGV && sig != SIGBUS)
			XT_FAIL("round %d: reader ended with %s", k,
				sig == -2 ? "no fault 20 s after the detach" :
				xt_signame(sig));
	}
	xt_info("%d detach races, %ld reads", ROUNDS, nreads);

	/* the owner unmaps while we read */
	att = xt_attach(a, 0, len, NULL);
	go = 0;
	sig = -1;
	XT_ASSERT_EQ(pthread_create(&th, NULL, reader, &sig), 0);
	go = 1;
	xt_send_u64(fd, 1);
	pthread_join(th, NULL);
	XT_ASSERT_MSG(sig == SIGBUS, "reader under owner munmap ended with %s",
		      sig == -2 ? "no fault 20 s after the owner's munmap (stale "
		      "mapping)" : xt_signame(sig));
	xt_detach(att);
	xt_send_u64(fd, 2);
	xt_wait_ok(pid);
	return 0;
}
