// SPDX-License-Identifier: GPL-2.0-only
/*
 * What one segment, one permit and one attachment cost their maker's
 * memory cgroup: a child in a fresh group (no limit) makes N one-page
 * segments, gets a permit to each and attaches each (one page, touched),
 * reading the group's memory.current and memory.stat "slab" after each
 * phase (N is 20000; 5000 on a slow kernel, XPMEM_VM_SLOW). Every object
 * must be charged (at least 16 bytes per object of a phase: one whose
 * allocations escaped the group fails) and stay under 4 KiB (nothing
 * page-sized per object). An attachment's cost includes its VMA
 * and its share of page tables, as the attacher's own mmap() would.
 * Prints bytes per object, for the per-user caps' documentation.
 * Skips without a cgroup v2 memory controller.
 */
#include "xt.h"

#include <sys/wait.h>

#define CG "/sys/fs/cgroup/xpmem-cost"
#define NMAX 20000L	/* N; 5000 on a slow kernel (XPMEM_VM_SLOW) */
#define MAXCOST 4096L

/* Less than this per object: the phase's allocations escaped the group. */
#define MINCOST 16L

static long nobj = NMAX;

struct reading {
	long current;	/* memory.current, bytes */
	long slab;	/* memory.stat slab, bytes (-1: not on this kernel) */
};

static void read_cg(struct reading *r)
{
	long v;

	XT_OK(xt_read_long(CG "/memory.current", &v));
	r->current = v;
	r->slab = xt_proc_field(CG "/memory.stat", "slab");
}

/* Send the phase's cost per object to the parent, which prints it. */
static void report(int fd, const struct reading *a, const struct reading *b)
{
	long d[2] = { (b->current - a->current) / nobj,
		      b->slab < 0 ? -1 : (b->slab - a->slab) / nobj };

	if (write(fd, d, sizeof(d)) != (ssize_t)sizeof(d))
		_exit(3);
}

static void child(int fd)
{
	size_t ps = XT_PS;
	char *mem = xt_map_anon((nobj + 1) * ps);
	static xpmem_segid_t seg[NMAX];
	static xpmem_apid_t apid[NMAX];
	struct reading r0, r1, r2, r3;
	xpmem_apid_t warm;
	char pid[32];
	long i;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	XT_ASSERT_EQ(xt_write_file(CG "/cgroup.procs", pid), 0);
	/*
	 * Fault the memory and the arrays in first, and make one of each
	 * object (the library's and the context's first allocations): then
	 * only the nobj objects of a phase make its difference.
	 */
	memset(mem, 1, (nobj + 1) * ps);
	memset(seg, 0, sizeof(seg));
	memset(apid, 0, sizeof(apid));
	warm = xt_get(xt_make(mem + nobj * ps, ps, 0600), XPMEM_RDWR);
	XT_ASSERT_EQ(*(volatile char *)xt_attach(warm, 0, ps, NULL), 1);

	read_cg(&r0);
	for (i = 0; i < nobj; i++)
		seg[i] = xt_make(mem + i * ps, ps, 0600);
	read_cg(&r1);
	report(fd, &r0, &r1);
	for (i = 0; i < nobj; i++)
		apid[i] = xt_get(seg[i], XPMEM_RDWR);
	read_cg(&r2);
	report(fd, &r1, &r2);
	for (i = 0; i < nobj; i++) {
		volatile char *p = xt_attach(apid[i], 0, ps, NULL);

		XT_ASSERT_EQ(*p, 1);
	}
	read_cg(&r3);
	report(fd, &r2, &r3);
	_exit(0);
}

int main(void)
{
	static const char *const what[3] = { "segment", "permit", "attachment" };
	int ch[2], i;
	long d[2];
	pid_t pid;

	const char *slow = getenv("XPMEM_VM_SLOW");

	if (slow && *slow == '1')
		nobj = NMAX / 4;
	if (!xt_memcg_create(CG))
		xt_skip("no cgroup v2 memory controller");
	XT_OK(xt_write_file("/proc/sys/vm/max_map_count", "300000"));
	xt_set_timeout(600);
	XT_OK(pipe(ch));
	pid = xt_fork();
	if (pid == 0) {
		close(ch[0]);
		child(ch[1]);
	}
	close(ch[1]);
	for (i = 0; i < 3; i++) {
		xt_recv(ch[0], d, sizeof(d));
		xt_info("%-10s %5ld bytes each (memory.current), of it slab %ld",
			what[i], d[0], d[1]);
		if (d[0] < MINCOST || d[0] > MAXCOST)
			XT_FAIL("%s: %ld bytes each charged to the group, want %ld..%ld",
				what[i], d[0], MINCOST, MAXCOST);
	}
	xt_wait_ok(pid);
	return 0;
}
