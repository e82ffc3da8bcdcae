// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpmem-bench: XPMEM against memcpy, CMA and shared-memory copies on this
 * machine. Everything is in the bench library (bench_main.c); see --help.
 */
#include "bench.h"

int main(int argc, char **argv)
{
	return xpmem_bench_main(argc, argv);
}
