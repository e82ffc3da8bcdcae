// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpmem demo: two processes share memory.
 *
 * The parent exports one page with xpmem_make(), forks, and only then writes
 * a message into it, so the child's copy-on-write copy cannot hold it.  The
 * child gets the segment id through a pipe, attaches the parent's page with
 * xpmem_get() + xpmem_attach(), reads the message and writes a reply, which
 * the parent then finds in its own page.  Exit 0 when both directions worked.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xpmem.h>

#define PAGE 4096

int main(void)
{
	int to_child[2], to_parent[2];
	char *buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED || pipe(to_child) || pipe(to_parent)) {
		perror("setup");
		return 1;
	}
	memset(buf, 0, PAGE);
	printf("xpmem module version 0x%x\n", xpmem_version());

	xpmem_segid_t segid = xpmem_make(buf, PAGE, XPMEM_PERMIT_MODE, (void *)0600);
	if (segid == -1) {
		perror("xpmem_make");
		return 1;
	}

	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		xpmem_segid_t s;
		char go;

		if (read(to_child[0], &s, sizeof(s)) != sizeof(s) ||
		    read(to_child[0], &go, 1) != 1)
			_exit(1);
		xpmem_apid_t apid = xpmem_get(s, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL);
		if (apid == -1) {
			perror("child: xpmem_get");
			_exit(1);
		}
		struct xpmem_addr addr = { .apid = apid, .offset = 0 };
		char *p = xpmem_attach(addr, PAGE, NULL);
		if (p == (void *)-1) {
			perror("child: xpmem_attach");
			_exit(1);
		}
		printf("child  %d: attached the parent's page at %p, it says: \"%s\"\n",
		       getpid(), (void *)p, p);
		snprintf(p + PAGE / 2, PAGE / 2, "hello parent, this is %d", getpid());
		int ok = strncmp(p, "hello child", 11) == 0;
		xpmem_detach(p);
		xpmem_release(apid);
		fflush(stdout);
		_exit(ok ? 0 : 1);
	}

	/* Written after fork: only reachable by the child through xpmem. */
	snprintf(buf, PAGE / 2, "hello child, this is %d", getpid());
	if (write(to_child[1], &segid, sizeof(segid)) != sizeof(segid) ||
	    write(to_child[1], "g", 1) != 1) {
		perror("write");
		return 1;
	}
	int st;
	waitpid(pid, &st, 0);
	printf("parent %d: my own page now says: \"%s\"\n", getpid(), buf + PAGE / 2);
	int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
		 strncmp(buf + PAGE / 2, "hello parent", 12) == 0;
	xpmem_remove(segid);
	printf("demo: %s\n", ok ? "two processes shared memory through xpmem"
				 : "FAILED");
	return ok ? 0 : 1;
}
