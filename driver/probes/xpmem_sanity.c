// SPDX-License-Identifier: GPL-2.0-only
/*
 * Always builds: if it does not, the compiler cannot build a module against
 * the kernel tree at all, and probe.sh stops with the build log.
 */
#include <linux/types.h>
int xpmem_probe(int x);
int xpmem_probe(int x)
{
	return x + 1;
}
