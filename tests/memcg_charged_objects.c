// SPDX-License-Identifier: GPL-2.0-only
/*
 * The module's objects are charged to the memory cgroup of the process
 * that makes them: a process in a cgroup with memory.max = 16 MiB that
 * makes one-page segments and gets permits to them in a loop is stopped
 * by its limit (a call fails with ENOMEM, or the memcg OOM killer kills
 * it) long before 300,000 of each (about 75 MB of slab uncharged); the
 * module's objects are freed when it is gone, and the module works for
 * the next user. Skips without a cgroup v2 memory controller.
 */
#include "xt.h"

#include <sys/wait.h>

#define CG "/sys/fs/cgroup/xpmem-charged"
#define PAIRS_MAX 300000L

static long stat_of(const char *name)
{
	return xt_proc_field("/sys/kernel/debug/xpmem/stats", name);
}

int main(void)
{
	size_t ps = XT_PS;
	long segs0 = stat_of("segments"), permits0 = stat_of("permits");
	char pidbuf[32];
	int ch[2], code = -1, sig;
	long made = 0;
	pid_t pid;

	if (!xt_memcg_create(CG))
		xt_skip("no cgroup v2 memory controller");
	XT_ASSERT_EQ(xt_write_file(CG "/memory.max", "16M"), 0);
	xt_write_file(CG "/memory.swap.max", "0");
	XT_OK(pipe(ch));
	xt_set_timeout(600);

	pid = xt_fork();
	if (pid == 0) {
		char *page = xt_map_anon(ps);
		long i;

		close(ch[0]);
		snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
		XT_ASSERT_EQ(xt_write_file(CG "/cgroup.procs", pidbuf), 0);
		for (i = 0; i < PAIRS_MAX; i++) {
			xpmem_segid_t s = xpmem_make(page, ps, XPMEM_PERMIT_MODE,
						     (void *)0600);
			if (s <= 0)
				break;
			if (xpmem_get(s, XPMEM_RDWR, XPMEM_PERMIT_MODE,
				      NULL) <= 0)
				break;
			if (i % 1000 == 0 &&
			    write(ch[1], &i, sizeof(i)) != sizeof(i))
				_exit(3);
		}
		if (i == PAIRS_MAX)
			_exit(2);
		XT_ASSERT_MSG(errno == ENOMEM, "stopped after %ld with errno %d "
			      "(%s), not ENOMEM", i, errno, strerror(errno));
		write(ch[1], &i, sizeof(i));
		_exit(0);
	}
	close(ch[1]);
	for (long v; read(ch[0], &v, sizeof(v)) == sizeof(v);)
		made = v;
	close(ch[0]);
	sig = xt_wait_signal(pid, &code);
	xt_info("the child made about %ld segments and permits, then %s %d",
		made, sig ? "died of signal" : "exited with", sig ? sig : code);
	XT_ASSERT_MSG(code != 2, "%ld segments and permits made inside 16 MiB: "
		      "not charged to the memory cgroup", PAIRS_MAX);
	XT_ASSERT_MSG((sig == SIGKILL && xt_proc_field(CG "/memory.events",
						       "oom_kill") > 0) ||
		      (!sig && code == 0),
		      "the child ended with signal %d, exit %d", sig, code);
	XT_ASSERT_EQ(stat_of("segments"), segs0);
	XT_ASSERT_EQ(stat_of("permits"), permits0);

	/* The next user is fine. */
	struct xt_owner o = { .len = 4 * ps, .seed = 81, .mode = 0600 };
	xt_owner_start(&o);
	char *p = xt_get_attach(o.segid, XPMEM_RDWR, 4 * ps, NULL);
	XT_ASSERT_PATTERN(p, 4 * ps, 81, 0);
	xt_detach(p);
	xt_owner_stop(&o);
	rmdir(CG);
	return 0;
}
