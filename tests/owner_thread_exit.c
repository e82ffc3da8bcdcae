// SPDX-License-Identifier: GPL-2.0-only
/*
 * Segments, permits and attachments belong to the process, not to the
 * thread that made them: a thread of the owner makes a segment and
 * exits; a thread of the attacher gets a permit, attaches and exits. The
 * segment stays alive, the main threads keep using the attachment, and
 * detach/release/remove work from the main threads.
 */
#include "xt.h"

#include <pthread.h>

static size_t len;
static char *obuf;
static xpmem_segid_t seg;
static xpmem_apid_t apid;
static char *att;

static void *owner_thread(void *arg)
{
	(void)arg;
	obuf = xt_map_anon(len);
	xt_fill(obuf, len, 290, 0);
	seg = xt_make(obuf, len, 0600);
	return NULL;
}

static void *attacher_thread(void *arg)
{
	xpmem_segid_t s = *(xpmem_segid_t *)arg;

	apid = xt_get(s, XPMEM_RDWR);
	att = xt_attach(apid, 0, len, NULL);
	XT_ASSERT_PATTERN(att, len / 2, 290, 0);
	return NULL;
}

int main(void)
{
	struct xt_chan ch;
	int fd;
	pid_t pid;
	pthread_t t;

	len = 32 * XT_PS;
	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0) {
		fd = xt_chan_end(&ch, 1);
		XT_ASSERT_EQ(pthread_create(&t, NULL, owner_thread, NULL), 0);
		pthread_join(t, NULL);
		xt_send_u64(fd, seg);
		xt_expect_u64(fd, 1);
		XT_ASSERT_PATTERN(obuf, len, 291, 0);
		xt_fill(obuf, len, 292, 0);
		xt_send_u64(fd, 2);
		xt_expect_u64(fd, 3);
		xt_remove(seg);
		return 0;
	}
	fd = xt_chan_end(&ch, 0);
	xpmem_segid_t s = xt_recv_u64(fd);
	XT_ASSERT_EQ(pthread_create(&t, NULL, attacher_thread, &s), 0);
	pthread_join(t, NULL);
	XT_ASSERT_PATTERN(att, len, 290, 0);
	xt_fill(att, len, 291, 0);
	xt_send_u64(fd, 1);
	xt_expect_u64(fd, 2);
	XT_ASSERT_PATTERN(att, len, 292, 0);
	xt_detach(att);
	xt_release(apid);
	xt_send_u64(fd, 3);
	xt_wait_ok(pid);
	return 0;
}
