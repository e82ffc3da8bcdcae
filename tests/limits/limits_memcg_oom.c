// SPDX-License-Identifier: GPL-2.0-only
/*
 * An attacher write-faulting a large window of an owner's never-touched
 * memory makes the kernel allocate the pages in the owner's mm, charged
 * to the owner's memory cgroup. With the owner in a small memcg
 * (cgroup v2 memory.max), the charge hits the limit in the middle of the
 * attacher's faults: the memcg OOM killer kills the owner (memory.events
 * oom_kill), and then
 *   - the attacher is not killed and not hung: its faults end (SIGBUS
 *     once the owner is gone) and it exits by itself within the limit,
 *     never staying in D state;
 *   - the survivor works afterwards: a new owner/attacher pair shares
 *     data fine, and the module's counters are back where they started.
 * Skips (77) without cgroup v2 or its memory controller.
 */
#include "lim.h"

#include <sys/stat.h>

#define CG_ROOT "/sys/fs/cgroup"
#define CG CG_ROOT "/xpmem-oom"
#define WINDOW (256UL * XT_MiB)
#define LIMIT "32M"

static long oom_kills(void)
{
	return xt_proc_field(CG "/memory.events", "oom_kill");
}

struct shared_ids {
	xpmem_segid_t segid;
};

/* The attacher: write one word in every page of the window. */
static int attacher(void *arg)
{
	xpmem_segid_t s = *(xpmem_segid_t *)arg;
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);
	struct xpmem_addr xa = { a, 0 };
	char *p = xpmem_attach(xa, WINDOW, NULL);
	size_t i, ps = XT_PS, done = 0;
	int sig = 0;

	XT_ASSERT(p != XT_XPMEM_FAILED);
	for (i = 0; i < WINDOW; i += ps) {
		sig = xt_probe_write(p + i, i + 1);
		if (sig)
			break;
		done += ps;
	}
	xt_info("attacher: wrote %zu MiB of the %lu MiB window, then %s",
		done >> 20, WINDOW >> 20, sig ? xt_signame(sig) : "the end");
	/* the owner was killed: the rest of the window is gone */
	XT_ASSERT_MSG(sig == SIGBUS, "attacher: expected SIGBUS once the "
		      "owner was OOM-killed, got %s", xt_signame(sig));
	XT_ASSERT_LT(done, WINDOW);
	xt_detach(p);
	(void)xpmem_release(a);
	return 0;
}

int main(void)
{
	struct xt_chan ch;
	struct xt_stats base;
	int fd, st;

	xt_require_root();
	if (!xt_memcg_create(CG))
		xt_skip("no cgroup v2 memory controller");
	/* this process's own context (libxpmem's) is part of the base */
	XT_OK(xpmem_init());
	base = xt_stats();
	XT_ASSERT_EQ(xt_write_file(CG "/memory.max", LIMIT), 0);
	xt_write_file(CG "/memory.swap.max", "0");
	long kills0 = oom_kills();

	xt_chan_init(&ch);
	pid_t owner = xt_fork();
	if (owner == 0) {
		char pid[32];
		fd = xt_chan_end(&ch, 1);
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		XT_ASSERT_EQ(xt_write_file(CG "/cgroup.procs", pid), 0);
		/* never touched by the owner itself */
		char *mem = mmap(NULL, WINDOW, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				 -1, 0);
		XT_ASSERT(mem != MAP_FAILED);
		madvise(mem, WINDOW, MADV_NOHUGEPAGE);
		xt_send_u64(fd, (uint64_t)xt_make(mem, WINDOW, 0600));
		for (;;)
			pause();
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_segid_t s = (xpmem_segid_t)xt_recv_u64(fd);

	pid_t att = xt_spawn(attacher, &s);
	st = lim_reap_within(att, 150, "the attacher");
	XT_ASSERT_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "attacher: status 0x%x (killed by %d)", st,
		      WIFSIGNALED(st) ? WTERMSIG(st) : 0);

	/* the owner is the OOM victim */
	kill(owner, SIGKILL);	/* in case it survived: then fail below */
	int code, sig = xt_wait_signal(owner, &code);
	long kills1 = oom_kills();
	xt_info("memcg oom_kill %ld -> %ld, owner died of signal %d", kills0,
		kills1, sig);
	XT_ASSERT_MSG(kills1 > kills0, "no OOM kill in the owner's memcg: "
		      "the attacher's faults were not charged to the owner");
	XT_ASSERT_EQ(sig, SIGKILL);
	rmdir(CG);

	/* the survivors work: a fresh pair shares data */
	lim_check_device_works(64 * XT_PS, 41);
	lim_expect_stats(&base, "after the OOM kill and the survivors' work");
	return 0;
}
