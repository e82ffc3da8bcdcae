// SPDX-License-Identifier: GPL-2.0-only
/*
 * 2 MiB PFN mappings: a special (pmd_special) leaf, ->huge_fault taking
 * an order, and thp_get_unmapped_area(), on an architecture that
 * supports PMD PFN maps (6.12+). The insertion itself is
 * HAVE_VMF_INSERT_PFN_PMD_PFN_T or _ULONG.
 */
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/pgtable.h>
#if !defined(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP) || \
	!defined(CONFIG_TRANSPARENT_HUGEPAGE)
#error "no huge PFN mappings"
#endif
unsigned long xpmem_probe_area(struct file *file);
unsigned long xpmem_probe_area(struct file *file)
{
	unsigned long addr = 0, len = 0, pgoff = 0, flags = 0;

	return thp_get_unmapped_area(file, addr, len, pgoff, flags);
}

static vm_fault_t xpmem_probe_fn(struct vm_fault *vmf, unsigned int order)
{
	pmd_t pmd = pmdp_get_lockless(vmf->pmd);

	if (order != PMD_ORDER || pmd_special(pmd) || !pmd_leaf(pmd))
		return VM_FAULT_FALLBACK;
	return VM_FAULT_NOPAGE;
}

const struct vm_operations_struct xpmem_probe = {
	.huge_fault = xpmem_probe_fn,
};
