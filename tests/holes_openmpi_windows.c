// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Open MPI way: the owner exports its whole address space; the peer
 * attaches 8 MiB-aligned 8 MiB windows around heap, stack, mmap and
 * static addresses (windows that reach into unmapped holes) and reads
 * and writes the owner's buffers through them. Touching a known hole
 * inside such a window gives SIGBUS.
 */
#include "xt.h"

#define WIN (8 * XT_MiB)
/* x86-64 4-level user address limit (TASK_SIZE) */
#define USER_TOP 0x7ffffffff000ULL

static char static_buf[16384] __attribute__((aligned(4096)));

enum { HEAP, STACK, MMAP, STATIC, BIG, NBUF };
static const char *names[] = { "heap", "stack", "mmap", "static", "big-mmap" };

static int owner(int fd)
{
	size_t ps = XT_PS;
	char stack_buf[12288];
	char *bufs[NBUF];
	size_t lens[NBUF] = { 100000, sizeof(stack_buf), 3 * ps,
			      sizeof(static_buf), 20 * XT_MiB };
	int i;

	bufs[HEAP] = malloc(lens[HEAP]);
	bufs[STACK] = stack_buf;
	bufs[MMAP] = xt_map_anon(lens[MMAP]);
	bufs[STATIC] = static_buf;
	bufs[BIG] = xt_map_anon(lens[BIG]);
	/* a hole inside the mmap buffer's window: its middle page */
	XT_OK(munmap(bufs[MMAP] + ps, ps));
	lens[MMAP] = ps;
	for (i = 0; i < NBUF; i++)
		xt_fill(bufs[i], lens[i] & ~7UL, 30 + i, (uintptr_t)bufs[i]);

	xpmem_segid_t s = xpmem_make(0, XPMEM_MAXADDR_SIZE, XPMEM_PERMIT_MODE,
				     (void *)0600);
	XT_ASSERT_GT(s, 0);
	xt_send_u64(fd, s);
	for (i = 0; i < NBUF; i++) {
		xt_send_u64(fd, (uintptr_t)bufs[i]);
		xt_send_u64(fd, lens[i]);
	}
	xt_send_u64(fd, (uintptr_t)bufs[MMAP] + ps);	/* the hole */
	xt_expect_u64(fd, 1);
	for (i = 0; i < NBUF; i++)
		XT_ASSERT_PATTERN(bufs[i], lens[i] & ~7UL, 40 + i,
				  (uintptr_t)bufs[i]);
	return 0;
}

int main(void)
{
	struct xt_chan ch;
	int fd, i;
	pid_t pid;
	uint64_t addr[NBUF], len[NBUF], hole, v;

	xt_chan_init(&ch);
	pid = xt_fork();
	if (pid == 0)
		return owner(xt_chan_end(&ch, 1));
	fd = xt_chan_end(&ch, 0);
	xpmem_segid_t s = xt_recv_u64(fd);
	for (i = 0; i < NBUF; i++) {
		addr[i] = xt_recv_u64(fd);
		len[i] = xt_recv_u64(fd);
	}
	hole = xt_recv_u64(fd);
	xpmem_apid_t a = xt_get(s, XPMEM_RDWR);

	for (i = 0; i < NBUF; i++) {
		uint64_t done = 0;
		/* a buffer may span several windows, like Open MPI's cache */
		while (done < (len[i] & ~7UL)) {
			uint64_t at = addr[i] + done;
			uint64_t base = at & ~(uint64_t)(WIN - 1);
			uint64_t size = WIN;
			if (base + size > USER_TOP)
				size = USER_TOP - base;
			char *w = xt_attach(a, (off_t)base, size, NULL);
			uint64_t n = base + size - at;
			if (n > (len[i] & ~7UL) - done)
				n = (len[i] & ~7UL) - done;
			xt_info("%s: window 0x%llx+0x%llx for 0x%llx..0x%llx",
				names[i], (unsigned long long)base,
				(unsigned long long)size, (unsigned long long)at,
				(unsigned long long)(at + n));
			XT_ASSERT_PATTERN(w + (at - base), n, 30 + i, at);
			xt_fill(w + (at - base), n, 40 + i, at);
			if (hole >= base && hole < base + size)
				XT_EXPECT_SIG(xt_probe_read(w + (hole - base), &v),
					      SIGBUS);
			xt_detach(w);
			done += n;
		}
	}
	xt_send_u64(fd, 1);
	xt_wait_ok(pid);
	return 0;
}
