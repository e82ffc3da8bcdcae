/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tracefs.h - the module's trace events (driver/xpmem_trace.h) in a
 * tracefs instance of its own, for the tests trace_*.c.
 *
 * tracefs is /sys/kernel/tracing (mounted here if need be) or, on a
 * kernel that has it only there, /sys/kernel/debug/tracing. An instance
 * (instances/<name>/) has its own buffer and event switches, so nothing
 * else tracing in the guest sees our events or changes ours. A kernel
 * without tracing skips the test; a module without its events fails it.
 */
#ifndef XPMEM_TESTS_TRACEFS_H
#define XPMEM_TESTS_TRACEFS_H

#include "xt.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

struct xt_trace {
	char dir[256];		/* the instance */
	char *text;		/* the last xt_trace_read() */
};

static inline int xt_trace_dir_ok(const char *top)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/instances", top);
	return access(p, F_OK) == 0;
}

/* Find tracefs and create the instance name (fresh); skips without it. */
static inline void xt_trace_open(struct xt_trace *t, const char *name)
{
	const char *top = "/sys/kernel/tracing";
	char p[320];

	xt_require_root();
	if (!xt_trace_dir_ok(top) && mount("tracefs", top, "tracefs", 0, NULL) != 0)
		xt_info("mount tracefs on %s: %s", top, strerror(errno));
	if (!xt_trace_dir_ok(top)) {
		top = "/sys/kernel/debug/tracing";
		if (!xt_trace_dir_ok(top))
			xt_skip("no tracefs (a kernel without CONFIG_TRACING?)");
	}
	snprintf(p, sizeof(p), "%s/events/xpmem", top);
	XT_ASSERT_MSG(access(p, F_OK) == 0, "%s: the module has no trace events", p);
	snprintf(t->dir, sizeof(t->dir), "%s/instances/%s", top, name);
	rmdir(t->dir);
	XT_OK(mkdir(t->dir, 0700));
	t->text = NULL;
	xt_info("tracefs instance %s", t->dir);
}

/* Write value to the instance's file rel (e.g. "events/xpmem/enable"). */
static inline void xt_trace_write(struct xt_trace *t, const char *rel,
				  const char *value)
{
	char p[512];
	int r;

	snprintf(p, sizeof(p), "%s/%s", t->dir, rel);
	r = xt_write_file(p, value);
	XT_ASSERT_MSG(r == 0, "write %s to %s: %s", value, p, strerror(-r));
}

/* Enable one event of system xpmem ("xpmem_fault"), or all ("*"). */
static inline void xt_trace_enable(struct xt_trace *t, const char *event)
{
	char rel[128];

	if (!strcmp(event, "*"))
		snprintf(rel, sizeof(rel), "events/xpmem/enable");
	else
		snprintf(rel, sizeof(rel), "events/xpmem/%s/enable", event);
	xt_trace_write(t, rel, "1");
}

/* The instance's buffer as text (the trace file: it does not consume). */
static inline const char *xt_trace_read(struct xt_trace *t)
{
	char p[512];
	size_t len = 0, cap = 1 << 16;
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/trace", t->dir);
	free(t->text);
	t->text = malloc(cap);
	XT_ASSERT(t->text != NULL);
	fd = XT_OK(open(p, O_RDONLY));
	while ((n = read(fd, t->text + len, cap - 1 - len)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap) {
			cap *= 2;
			t->text = realloc(t->text, cap);
			XT_ASSERT(t->text != NULL);
		}
	}
	XT_ASSERT(n == 0);
	close(fd);
	t->text[len] = '\0';
	return t->text;
}

/*
 * The line of the last read that contains every one of the
 * NULL-terminated strings, copied to line; 1 if found, else 0.
 */
static inline int xt_trace_line(struct xt_trace *t, char *line, size_t size, ...)
{
	const char *s = t->text;

	while (s && *s) {
		const char *e = strchr(s, '\n'), *w;
		size_t n = e ? (size_t)(e - s) : strlen(s);
		int all = 1;
		va_list ap;

		if (n >= size)
			n = size - 1;
		memcpy(line, s, n);
		line[n] = '\0';
		va_start(ap, size);
		while ((w = va_arg(ap, const char *)))
			if (!strstr(line, w))
				all = 0;
		va_end(ap);
		if (all && line[0] != '#')
			return 1;
		s = e ? e + 1 : NULL;
	}
	return 0;
}

/* Switch the events off and remove the instance. */
static inline void xt_trace_close(struct xt_trace *t)
{
	xt_trace_write(t, "events/xpmem/enable", "0");
	free(t->text);
	t->text = NULL;
	if (rmdir(t->dir) != 0)
		xt_info("rmdir %s: %s", t->dir, strerror(errno));
}

#endif
