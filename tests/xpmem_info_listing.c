// SPDX-License-Identifier: GPL-2.0-only
/*
 * xpmem-info --segments and --attachments PID, as text and as JSON (the
 * module's debugfs listings, driver/info.c): alice's owner makes a 0600
 * segment of 16 pages; an attacher (alice) gets it and attaches it whole,
 * and reads 3 of its pages with fault_pages=1. The segment's line then
 * says the owner's pid, uid 1000, 16 pages, mode 0600, 1 permit, 1
 * attachment, 3 faulted pages; the attacher's only attachment says its
 * address, size, the segid, the source (the segment's start), rw, live,
 * 3 faulted pages. After DETACH the segment has 0 attachments and the
 * attacher none; after RELEASE 0 permits; once the owner exits the
 * segment is not listed. The listings are root's: bob gets exit 1 and a
 * message saying so, and so does uid 0 without CAP_SYS_ADMIN (dropped
 * from its bounding set, so that the exec of xpmem-info cannot regain
 * it), to whom the files' mode would allow reading. Skipped on a kernel without debugfs; a module
 * without the listings fails.
 */
#include "xpmem_info_run.h"

#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/vfs.h>

#define DEBUGFS "/sys/kernel/debug"
#define DEBUGFS_MAGIC_NR 0x64626720

static int debugfs_mounted(void)
{
	struct statfs sf;

	return statfs(DEBUGFS, &sf) == 0 && sf.f_type == DEBUGFS_MAGIC_NR;
}

static xpmem_segid_t segid;
static char out[1 << 16];

/* The text line of --segments for segid, parsed; 0 if it is not listed. */
struct seg_line {
	int pid;
	unsigned int uid, mode;
	unsigned long long start, size;
	unsigned long permits, atts, faulted;
};

static int find_segment(struct seg_line *s)
{
	char *args[] = { "--segments", NULL }, key[64], *l;

	XT_ASSERT_EQ(xt_run_xpmem_info(NULL, args, out, sizeof(out)), 0);
	XT_OUTPUT_HAS(out, "------ XPMEM Segments --------");
	snprintf(key, sizeof(key), "\n0x%llx ", (unsigned long long)segid);
	l = strstr(out, key);
	if (!l)
		return 0;
	XT_ASSERT_EQ(sscanf(l + 1, "0x%*x %d %u 0x%llx %llu %o %lu %lu %lu",
			    &s->pid, &s->uid, &s->start, &s->size, &s->mode,
			    &s->permits, &s->atts, &s->faulted), 8);
	return 1;
}

/* The JSON object of the element whose key is value, into obj. */
static void json_object(const char *json, const char *key, char *obj,
			size_t size)
{
	const char *b = strstr(json, key), *e;

	XT_ASSERT_MSG(b != NULL, "no %s in the JSON", key);
	while (b > json && *b != '{')
		b--;
	e = strchr(b, '}');
	XT_ASSERT(e != NULL && (size_t)(e - b + 1) < size);
	memcpy(obj, b, e - b + 1);
	obj[e - b + 1] = '\0';
	xt_info("JSON object: %s", obj);
}

#define OBJ_HAS(obj, ...)                                                   \
	do {                                                                \
		char xk_[128];                                              \
		snprintf(xk_, sizeof(xk_), __VA_ARGS__);                    \
		XT_ASSERT_MSG(strstr((obj), xk_) != NULL,                   \
			      "%s is not in %s", xk_, (obj));               \
	} while (0)

static int bob_reads(void *arg)
{
	char *args[] = { "--segments", NULL };

	(void)arg;
	xt_become_user(XT_BOB);
	XT_ASSERT_EQ(xt_run_xpmem_info(NULL, args, out, sizeof(out)), 1);
	XT_OUTPUT_HAS(out, "readable by root only");
	return 0;
}

/* Root without CAP_SYS_ADMIN: the module's check at open refuses it. */
static int root_without_cap_reads(void *arg)
{
	char *args[] = { "--segments", NULL };

	(void)arg;
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) != 0)
		XT_FAIL("PR_CAPBSET_DROP CAP_SYS_ADMIN: %s", strerror(errno));
	XT_ASSERT_EQ(xt_run_xpmem_info(NULL, args, out, sizeof(out)), 1);
	XT_OUTPUT_HAS(out, "readable by root only");
	return 0;
}

int main(void)
{
	struct xt_owner o = { .len = 16 * XT_PS, .seed = 302, .mode = 0600,
			      .nohugepage = 1, .uid = XT_ALICE };
	char pidarg[16], key[64], obj[1024], *l;
	size_t ps = XT_PS, len = 16 * XT_PS;
	unsigned long long start, end, size, sid, src;
	char perm[8], state[8];
	unsigned long faulted;
	struct seg_line s;
	struct xt_chan ch;
	uintptr_t p;
	pid_t att;
	int fd;

	xt_require_root();
	if (!debugfs_mounted() &&
	    mount("debugfs", DEBUGFS, "debugfs", 0, NULL) != 0)
		xt_info("mount debugfs on " DEBUGFS ": %s", strerror(errno));
	if (!debugfs_mounted())
		xt_skip("no debugfs (a kernel without CONFIG_DEBUG_FS?)");
	XT_ASSERT_MSG(access(DEBUGFS "/xpmem/segments", F_OK) == 0 &&
		      access(DEBUGFS "/xpmem/attachments", F_OK) == 0,
		      "the module has no debugfs listings");
	xt_module_param("fault_pages", "1");
	xt_owner_start(&o);
	segid = o.segid;

	xt_chan_init(&ch);
	att = xt_fork();
	if (att == 0) {
		uint64_t w;
		int i;

		fd = xt_chan_end(&ch, 1);
		xt_become_user(XT_ALICE);
		xpmem_apid_t a = xt_get(segid, XPMEM_RDWR);
		char *q = xt_attach(a, 0, len, NULL);

		for (i = 0; i < 3; i++) {
			XT_ASSERT_EQ(xt_probe_read(q + (4 * i + 1) * ps, &w), 0);
			XT_ASSERT_EQ(w, xt_pat(302, (4 * i + 1) * ps));
		}
		xt_send_u64(fd, (uintptr_t)q);
		xt_expect_u64(fd, 1);
		xt_detach(q);
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		xt_release(a);
		xt_send_u64(fd, 4);
		xt_expect_u64(fd, 5);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	p = xt_recv_u64(fd);
	snprintf(pidarg, sizeof(pidarg), "%d", att);
	xt_info("owner %d, segid %#llx; attacher %d mapped it at %#lx", o.pid,
		(unsigned long long)segid, att, (unsigned long)p);

	/* --segments */
	XT_ASSERT_MSG(find_segment(&s), "segment %#llx not listed",
		      (unsigned long long)segid);
	XT_ASSERT_EQ(s.pid, o.pid);
	XT_ASSERT_EQ(s.uid, XT_ALICE);
	XT_ASSERT_EQ(s.size, len);
	XT_ASSERT_EQ(s.mode, 0600);
	XT_ASSERT_EQ(s.permits, 1);
	XT_ASSERT_EQ(s.atts, 1);
	XT_ASSERT_EQ(s.faulted, 3);

	/* --json --segments */
	{
		char *args[] = { "--json", "--segments", NULL };

		XT_ASSERT_EQ(xt_run_xpmem_info(NULL, args, out, sizeof(out)), 0);
		XT_OUTPUT_HAS(out, "\"segments\": [");
		snprintf(key, sizeof(key), "\"segid\": \"0x%llx\"",
			 (unsigned long long)segid);
		json_object(out, key, obj, sizeof(obj));
		OBJ_HAS(obj, "\"pid\": %d,", o.pid);
		OBJ_HAS(obj, "\"uid\": %d,", XT_ALICE);
		OBJ_HAS(obj, "\"start\": \"0x%llx\",", s.start);
		OBJ_HAS(obj, "\"size\": %zu,", len);
		OBJ_HAS(obj, "\"mode\": \"0600\",");
		OBJ_HAS(obj, "\"permits\": 1,");
		OBJ_HAS(obj, "\"attachments\": 1,");
		OBJ_HAS(obj, "\"faulted_pages\": 3}");
	}

	/* --attachments PID */
	{
		char *args[] = { "--attachments", pidarg, NULL };

		XT_ASSERT_EQ(xt_run_xpmem_info(NULL, args, out, sizeof(out)), 0);
		snprintf(key, sizeof(key), "------ XPMEM Attachments of pid %d", att);
		XT_OUTPUT_HAS(out, key);
		snprintf(key, sizeof(key), "\n0x%lx ", (unsigned long)p);
		l = strstr(out, key);
		XT_ASSERT_MSG(l != NULL, "attachment at %#lx not listed",
			      (unsigned long)p);
		XT_ASSERT_EQ(sscanf(l + 1, "0x%llx 0x%llx %llu 0x%llx 0x%llx %7s %7s %lu",
				    &start, &end, &size, &sid, &src, perm, state,
				    &faulted), 8);
		XT_ASSERT_EQ(start, p);
		XT_ASSERT_EQ(end, p + len);
		XT_ASSERT_EQ(size, len);
		XT_ASSERT_EQ(sid, segid);
		XT_ASSERT_EQ(src, s.start);
		XT_ASSERT(!strcmp(perm, "rw"));
		XT_ASSERT(!strcmp(state, "live"));
		XT_ASSERT_EQ(faulted, 3);
		/* Its only one. */
		XT_ASSERT(strstr(l + 1, "\n0x") == NULL);
	}

	/* --json --attachments PID */
	{
		char *args[] = { "--json", "--attachments", pidarg, NULL };

		XT_ASSERT_EQ(xt_run_xpmem_info(NULL, args, out, sizeof(out)), 0);
		snprintf(key, sizeof(key), "\"pid\": %d,", att);
		XT_OUTPUT_HAS(out, key);
		snprintf(key, sizeof(key), "\"start\": \"0x%lx\"", (unsigned long)p);
		json_object(out, key, obj, sizeof(obj));
		OBJ_HAS(obj, "\"end\": \"0x%lx\",", (unsigned long)(p + len));
		OBJ_HAS(obj, "\"size\": %zu,", len);
		OBJ_HAS(obj, "\"segid\": \"0x%llx\",", (unsigned long long)segid);
		OBJ_HAS(obj, "\"source\": \"0x%llx\",", s.start);
		OBJ_HAS(obj, "\"writable\": true,");
		OBJ_HAS(obj, "\"dead\": false,");
		OBJ_HAS(obj, "\"faulted_pages\": 3}");
	}

	/* Root only. */
	xt_run(bob_reads, NULL);
	xt_run(root_without_cap_reads, NULL);

	/* DETACH: no attachment left. */
	xt_step(fd, 1);
	XT_ASSERT(find_segment(&s));
	XT_ASSERT_EQ(s.atts, 0);
	XT_ASSERT_EQ(s.permits, 1);
	XT_ASSERT_EQ(s.faulted, 0);
	{
		char *args[] = { "--json", "--attachments", pidarg, NULL };

		XT_ASSERT_EQ(xt_run_xpmem_info(NULL, args, out, sizeof(out)), 0);
		XT_OUTPUT_HAS(out, "\"attachments\": []");
	}

	/* RELEASE: no permit left. */
	xt_step(fd, 3);
	XT_ASSERT(find_segment(&s));
	XT_ASSERT_EQ(s.permits, 0);
	xt_send_u64(fd, 5);
	xt_wait_ok(att);

	/* The owner's exit removes the segment. */
	xt_owner_stop(&o);
	XT_ASSERT_MSG(!find_segment(&s), "segment %#llx still listed",
		      (unsigned long long)segid);
	return 0;
}
