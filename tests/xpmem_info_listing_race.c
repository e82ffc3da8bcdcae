// SPDX-License-Identifier: GPL-2.0-only
/*
 * The module's debugfs listings (driver/info.c) read over and over, a few
 * bytes a read() (so that the seq_file iterator stops and restarts in the
 * middle of them), while two churners make segments (an owner process
 * each time), get, attach, fault, and then take them down in every order:
 * DETACH before RELEASE before the owner's exit; RELEASE first (a dead
 * attachment still listed); the owner's exit first (a segment removed
 * under its attachments); an attacher exiting with everything live. No
 * read may fail and every line must be whole (as many columns as its
 * header); the bed fails the test on any kernel splat (KASAN and lockdep
 * on the debug kernel). Once all of them have exited, neither listing has
 * a line but its header. Skipped without debugfs.
 */
#include "xt.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/vfs.h>

#define DEBUGFS "/sys/kernel/debug"
#define DEBUGFS_MAGIC_NR 0x64626720
#define SEGMENTS DEBUGFS "/xpmem/segments"
#define ATTACHMENTS DEBUGFS "/xpmem/attachments"
#define SECONDS 4.0
#define CHURNERS 2
#define PAGES 16

static char text[1 << 20];

static int debugfs_mounted(void)
{
	struct statfs sf;

	return statfs(DEBUGFS, &sf) == 0 && sf.f_type == DEBUGFS_MAGIC_NR;
}

static int columns(const char *line, size_t n)
{
	int c = 0, in = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (line[i] == ' ') {
			in = 0;
		} else if (!in) {
			in = 1;
			c++;
		}
	}
	return c;
}

/*
 * Read path whole, chunk bytes a read(); check every line has the columns
 * of the header. Returns the number of lines after the header.
 */
static long read_listing(const char *path, size_t chunk)
{
	size_t len = 0;
	long lines = 0;
	int fd, want = -1;
	char *s, *e;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	XT_ASSERT_MSG(fd >= 0, "open %s: %s", path, strerror(errno));
	for (;;) {
		size_t room = sizeof(text) - 1 - len;

		n = read(fd, text + len, chunk < room ? chunk : room);
		if (n < 0 && errno == EINTR)
			continue;
		XT_ASSERT_MSG(n >= 0, "read %s: %s", path, strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
		XT_ASSERT_MSG(len < sizeof(text) - 1, "%s: more than %zu bytes",
			      path, sizeof(text));
	}
	close(fd);
	text[len] = '\0';
	XT_ASSERT_MSG(len && text[len - 1] == '\n', "%s: does not end a line",
		      path);
	for (s = text; *s; s = e + 1) {
		e = strchr(s, '\n');
		if (want < 0) {
			want = columns(s, (size_t)(e - s));
			continue;
		}
		if (columns(s, (size_t)(e - s)) != want)
			XT_FAIL("%s: a line of %d columns, not %d: \"%.*s\"", path,
				columns(s, (size_t)(e - s)), want, (int)(e - s), s);
		lines++;
	}
	return lines;
}

static void touch(char *p, size_t ps, unsigned int n, uint64_t seed)
{
	uint64_t w;
	size_t off = (size_t)(n % PAGES) * ps;

	XT_ASSERT_EQ(xt_probe_read(p + off, &w), 0);
	XT_ASSERT_EQ(w, xt_pat(seed, off));
}

/* One churner: rounds until the deadline; returns how many. */
static unsigned int churn(int id, double until)
{
	size_t ps = XT_PS, len = PAGES * XT_PS;
	unsigned int n;

	for (n = 0; xt_now() < until; n++) {
		struct xt_owner o = { .len = len, .seed = 400 + id,
				      .mode = 0600, .nohugepage = 1 };
		xpmem_apid_t a;
		pid_t child;
		char *p;

		xt_owner_start(&o);
		a = xt_get(o.segid, XPMEM_RDWR);
		p = xt_attach(a, 0, len, NULL);
		touch(p, ps, n, o.seed);
		touch(p, ps, n + 7, o.seed);
		switch (n % 4) {
		case 0:		/* in order */
			xt_detach(p);
			xt_release(a);
			xt_owner_stop(&o);
			break;
		case 1:		/* the permit first: a dead attachment */
			xt_release(a);
			xt_owner_stop(&o);
			xt_detach(p);
			break;
		case 2:		/* the owner first: the segment removed */
			xt_owner_stop(&o);
			xt_release(a);
			xt_detach(p);
			break;
		default:	/* an attacher exits with all of it */
			child = xt_fork();
			if (child == 0) {
				xpmem_apid_t b = xt_get(o.segid, XPMEM_RDONLY);
				char *q = xt_attach(b, 0, len, NULL);

				touch(q, ps, n + 3, o.seed);
				_exit(0);
			}
			xt_wait_ok(child);
			xt_detach(p);
			xt_release(a);
			xt_owner_stop(&o);
			break;
		}
	}
	return n;
}

int main(void)
{
	static const size_t chunks[] = { 1, 7, 64, 4096 };
	double until;
	long reads = 0, segs = 0, atts = 0, nonempty = 0;
	pid_t pids[CHURNERS];
	int i;

	xt_require_root();
	if (!debugfs_mounted() &&
	    mount("debugfs", DEBUGFS, "debugfs", 0, NULL) != 0)
		xt_info("mount debugfs on " DEBUGFS ": %s", strerror(errno));
	if (!debugfs_mounted())
		xt_skip("no debugfs (a kernel without CONFIG_DEBUG_FS?)");
	XT_ASSERT_MSG(access(SEGMENTS, F_OK) == 0 && access(ATTACHMENTS, F_OK) == 0,
		      "the module has no debugfs listings");
	xt_module_param("fault_pages", "1");

	until = xt_now() + SECONDS;
	for (i = 0; i < CHURNERS; i++) {
		pids[i] = xt_fork();
		if (pids[i] == 0) {
			unsigned int n = churn(i, until);

			xt_info("churner %d: %u rounds", i, n);
			exit(n ? 0 : 1);
		}
	}
	while (xt_now() < until) {
		size_t chunk = chunks[reads % 4];
		long s = read_listing(SEGMENTS, chunk);
		long a = read_listing(ATTACHMENTS, chunk);

		segs += s;
		atts += a;
		nonempty += s > 0 || a > 0;
		reads++;
	}
	for (i = 0; i < CHURNERS; i++)
		xt_wait_ok(pids[i]);
	xt_info("%ld reads of both listings, %ld of them not empty; %ld segment "
		"and %ld attachment lines", reads, nonempty, segs, atts);
	XT_ASSERT_MSG(nonempty > 0, "no listing ever showed the churners' objects");

	XT_ASSERT_EQ(read_listing(SEGMENTS, 4096), 0);
	XT_ASSERT_EQ(read_listing(ATTACHMENTS, 4096), 0);
	return 0;
}
