// SPDX-License-Identifier: GPL-2.0-only
/*
 * The module's trace events (driver/xpmem_trace.h), read back from a
 * tracefs instance of the test's own, with the fields they must carry:
 * alice's owner makes a 0600 segment of 8 pages; an attacher (alice)
 * gets it, attaches it and reads one page with fault_pages=1 (one fault,
 * one 4 KiB entry at that address), releases the permit (which kills the
 * attachment: a zap of its 8 pages) and detaches (faulted=1). Refusals:
 * the attacher's second GET over max_permits_per_user=1 (ENOSPC), bob's
 * GET under access_policy=same-user (EACCES), root's GET from another
 * IPC namespace under segid_scope=ipc-namespace (ENOENT), each with the
 * caller's pid and uid, the owner's uid, the segid, the error and the
 * reason. Every event is in the task that made the call.
 */
#include "tracefs.h"

#include <sched.h>

static xpmem_segid_t segid;
static int chfd;

/* Alice: GET, a refused second GET, ATTACH, one fault, RELEASE, DETACH. */
static int attacher(void *arg)
{
	size_t ps = XT_PS;
	uint64_t w;

	(void)arg;
	xt_become_user(XT_ALICE);
	xpmem_apid_t a = xt_get(segid, XPMEM_RDWR);

	XT_ERR(xpmem_get(segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL), ENOSPC);
	char *p = xt_attach(a, 0, 8 * ps, NULL);

	XT_ASSERT_EQ(xt_probe_read(p + 3 * ps, &w), 0);
	XT_ASSERT_EQ(w, xt_pat(301, 3 * ps));
	xt_send_u64(chfd, (uintptr_t)p);
	xt_release(a);		/* kills the attachment: its entries zapped */
	xt_detach(p);
	return 0;
}

/* Bob: refused by access_policy=same-user. */
static int bob(void *arg)
{
	(void)arg;
	xt_become_user(XT_BOB);
	XT_ERR(xpmem_get(segid, XPMEM_RDONLY, XPMEM_PERMIT_MODE, NULL), EACCES);
	return 0;
}

/* Root in a new IPC namespace: the segid does not exist from there. */
static int other_ns(void *arg)
{
	(void)arg;
	XT_OK(unshare(CLONE_NEWIPC));
	XT_ERR(xpmem_get(segid, XPMEM_RDONLY, XPMEM_PERMIT_MODE, NULL), ENOENT);
	return 0;
}

/* The pid of a trace line's task ("comm-pid [cpu] ..."), or -1. */
static long line_pid(const char *line)
{
	const char *b = strchr(line, '['), *d = NULL, *s;

	if (!b)
		return -1;
	for (s = line; s < b; s++)
		if (*s == '-')
			d = s;
	return d ? strtol(d + 1, NULL, 10) : -1;
}

/* The event line with all of the strings must exist, from task pid. */
#define EXPECT(t, pid, ...)                                                 \
	do {                                                                \
		char xl_[1024];                                             \
		XT_ASSERT_MSG(xt_trace_line((t), xl_, sizeof(xl_),          \
					    __VA_ARGS__, NULL),             \
			      "no trace line with %s", #__VA_ARGS__);       \
		xt_info("event: %s", xl_);                                  \
		XT_ASSERT_EQ(line_pid(xl_), (pid));                         \
	} while (0)

int main(void)
{
	static const char *const events[] = {
		"xpmem_make", "xpmem_get", "xpmem_attach", "xpmem_detach",
		"xpmem_fault", "xpmem_zap", "xpmem_refuse",
	};
	struct xt_owner o = { .len = 8 * XT_PS, .seed = 301, .mode = 0600,
			      .nohugepage = 1, .uid = XT_ALICE };
	char sid[64], a[64], b[96], c[64], d[1024];
	size_t ps = XT_PS, i;
	struct xt_trace t;
	struct xt_chan ch;
	pid_t att, pb, pn;
	uintptr_t p;

	xt_trace_open(&t, "xpmem_trace_events");
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "events/xpmem/%s/enable", events[i]);
		xt_trace_write(&t, rel, "0");	/* each one exists */
	}
	xt_trace_enable(&t, "*");
	xt_module_param("fault_pages", "1");
	xt_module_param("max_permits_per_user", "1");

	xt_owner_start(&o);
	segid = o.segid;
	snprintf(sid, sizeof(sid), "segid=0x%llx ", (unsigned long long)segid);

	xt_chan_init(&ch);
	att = xt_fork();
	if (att == 0) {
		chfd = xt_chan_end(&ch, 1);
		exit(attacher(NULL));
	}
	chfd = xt_chan_end(&ch, 0);
	p = xt_recv_u64(chfd);
	xt_wait_ok(att);
	pb = xt_spawn(bob, NULL);
	xt_wait_ok(pb);
	pn = xt_spawn(other_ns, NULL);
	xt_wait_ok(pn);
	xt_info("attacher %d mapped at %#lx, bob %d, other IPC namespace %d",
		att, (unsigned long)p, pb, pn);

	xt_trace_read(&t);
	snprintf(a, sizeof(a), "size=0x%zx mode=0600", 8 * ps);
	EXPECT(&t, o.pid, "xpmem_make: ", sid, a);
	EXPECT(&t, att, "xpmem_get: ", sid, " rw");
	snprintf(a, sizeof(a), "vaddr=0x%lx ", (unsigned long)p);
	EXPECT(&t, att, "xpmem_attach: ", sid, a, "npages=8 rw");
	/* One fault: one 4 KiB entry, at the address read. */
	snprintf(b, sizeof(b), "address=0x%lx start=0x%lx ",
		 (unsigned long)(p + 3 * ps), (unsigned long)(p + 3 * ps));
	snprintf(c, sizeof(c), "pages=1 page_size=%zu read", ps);
	EXPECT(&t, att, "xpmem_fault: ", sid, b, c);
	XT_ASSERT_MSG(!xt_trace_line(&t, d, sizeof(d), "xpmem_fault: ",
				     "pages=0", NULL), "a fault mapped nothing");
	snprintf(b, sizeof(b), "attacher=%d vaddr=0x%lx npages=8", att,
		 (unsigned long)p);
	EXPECT(&t, att, "xpmem_zap: ", sid, b);
	EXPECT(&t, att, "xpmem_detach: ", sid, a, "npages=8 faulted=1");

	snprintf(b, sizeof(b), "pid=%d uid=%d owner_uid=%d err=%d ", att,
		 XT_ALICE, XT_ALICE, -ENOSPC);
	EXPECT(&t, att, "xpmem_refuse: ", sid, b,
	       "reason=max_permits_per_user");
	snprintf(b, sizeof(b), "pid=%d uid=%d owner_uid=%d err=%d ", pb, XT_BOB,
		 XT_ALICE, -EACCES);
	EXPECT(&t, pb, "xpmem_refuse: ", sid, b,
	       "reason=access_policy=same-user");
	snprintf(b, sizeof(b), "pid=%d uid=0 owner_uid=%d err=%d ", pn, XT_ALICE,
		 -ENOENT);
	EXPECT(&t, pn, "xpmem_refuse: ", sid, b,
	       "reason=segid_scope=ipc-namespace");

	xt_trace_close(&t);
	xt_owner_stop(&o);
	return 0;
}
