// SPDX-License-Identifier: GPL-2.0-only
/*
 * Permission checks with real users: alice (uid 1000, egid team 2000)
 * exports segments with modes 0600 0640 0644 0660 0666 0000 0604 0060
 * 0006 0400 0200. Processes of
 *   - the owner class (another alice process),
 *   - the group class by primary gid (bob with gid team),
 *   - the group class by a supplementary group (bob, gid bob, groups team),
 *   - the other class (carol),
 * ask for RDONLY (needs r) and RDWR (needs r and w) permits: each must
 * succeed or fail with EACCES exactly as the mode says (the class is
 * chosen first, as for files and SysV IPC). Successful permits attach
 * and read the data; RDONLY ones cannot write.
 */
#include "xt.h"

static const int modes[] = { 0600, 0640, 0644, 0660, 0666, 0000,
			     0604, 0060, 0006, 0400, 0200, 0066 };
#define NMODES ((int)(sizeof(modes) / sizeof(modes[0])))

enum { OWNER, GROUP, SUPPL, OTHER, NCLASS };
static const char *cname[] = { "owner", "group", "supplementary", "other" };
static xpmem_segid_t segs[NMODES];

static int allowed(int mode, int cls, int flags)
{
	int shift = cls == OWNER ? 6 : (cls == OTHER ? 0 : 3);
	int bits = (mode >> shift) & 7;
	int need = flags == XPMEM_RDWR ? 6 : 4;

	return (bits & need) == need;
}

static int tester(void *arg)
{
	int cls = (int)(intptr_t)arg;
	gid_t team = XT_TEAM, g;
	int m, bad = 0;

	switch (cls) {
	case OWNER:
		xt_drop_privs(XT_ALICE, XT_TEAM, 1, &team);
		break;
	case GROUP:
		xt_drop_privs(XT_BOB, XT_TEAM, 0, NULL);
		break;
	case SUPPL:
		g = XT_BOB;
		{
			gid_t gs[2] = { XT_BOB, XT_TEAM };
			xt_drop_privs(XT_BOB, g, 2, gs);
		}
		break;
	default:
		g = XT_CAROL;
		xt_drop_privs(XT_CAROL, XT_CAROL, 1, &g);
		break;
	}
	for (m = 0; m < NMODES; m++) {
		int flags;
		for (flags = XPMEM_RDONLY; flags <= XPMEM_RDWR; flags++) {
			int ok = allowed(modes[m], cls, flags);
			errno = 0;
			xpmem_apid_t a = xpmem_get(segs[m], flags,
						   XPMEM_PERMIT_MODE, NULL);
			int e = errno;
			if (ok && a <= 0) {
				xt_info("%s, mode 0%03o, %s: denied (errno %d), "
					"expected allowed", cname[cls], modes[m],
					flags == XPMEM_RDWR ? "RDWR" : "RDONLY", e);
				bad++;
			} else if (!ok && (a != -1 || e != EACCES)) {
				xt_info("%s, mode 0%03o, %s: got %lld errno %d, "
					"expected EACCES", cname[cls], modes[m],
					flags == XPMEM_RDWR ? "RDWR" : "RDONLY",
					(long long)a, e);
				bad++;
			}
			if (ok && a > 0) {
				char *p = xt_attach(a, 0, XT_PS, NULL);
				XT_ASSERT_PATTERN(p, XT_PS, 140 + m, 0);
				if (flags == XPMEM_RDONLY)
					XT_EXPECT_SIG(xt_probe_write(p, 0), SIGSEGV);
				xt_detach(p);
				xt_release(a);
			}
		}
	}
	if (bad)
		XT_FAIL("%s: %d wrong permission decisions", cname[cls], bad);
	return 0;
}

int main(void)
{
	struct xt_chan ch;
	int fd, m, c;
	pid_t owner;

	/* The System V mode check, not the default same-user policy. */
	xt_module_param("access_policy", "mode-bits");

	xt_require_root();
	xt_chan_init(&ch);
	owner = xt_fork();
	if (owner == 0) {
		gid_t team = XT_TEAM;
		xt_drop_privs(XT_ALICE, XT_TEAM, 1, &team);
		fd = xt_chan_end(&ch, 1);
		char *buf = xt_map_anon(NMODES * XT_PS);
		for (m = 0; m < NMODES; m++) {
			xt_fill(buf + m * XT_PS, XT_PS, 140 + m, 0);
			segs[m] = xt_make(buf + m * XT_PS, XT_PS, modes[m]);
			xt_send_u64(fd, segs[m]);
		}
		xt_expect_u64(fd, 1);
		/* the owner process itself is in the owner class too */
		for (m = 0; m < NMODES; m++) {
			xpmem_apid_t a = xpmem_get(segs[m], XPMEM_RDONLY,
						   XPMEM_PERMIT_MODE, NULL);
			if (allowed(modes[m], OWNER, XPMEM_RDONLY))
				XT_ASSERT_GT(a, 0);
			else
				XT_ASSERT_MSG(a == -1 && errno == EACCES,
					      "owner's own get of mode 0%03o: %lld "
					      "errno %d", modes[m], (long long)a,
					      errno);
		}
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	for (m = 0; m < NMODES; m++)
		segs[m] = xt_recv_u64(fd);
	for (c = 0; c < NCLASS; c++)
		xt_run(tester, (void *)(intptr_t)c);
	xt_send_u64(fd, 1);
	xt_wait_ok(owner);
	return 0;
}
