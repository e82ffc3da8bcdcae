// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmf_insert_pfn_pmd() took a pfn_t until 6.16, an unsigned long since.
 */
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/pfn_t.h>
vm_fault_t xpmem_probe(struct vm_fault *vmf);
vm_fault_t xpmem_probe(struct vm_fault *vmf)
{
	unsigned long pfn = 0;
	bool write = false;

	return vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn, PFN_DEV), write);
}
