// SPDX-License-Identifier: GPL-2.0-only
/*
 * First step of a client run in the guest: libxpmem.so.0 of the build tree
 * talks to the loaded module (xpmem_version() >= 0, the check UCX makes
 * before enabling its xpmem transport), and the loopback interface the
 * clients' out-of-band TCP exchange needs is up.  Exit 0 ok, 1 failure.
 * Linking against libxpmem also makes the test bed pack the C library, the
 * dynamic loader and libxpmem.so.0 into the guest, which the clients need.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xpmem.h>

int main(void)
{
	int fails = 0;
	int v = xpmem_version();

	if (v < 0) {
		printf("preflight: xpmem_version() = %d (%s): FAIL\n", v, strerror(errno));
		fails++;
	} else {
		printf("preflight: xpmem_version() = 0x%08x\n", (unsigned int)v);
	}

	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (s < 0) {
		printf("preflight: no AF_INET sockets (%s): FAIL\n", strerror(errno));
		fails++;
	} else if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		printf("preflight: no loopback interface (%s): FAIL\n", strerror(errno));
		fails++;
	} else {
		if (!(ifr.ifr_flags & IFF_UP)) {
			ifr.ifr_flags |= IFF_UP;
			if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
				printf("preflight: cannot bring lo up (%s): FAIL\n", strerror(errno));
				fails++;
			}
		}
		if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0)
			printf("preflight: lo is %s\n", (ifr.ifr_flags & IFF_UP) ? "up" : "down");
	}
	if (s >= 0)
		close(s);
	return fails ? 1 : 0;
}
