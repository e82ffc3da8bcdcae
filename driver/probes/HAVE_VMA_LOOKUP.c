// SPDX-License-Identifier: GPL-2.0-only
#include <linux/mm.h>
struct vm_area_struct *xpmem_probe(struct mm_struct *mm);
struct vm_area_struct *xpmem_probe(struct mm_struct *mm)
{
	unsigned long addr = 0;

	return vma_lookup(mm, addr);
}
