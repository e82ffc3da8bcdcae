// SPDX-License-Identifier: GPL-2.0-only
/*
 * SIGKILL reaches an attacher in the middle of faulting a huge window:
 *   1. the owner's memory is never touched, so every attacher fault
 *      allocates in the owner, while the owner keeps its mmap_lock busy
 *      (mprotect/munmap/mmap of a large populated region) so that the
 *      attacher's faults also wait for the owner's lock; the attacher is
 *      killed at random moments, many times;
 *   2. where userfaultfd exists, the window covers a userfaultfd-
 *      registered range of the owner whose faults are never served: the
 *      attacher's fault must not wait for it forever (SIGBUS), and if it
 *      does wait it must die of SIGKILL.
 * Every killed attacher is reaped within a few seconds and never stays
 * in D state; the owner is unaffected and the module's counters come
 * back where they started.
 */
#include "lim.h"

#include <linux/userfaultfd.h>
#include <sys/syscall.h>

#define WINDOW (512UL * XT_MiB)
#define BUSY (64UL * XT_MiB)
#define ROUNDS 12

static volatile int stop_busy;

/* The owner keeps its mmap_lock busy with big populated regions. */
static void owner_busy_loop(void)
{
	char *b = mmap(NULL, BUSY, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned i = 0;

	XT_ASSERT(b != MAP_FAILED);
	memset(b, 1, BUSY);
	for (;;) {
		/* write-locked operations over a populated range */
		mprotect(b, BUSY, (i & 1) ? PROT_READ | PROT_WRITE : PROT_READ);
		if ((i % 8) == 7) {
			munmap(b, BUSY);
			b = mmap(b, BUSY, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			XT_ASSERT(b != MAP_FAILED);
			memset(b, 1, BUSY);
		}
		i++;
	}
}

static int attacher_fault_forever(void *arg)
{
	xpmem_segid_t s = *(xpmem_segid_t *)arg;
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);
	struct xpmem_addr xa = { a, 0 };
	char *p = xpmem_attach(xa, WINDOW, NULL);
	size_t i, ps = XT_PS;

	XT_ASSERT(p != XT_XPMEM_FAILED);
	/* fault everything, over and over, until killed */
	for (;;) {
		for (i = 0; i < WINDOW; i += ps)
			((volatile char *)p)[i] = 1;
		madvise(p, WINDOW, MADV_DONTNEED);	/* zap our PTEs */
	}
	return 0;
}

/* Part 2: a window over a userfaultfd range nobody serves. */
static int uffd_attacher(void *arg)
{
	xpmem_segid_t s = *(xpmem_segid_t *)arg;
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);
	struct xpmem_addr xa = { a, 0 };
	char *p = xpmem_attach(xa, 16 * XT_PS, NULL);
	uint64_t v;

	XT_ASSERT(p != XT_XPMEM_FAILED);
	int sig = xt_probe_read(p + 3 * XT_PS, &v);
	xt_info("uffd attacher: read gave %s", xt_signame(sig));
	/* exits 0 after SIGBUS; data would mean the range was served */
	return sig == SIGBUS ? 0 : 2;
}

int main(void)
{
	struct xt_stats base = xt_stats();
	struct xt_chan ch;
	int fd, r;
	unsigned seed = (unsigned)time(NULL);

	srand(seed);
	xt_info("random kill delays, seed %u", seed);
	xt_set_timeout(280);
	xt_chan_init(&ch);
	pid_t owner = xt_fork();
	if (owner == 0) {
		fd = xt_chan_end(&ch, 1);
		char *mem = mmap(NULL, WINDOW, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				 -1, 0);
		XT_ASSERT(mem != MAP_FAILED);
		xt_send_u64(fd, (uint64_t)xt_make(mem, WINDOW, 0600));
		/* the userfaultfd range, if the kernel lets us */
		char *u = mmap(NULL, 16 * XT_PS, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int ufd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
		int64_t us = -1;
		if (ufd >= 0) {
			struct uffdio_api api = { .api = UFFD_API };
			struct uffdio_register reg = {
				.range = { (uintptr_t)u, 16 * XT_PS },
				.mode = UFFDIO_REGISTER_MODE_MISSING,
			};
			if (ioctl(ufd, UFFDIO_API, &api) == 0 &&
			    ioctl(ufd, UFFDIO_REGISTER, &reg) == 0)
				us = xt_make(u, 16 * XT_PS, 0600);
		}
		xt_send_u64(fd, (uint64_t)us);
		owner_busy_loop();
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_segid_t s = (xpmem_segid_t)xt_recv_u64(fd);
	xpmem_segid_t us = (xpmem_segid_t)xt_recv_u64(fd);

	int n_in_fault = 0, n_in_kernel = 0;
	char path[64];

	for (r = 0; r < ROUNDS; r++) {
		pid_t att = xt_spawn(attacher_fault_forever, &s);
		/* 0.05 .. 2 s into the faults */
		usleep(50000 + (rand() % 1950) * 1000);
		char st0 = lim_proc_state(att);
		XT_ASSERT_MSG(st0 != 0 && st0 != 'Z',
			      "round %d: the attacher ended by itself", r);
		/* where it is in the kernel right now (diagnostics only) */
		char kstack[4096] = "";
		snprintf(path, sizeof(path), "/proc/%d/stack", (int)att);
		int sfd = open(path, O_RDONLY | O_CLOEXEC);
		if (sfd >= 0) {
			ssize_t k = read(sfd, kstack, sizeof(kstack) - 1);
			kstack[k > 0 ? k : 0] = 0;
			close(sfd);
		}
		int in_fault = strstr(kstack, "xpmem_fault") != NULL ||
			       strstr(kstack, "hmm_range_fault") != NULL;
		int in_kernel = strstr(kstack, "asm_exc_page_fault") != NULL ||
				strstr(kstack, "handle_mm_fault") != NULL;
		n_in_fault += in_fault;
		n_in_kernel += in_kernel;
		XT_OK(kill(att, SIGKILL));
		int st = lim_reap_within(att, 10, "the killed attacher");
		XT_ASSERT_MSG(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
			      "round %d: attacher status 0x%x (state before "
			      "the kill %c)", r, st, st0);
		xt_info("round %d: killed in state %c%s", r, st0,
			in_fault ? ", inside the xpmem fault" :
			in_kernel ? ", inside a page fault" : "");
	}

	xt_info("%d kills, %d of them seen inside the xpmem fault path, %d "
		"inside a page fault", ROUNDS, n_in_fault, n_in_kernel);

	if (us > 0) {
		pid_t att = xt_spawn(uffd_attacher, &us);
		double t0 = xt_now();
		int st = 0, done = 0;
		while (xt_now() - t0 < 5) {
			if (waitpid(att, &st, WNOHANG) == att) {
				done = 1;
				break;
			}
			usleep(20000);
		}
		if (done) {
			XT_ASSERT_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
				      "uffd attacher: status 0x%x", st);
		} else {
			xt_info("uffd attacher still waiting after 5 s (state "
				"%c): killing it", lim_proc_state(att));
			kill(att, SIGKILL);
			st = lim_reap_within(att, 10, "the uffd attacher");
			XT_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		}
	} else {
		xt_info("no userfaultfd: part 2 not run");
	}

	/* the owner is still fine */
	XT_ASSERT_EQ(waitpid(owner, NULL, WNOHANG), 0);
	kill(owner, SIGKILL);
	/*
	 * The owner frees up to 512 MiB the attachers faulted in, plus its
	 * busy range: seen to take over 10 s of a TCG guest whose vCPUs got
	 * half a host CPU each. Not the point of this test (a killed
	 * attacher dies at once): a minute bounds a livelock all the same.
	 */
	lim_reap_within(owner, 60, "the owner");
	lim_expect_stats(&base, "after all attachers and the owner are gone");
	return 0;
}
