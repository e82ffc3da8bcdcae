// SPDX-License-Identifier: GPL-2.0-only
#include <linux/mm.h>
static int xpmem_probe_fn(pte_t *pte, unsigned long addr, void *data)
{
	return 0;
}

int xpmem_probe(struct mm_struct *mm);
int xpmem_probe(struct mm_struct *mm)
{
	unsigned long addr = 0, size = 0;

	return apply_to_page_range(mm, addr, size, xpmem_probe_fn, NULL);
}
