// SPDX-License-Identifier: GPL-2.0-only
#include <linux/hmm.h>
int xpmem_probe(struct hmm_range *range);
int xpmem_probe(struct hmm_range *range)
{
	unsigned long pfn = 0;

	return hmm_range_fault(range) + (int)hmm_pfn_to_map_order(pfn);
}
