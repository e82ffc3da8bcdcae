// SPDX-License-Identifier: GPL-2.0-only
/*
 * Closing the raw /dev/xpmem descriptor while other threads use it:
 * worker threads get, attach, touch and detach in a loop through a shared
 * descriptor number while another thread closes it and opens the device
 * again (often getting the same number back). Nothing crashes or hangs:
 * every ioctl succeeds or fails with EBADF (closed), EINVAL/ENOENT (ids of
 * the previous context) or EINTR; attachments of an old context stay
 * readable until unmapped. The work runs in a child; once it exits the
 * module's counters are back where they started, and the device still
 * works.
 */
#include "lim.h"

#include <pthread.h>

#define NTHREADS 3
#define SECONDS 10
#define LEN (64 * 4096UL)

static volatile int dev_fd = -1;
static volatile int stop;
/* bumped by every close/reopen: ids may then name another context's
 * permits, which other threads release (their attachments then raise
 * SIGBUS, which is right) */
static volatile unsigned long reopen_gen;
/*
 * A thread whose iteration began before a reopen may use its old apids
 * on the new context, releasing another thread's permit (whose
 * attachments then raise SIGBUS, rightly). tgen[t] is the generation a
 * thread's current iteration began with; stale_iters counts iterations
 * that ended stale.
 */
static volatile unsigned long tgen[NTHREADS];
static volatile unsigned long stale_iters;

static int sigbus_explained(unsigned long gen, unsigned long stale0)
{
	if (reopen_gen != gen || stale_iters != stale0)
		return 1;
	for (int t = 0; t < NTHREADS; t++)
		if (tgen[t] != reopen_gen)
			return 1;
	return 0;
}
static xpmem_segid_t segid;
static unsigned long n_ok[NTHREADS], n_err[NTHREADS], n_bus[NTHREADS];
static unsigned long n_reopen;

static void check_errno(int e, const char *what)
{
	if (e != EBADF && e != EINVAL && e != ENOENT && e != EINTR)
		XT_FAIL("%s: unexpected errno %d (%s)", what, e, strerror(e));
}

static void *worker(void *arg)
{
	long t = (long)arg;
	char *atts[8];
	uint64_t offs[8];
	int natts = 0;
	unsigned long i = 0;

	while (!stop) {
		if (tgen[t] != reopen_gen)
			__atomic_add_fetch(&stale_iters, 1, __ATOMIC_SEQ_CST);
		unsigned long stale0 = stale_iters;
		unsigned long gen = reopen_gen;
		tgen[t] = gen;
		int fd = dev_fd;
		struct xpmem_cmd_get g = { .segid = segid, .flags = XPMEM_RDWR,
					  .permit_type = XPMEM_PERMIT_MODE };
		int r = lim_ioctl(fd, XPMEM_CMD_GET, &g);
		if (r) {
			check_errno(-r, "GET");
			n_err[t]++;
			continue;
		}
		struct xpmem_cmd_attach c = {
			.apid = g.apid, .offset = (int64_t)((i % 16) * 4096),
			.size = 16 * 4096, .fd = fd,
		};
		r = lim_ioctl(fd, XPMEM_CMD_ATTACH, &c);
		if (r) {
			check_errno(-r, "ATTACH");
			n_err[t]++;
		} else {
			char *p = (char *)(uintptr_t)c.vaddr;
			uint64_t v;
			/* the data of the owner (this process) */
			int sig = xt_probe_read(p, &v);
			if (sig == SIGBUS && sigbus_explained(gen, stale0))
				n_bus[t]++;
			else if (sig)
				XT_FAIL("%s reading a fresh attachment, no thread "
					"working with ids of an older context",
					xt_signame(sig));
			else
				XT_ASSERT_EQ(v, xt_pat(61, (i % 16) * 4096));
			offs[natts] = c.offset;
			atts[natts++] = p;
			n_ok[t]++;
		}
		if (natts == 8 || (r == 0 && i % 3 == 0)) {
			while (natts) {
				char *p = atts[--natts];
				struct xpmem_cmd_detach d = { (uintptr_t)p };
				r = lim_ioctl(dev_fd, XPMEM_CMD_DETACH, &d);
				if (r) {
					/*
					 * made through a context closed since:
					 * still mapped, still the owner's data
					 */
					check_errno(-r, "DETACH");
					uint64_t v;
					int sig = xt_probe_read(p, &v);
					if (sig == SIGBUS)
						n_bus[t]++;
					else if (sig)
						XT_FAIL("%s reading an attachment of "
							"a closed context",
							xt_signame(sig));
					else
						XT_ASSERT_EQ(v, xt_pat(61, offs[natts]));
					munmap(p, 16 * 4096);
				}
			}
		}
		struct xpmem_cmd_release rl = { g.apid };
		r = lim_ioctl(fd, XPMEM_CMD_RELEASE, &rl);
		if (r)
			check_errno(-r, "RELEASE");
		i++;
	}
	while (natts)
		munmap(atts[--natts], 16 * 4096);
	return NULL;
}

static int work(void *arg)
{
	pthread_t th[NTHREADS];
	long t;
	(void)arg;

	/* the segment lives in a context nobody closes (libxpmem's) */
	char *mem = xt_map_anon(LEN);
	xt_fill(mem, LEN, 61, 0);
	segid = xt_make(mem, LEN, 0600);
	dev_fd = xt_open_dev();
	for (t = 0; t < NTHREADS; t++)
		XT_ASSERT_EQ(pthread_create(&th[t], NULL, worker, (void *)t), 0);
	double t0 = xt_now();
	while (xt_now() - t0 < SECONDS) {
		usleep(1000 + rand() % 20000);
		int old = dev_fd;
		reopen_gen++;
		close(old);
		usleep(rand() % 2000);
		reopen_gen++;
		int nfd = xt_open_dev();
		dev_fd = nfd;
		reopen_gen++;
		n_reopen++;
	}
	stop = 1;
	for (t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	unsigned long ok = 0, err = 0, bus = 0;
	for (t = 0; t < NTHREADS; t++) {
		ok += n_ok[t];
		err += n_err[t];
		bus += n_bus[t];
	}
	xt_info("%lu reopens, %lu attaches, %lu failed calls, %lu SIGBUS on "
		"attachments whose permit another thread released", n_reopen,
		ok, err, bus);
	XT_ASSERT_GT(ok, 0);
	XT_ASSERT_GT(n_reopen, 10);
	close(dev_fd);
	xt_remove(segid);
	return 0;
}

int main(void)
{
	struct xt_stats base = xt_stats();

	xt_set_timeout(200);
	pid_t pid = xt_spawn(work, NULL);
	int st = lim_reap_within(pid, 120, "the worker process");
	XT_ASSERT_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "worker: status 0x%x", st);
	lim_expect_stats(&base, "after the worker exited");

	/* the device still works */
	lim_check_device_works(16 * XT_PS, 62);
	return 0;
}
